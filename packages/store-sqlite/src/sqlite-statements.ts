/**
 * The SQL of the SQLite store: fixed statements, prepared once per connection, and the one
 * dynamic query (resource filters), with the row mappers.
 * @module
 */
import type { ResourceMeta, ResourceQuery } from '@sdmp/store'
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js'
import { digestText, refText, refValue } from './sqlite-digests.js'
import type { UserStatements } from './sqlite-digests.js'

/** Every fixed statement the store runs. */
export interface Statements {
  readonly getMeta: SqliteStatement
  readonly putMeta: SqliteStatement
  readonly setMeta: SqliteStatement
  readonly lastResource: SqliteStatement
  readonly insert: SqliteStatement
  readonly idIndexed: SqliteStatement
  readonly lineIndexed: SqliteStatement
  readonly idAt: SqliteStatement
  readonly lineIdAt: SqliteStatement
  readonly recentKeys: SqliteStatement
  readonly mergeIds: SqliteStatement
  readonly mergeLines: SqliteStatement
  readonly lineAt: SqliteStatement
  readonly bytesAt: SqliteStatement
  readonly dropBytesAt: SqliteStatement
  readonly metaAt: SqliteStatement
  readonly count: SqliteStatement
  readonly journal: SqliteStatement
  readonly users: UserStatements
  readonly usage: SqliteStatement
  readonly getPeer: SqliteStatement
  readonly setPeer: SqliteStatement
  readonly getSecret: SqliteStatement
  readonly putSecret: SqliteStatement
  readonly deleteSecret: SqliteStatement
}

/**
 * A bound row limit, `LIMIT ?` hidden from the query planner. SQLite built with STAT4 (as
 * better-sqlite3 is) lets the planner look at a bound LIMIT value, and a statement whose plan
 * depends on a bound value is prepared again every time it is bound: ~3-7 us per run, ten
 * times the indexed lookup itself (docs/store.md §2 "Row limits"). The plans are the same
 * (every query here has its index chosen by its WHERE terms).
 */
export const BOUND_LIMIT = 'LIMIT CAST(? AS INTEGER)'

/** The kind of sealed messages and receipts: most of any user's rows (envelope.md). */
const SEALED_KIND = 'encrypted'
/** A resources row joined with its user's fingerprint (`user`). */
const JOINED = 'resources r LEFT JOIN users u ON u.n = r.user'
/** The metadata columns of a joined row, as {@link toMeta} reads them. */
const META = 'r.position, r.id, u.fingerprint AS user, r.kind, r.created, r.ref'

/**
 * The SQL of every fixed statement, by name (exported for the query-plan test). A user with no
 * `users` row would surface as a NULL fingerprint (LEFT JOIN), an error, never as a row missing
 * from the journal.
 */
export const FIXED_SQL = {
  getMeta: 'SELECT value FROM meta WHERE key = ?',
  putMeta: 'INSERT INTO meta (key, value) VALUES (?, ?)',
  setMeta: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)',
  lastResource: `SELECT r.position, r.line_id, u.fingerprint AS user, r.id FROM ${JOINED} ORDER BY r.position DESC LIMIT 1`,
  insert:
    'INSERT INTO resources (position, id, line_id, user, kind, created, ref, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  // By id or line id (sqlite-ids.ts): a key table holds the digest's first 6 bytes (`keyOf`)
  // for rows up to `ids_through`, the full digest confirms it (a shared prefix is harmless);
  // rows after it are found in memory and confirmed by position.
  idIndexed:
    'SELECT x.position FROM resource_ids x JOIN resources r ON r.position = x.position WHERE x.key = ? AND r.id = ?',
  lineIndexed:
    'SELECT x.position FROM line_ids x JOIN resources r ON r.position = x.position WHERE x.key = ? AND r.line_id = ?',
  idAt: 'SELECT 1 FROM resources WHERE position = ? AND id = ?',
  lineIdAt: 'SELECT 1 FROM resources WHERE position = ? AND line_id = ?',
  recentKeys:
    'SELECT position, substr(id, 1, 6) AS k, substr(line_id, 1, 6) AS l FROM resources WHERE position > ? ORDER BY position',
  mergeIds:
    'INSERT INTO resource_ids (key, position) SELECT substr(id, 1, 6), position FROM resources WHERE position > ? ORDER BY 1, 2',
  mergeLines:
    'INSERT INTO line_ids (key, position) SELECT substr(line_id, 1, 6), position FROM resources WHERE position > ? ORDER BY 1, 2',
  lineAt: `SELECT r.position, r.line_id, u.fingerprint AS user, r.id FROM ${JOINED} WHERE r.position = ?`,
  bytesAt: 'SELECT bytes FROM resources WHERE position = ?',
  // Dropped bytes are the empty blob (a resource is never empty; edits.md §3).
  dropBytesAt: "UPDATE resources SET bytes = X'' WHERE position = ? AND length(bytes) > 0",
  metaAt: `SELECT ${META} FROM ${JOINED} WHERE r.position = ?`,
  count: 'SELECT count(*) AS n FROM resources',
  journal: `SELECT r.position, r.line_id, u.fingerprint AS user, r.id FROM ${JOINED} WHERE r.position > ? ORDER BY r.position ${BOUND_LIMIT}`,
  findUser: 'SELECT n FROM users WHERE fingerprint = ?',
  addUser: 'INSERT INTO users (fingerprint) VALUES (?)',
  usage: 'SELECT count(*) AS n, coalesce(sum(length(bytes)), 0) AS b FROM resources WHERE user = ?',
  getPeer: 'SELECT last_known, extra, updated_at FROM peers WHERE peer = ?',
  setPeer: 'INSERT OR REPLACE INTO peers (peer, last_known, extra, updated_at) VALUES (?, ?, ?, ?)',
  getSecret: 'SELECT value FROM secrets WHERE name = ?',
  putSecret: 'INSERT OR REPLACE INTO secrets (name, value) VALUES (?, ?)',
  deleteSecret: 'DELETE FROM secrets WHERE name = ?',
} as const

