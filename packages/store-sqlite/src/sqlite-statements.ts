/**
 * The SQL of the SQLite store: fixed statements, prepared once per connection, and the one
 * dynamic query (resource filters), with the row mappers.
 * @module
 */
import type { ResourceMeta, ResourceQuery } from '@sdmp/store'
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js'

/** Every fixed statement the store runs. */
export interface Statements {
  readonly getMeta: SqliteStatement
  readonly putMeta: SqliteStatement
  readonly lastResource: SqliteStatement
  readonly lineOf: SqliteStatement
  readonly insert: SqliteStatement
  readonly bytesOf: SqliteStatement
  readonly dropBytes: SqliteStatement
  readonly metaOf: SqliteStatement
  readonly has: SqliteStatement
  readonly count: SqliteStatement
  readonly journal: SqliteStatement
  readonly byLineId: SqliteStatement
  readonly getPeer: SqliteStatement
  readonly setPeer: SqliteStatement
  readonly getSecret: SqliteStatement
  readonly putSecret: SqliteStatement
  readonly deleteSecret: SqliteStatement
}

/** Prepare the fixed statements on `db`. */
export function prepareStatements(db: SqliteDatabase): Statements {
  const p = (sql: string) => db.prepare(sql)
  return {
    getMeta: p('SELECT value FROM meta WHERE key = ?'),
    putMeta: p('INSERT INTO meta (key, value) VALUES (?, ?)'),
    lastResource: p(
      'SELECT position, line_id, user, id FROM resources ORDER BY position DESC LIMIT 1',
    ),
    lineOf: p('SELECT position, line_id, user FROM resources WHERE id_key = ? AND id = ?'),
    insert: p(
      'INSERT INTO resources (position, id, id_key, line_id, line_key, user, kind, created, ref, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    bytesOf: p('SELECT bytes FROM resources WHERE id_key = ? AND id = ?'),
    // Dropped bytes are the empty blob (a resource is never empty; edits.md §3).
    dropBytes: p(
      "UPDATE resources SET bytes = X'' WHERE id_key = ? AND id = ? AND length(bytes) > 0",
    ),
    metaOf: p(
      'SELECT position, id, user, kind, created, ref FROM resources WHERE id_key = ? AND id = ?',
    ),
    has: p('SELECT 1 FROM resources WHERE id_key = ? AND id = ?'),
    count: p('SELECT count(*) AS n FROM resources'),
    journal: p(
      'SELECT position, line_id, user, id FROM resources WHERE position > ? ORDER BY position LIMIT ?',
    ),
    byLineId: p('SELECT position, user, id FROM resources WHERE line_key = ? AND line_id = ?'),
    getPeer: p('SELECT last_known, extra, updated_at FROM peers WHERE peer = ?'),
    setPeer: p(
      'INSERT OR REPLACE INTO peers (peer, last_known, extra, updated_at) VALUES (?, ?, ?, ?)',
    ),
    getSecret: p('SELECT value FROM secrets WHERE name = ?'),
    putSecret: p('INSERT OR REPLACE INTO secrets (name, value) VALUES (?, ?)'),
    deleteSecret: p('DELETE FROM secrets WHERE name = ?'),
  }
}

/**
 * The SELECT of a validated {@link ResourceQuery} (non-empty `kinds`, if any) in journal order;
 * values travel as parameters. The same SQL for the same filter shape, so it caches well.
 */
export function resourceQuerySql(q: ResourceQuery): { sql: string; params: unknown[] } {
  const where = ['position > ?']
  const params: unknown[] = [q.afterPosition ?? 0]
  if (q.kinds) {
    where.push(`kind IN (${q.kinds.map(() => '?').join(',')})`)
    params.push(...q.kinds)
  }
  if (q.user !== undefined) {
    where.push('user = ?')
    params.push(q.user)
  }
  if (q.ref !== undefined) {
    where.push('ref = ?')
    params.push(q.ref)
  }
  params.push(q.limit ?? -1)
  const order = q.descending ? 'DESC' : 'ASC'
  const sql = `SELECT position, id, user, kind, created, ref FROM resources WHERE ${where.join(' AND ')} ORDER BY position ${order} LIMIT ?`
  return { sql, params }
}

/** A resources row (without bytes) as ResourceMeta; no `ref` key when the column is NULL. */
export function toMeta(row: unknown): ResourceMeta {
  const r = row as {
    position: number
    id: string
    user: string
    kind: string
    created: number
    ref: string | null
  }
  const base = { id: r.id, user: r.user, kind: r.kind, created: r.created, position: r.position }
  return r.ref === null ? base : { ...base, ref: r.ref }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const B64_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i

/**
 * The index key of a digest: its first 8 base64url characters (48 bits) as a safe integer.
 * Callers pass validated digests only.
 */
export function digestKey(digest: string): number {
  let key = 0
  for (let i = 0; i < 8; i++) key = key * 64 + B64_VALUE[digest.charCodeAt(i)]!
  return key
}
