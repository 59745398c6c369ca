/**
 * The journal's single-writer point in PostgreSQL (docs/scale.md). Every append, from any process
 * sharing the schema, first locks the one `journal_head` row with `SELECT ... FOR UPDATE` inside
 * the transaction that inserts the resources; the lock is held until COMMIT, so appends are
 * serialized and each sees the head the previous one committed: the chain stays linear.
 * @module
 */
import { ErrorCode, ProtocolError, formatJournalLine } from '@sdmp/core'
import type { Sha512 } from '@sdmp/core'
import type { IngestItem, PutResult } from '@sdmp/store'
import type { PgQueryable } from './postgres-store-config.js'

/** Schema-qualified table names. */
export interface PgTables {
  readonly meta: string
  readonly head: string
  readonly journal: string
  readonly resources: string
  readonly peers: string
  readonly secrets: string
  readonly local: string
  readonly blobs: string
  readonly chunks: string
}

/** Table names inside `schema` (already validated as a plain identifier). */
export function pgTables(schema: string): PgTables {
  const q = `"${schema}"`
  return Object.freeze({
    meta: `${q}.sdmp_meta`,
    head: `${q}.journal_head`,
    journal: `${q}.journal`,
    resources: `${q}.resources`,
    peers: `${q}.peers`,
    secrets: `${q}.secrets`,
    local: `${q}.local`,
    blobs: `${q}.blobs`,
    chunks: `${q}.blob_chunks`,
  })
}

type Row = Record<string, unknown>

interface Head {
  position: number
  line: string | null
}

/** Lock the head row until the transaction ends and return the committed head. */
async function lockHead(tx: PgQueryable, t: PgTables): Promise<Head> {
  const row = (await tx.query(`SELECT position, line FROM ${t.head} WHERE id = 1 FOR UPDATE`))
    .rows[0] as Row | undefined
  if (!row) throw new Error('postgres store: journal head row is missing')
  return { position: Number(row['position']), line: (row['line'] as string | null) ?? null }
}

/**
 * Write line 1 when the journal is empty. Runs inside a transaction opened by the caller.
 * @throws CONFLICT when the journal starts with another fingerprint
 */
export async function initJournalTx(
  tx: PgQueryable,
  t: PgTables,
  fingerprint: string,
): Promise<void> {
  const head = await lockHead(tx, t)
  if (head.position === 0) {
    await tx.query(`INSERT INTO ${t.journal} (position, line) VALUES (1, $1)`, [fingerprint])
    await tx.query(`UPDATE ${t.head} SET position = 1, line = $1 WHERE id = 1`, [fingerprint])
    return
  }
  const first = (await tx.query(`SELECT line FROM ${t.journal} WHERE position = 1`)).rows[0] as
    | Row
    | undefined
  if (first?.['line'] !== fingerprint)
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      'journal: line 1 already holds another node fingerprint',
    )
}

/**
 * Insert `items` and append one journal line per new resource, inside a transaction opened by the
 * caller (which commits before resolving: durability contract of store.ts). Ids already stored,
 * or repeated in the batch, get `inserted: false` and their existing line. When lines were
 * appended, `channel` is notified of the new head in the same transaction: PostgreSQL delivers
 * the notification on COMMIT, in commit order, and drops it on ROLLBACK (postgres-watch.ts).
 * @throws CONFLICT when the journal has no line 1 yet
 */
export async function appendResourcesTx(
  tx: PgQueryable,
  t: PgTables,
  items: readonly IngestItem[],
  sha512: Sha512,
  channel: string,
): Promise<PutResult[]> {
  const head = await lockHead(tx, t)
  if (head.position === 0 || head.line === null)
    throw new ProtocolError(ErrorCode.CONFLICT, 'journal: not initialized (no node fingerprint)')
  // Read after taking the lock: in READ COMMITTED each statement sees everything committed
  // before it started, including resources the previous lock holder inserted.
  const ids = [...new Set(items.map((i) => i.id))]
  const known = new Map<string, { position: number; line: string }>()
  const found = await tx.query(
    `SELECT r.id, r.position, j.line FROM ${t.resources} r
     JOIN ${t.journal} j ON j.position = r.position WHERE r.id = ANY($1::text[])`,
    [ids],
  )
  for (const row of found.rows as Row[])
    known.set(row['id'] as string, {
      position: Number(row['position']),
      line: row['line'] as string,
    })

  let position = head.position
  let line = head.line
  const fresh: IngestItem[] = []
  const lines: string[] = []
  const results: PutResult[] = []
  for (const item of items) {
    const have = known.get(item.id)
    if (have) {
      results.push({ id: item.id, inserted: false, position: have.position, line: have.line })
      continue
    }
    position++
    line = formatJournalLine(line, item.user, item.id, sha512)
    known.set(item.id, { position, line })
    fresh.push(item)
    lines.push(line)
    results.push({ id: item.id, inserted: true, position, line })
  }
  if (fresh.length === 0) return results

  const first = head.position + 1
  const positions = fresh.map((_, i) => first + i)
  // ON CONFLICT DO NOTHING keeps ingest idempotent even if a row appeared without the lock; a
  // short row count then means the chain computed above is wrong, so the transaction aborts.
  // One statement for the three writes and the notification (fewer round trips while the head
  // lock is held).
  const written = await tx.query(
    `WITH r AS (
       INSERT INTO ${t.resources} (id, user_fp, kind, created, ref, position, bytes)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],
                            $6::bigint[], $7::bytea[])
       ON CONFLICT (id) DO NOTHING RETURNING 1),
     j AS (
       INSERT INTO ${t.journal} (position, line, line_id, resource_id)
       SELECT * FROM unnest($6::bigint[], $8::text[], $9::text[], $1::text[]) RETURNING 1),
     h AS (UPDATE ${t.head} SET position = $10, line = $11 WHERE id = 1 RETURNING 1)
     SELECT (SELECT count(*) FROM r)::int AS resources, (SELECT count(*) FROM j)::int AS lines,
            (SELECT count(*) FROM h)::int AS head, pg_notify($12, $13) AS notified`,
    [
      fresh.map((i) => i.id),
      fresh.map((i) => i.user),
      fresh.map((i) => i.kind),
      fresh.map((i) => i.created),
      fresh.map((i) => i.ref ?? null),
      positions,
      fresh.map((i) => i.bytes),
      lines,
      lines.map((l) => l.slice(0, 86)),
      position,
      line,
      channel,
      String(position),
    ],
  )
  const counts = written.rows[0] as Row
  if (
    counts['resources'] !== fresh.length ||
    counts['lines'] !== fresh.length ||
    counts['head'] !== 1
  )
    throw new Error('postgres store: a resource was inserted outside the journal lock')
  return results
}