/** Prepare the fixed statements on `db`. */
export function prepareStatements(db: SqliteDatabase): Statements {
  const { findUser, addUser, ...rest } = FIXED_SQL
  const st = Object.fromEntries(Object.entries(rest).map(([k, sql]) => [k, db.prepare(sql)]))
  return {
    ...(st as Record<keyof typeof rest, SqliteStatement>),
    users: { find: db.prepare(findUser), add: db.prepare(addUser) },
  }
}

/**
 * The SELECT of a validated {@link ResourceQuery} (non-empty `kinds`, if any) in journal order;
 * values travel as parameters. `user` is the user's row number (the caller resolves it; a user
 * with no row has no resources). The same SQL for the same filter shape, so it caches well.
 */
export function resourceQuerySql(
  q: ResourceQuery,
  user: number | undefined,
): { sql: string; params: unknown[] } {
  const where = ['r.position > ?']
  const params: unknown[] = [q.afterPosition ?? 0]
  if (q.kinds) {
    where.push(`r.kind IN (${q.kinds.map(() => '?').join(',')})`)
    params.push(...q.kinds)
  }
  if (user !== undefined) {
    // A user's rows are mostly its sealed messages; with kinds that exclude them (prekeys,
    // trusts, delegations...) the kind index narrows far more, so `+` keeps SQLite, which has
    // no statistics here, off the user index (a scan of every message by that user; store.md §2).
    where.push(q.kinds && !q.kinds.includes(SEALED_KIND) ? '+r.user = ?' : 'r.user = ?')
    params.push(user)
  }
  if (q.ref !== undefined) {
    where.push('r.ref = ?')
    params.push(refValue(q.ref))
  }
  params.push(q.limit ?? -1)
  const order = q.descending ? 'DESC' : 'ASC'
  const sql = `SELECT ${META} FROM ${JOINED} WHERE ${where.join(' AND ')} ORDER BY r.position ${order} ${BOUND_LIMIT}`
  return { sql, params }
}

/** A joined row (without bytes) as ResourceMeta; no `ref` key when the column is NULL. */
export function toMeta(row: unknown): ResourceMeta {
  const r = row as {
    position: number
    id: Buffer
    user: Buffer
    kind: string
    created: number
    ref: Buffer | string | null
  }
  const base = {
    id: digestText(r.id),
    user: digestText(r.user),
    kind: r.kind,
    created: r.created,
    position: r.position,
  }
  return r.ref === null ? base : { ...base, ref: refText(r.ref) }
}

/** The journal line of a joined row: `lineId@user/id` (docs/protocol/journal.md). */
export function lineOfRow(r: { line_id: Buffer; user: Buffer; id: Buffer }): string {
  return `${digestText(r.line_id)}@${digestText(r.user)}/${digestText(r.id)}`
}

/**
 * The index key of a digest blob: its first 6 bytes (48 bits), as `substr(id, 1, 6)` fills the
 * `resource_ids` and `line_ids` tables (migration 5; sqlite-ids.ts). Random digests make the
 * entries small (~14 bytes) and collisions rare; lookups compare the full digest too.
 */
export function keyOf(blob: Buffer): Buffer {
  return blob.subarray(0, 6)
}
