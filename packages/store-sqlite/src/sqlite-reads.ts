/**
 * The read side of the SQLite store's resources table: bytes, metadata, filtered queries,
 * per-user usage and the journal (which lives in the same rows; docs/store.md §2). Arguments
 * are validated by the caller (`SqliteStore`); these run inside its driver-error mapping.
 * @module
 */
import type { JournalRow, ResourceMeta, ResourceQuery, StoreUsage } from '@sdmp/store'
import type { SqliteStatement } from './sqlite-driver.js'
import type { OpenHome } from './sqlite-ingest.js'
import { digestBlob, userNumber } from './sqlite-digests.js'
import { lineOfRow, resourceQuerySql, toMeta } from './sqlite-statements.js'

/** A cached prepared statement for the few dynamic queries (filters, range bounds). */
export function cachedStatement(o: OpenHome, sql: string): SqliteStatement {
  let st = o.cache.get(sql)
  if (!st) {
    st = o.db.prepare(sql)
    if (o.cache.size < 256) o.cache.set(sql, st)
  }
  return st
}

/** The stored (compact) bytes of `id`; undefined when absent or dropped. */
export function storedBytesOf(o: OpenHome, id: string): Uint8Array | undefined {
  const at = o.ids.positionOfId(o.st, digestBlob(id))
  if (at === undefined) return undefined
  const row = o.st.bytesAt.get(at) as { bytes: Buffer }
  if (row.bytes.byteLength === 0) return undefined
  return new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength)
}

/** Drop the bytes of `ids` (metadata and journal line stay); returns how many were dropped. */
export function dropBytesOf(o: OpenHome, ids: readonly string[]): number {
  let dropped = 0
  for (const id of ids) {
    const at = o.ids.positionOfId(o.st, digestBlob(id))
    if (at !== undefined) dropped += Number(o.st.dropBytesAt.run(at).changes)
  }
  return dropped
}

/** The metadata of `id`, if stored. */
export function metaOf(o: OpenHome, id: string): ResourceMeta | undefined {
  const at = o.ids.positionOfId(o.st, digestBlob(id))
  return at === undefined ? undefined : toMeta(o.st.metaAt.get(at))
}

/** Whether each of `ids` is stored. */
export function hasIds(o: OpenHome, ids: readonly string[]): boolean[] {
  return ids.map((id) => o.ids.positionOfId(o.st, digestBlob(id)) !== undefined)
}

/** The metadata matching a validated query, in journal order. */
export function queryMetas(o: OpenHome, q: ResourceQuery): ResourceMeta[] {
  if (q.kinds?.length === 0) return []
  const user = q.user === undefined ? undefined : userOf(o, q.user)
  if (user === null) return []
  const { sql, params } = resourceQuerySql(q, user)
  return cachedStatement(o, sql)
    .all(...params)
    .map(toMeta)
}

/** Count and stored bytes of `user`'s resources. */
export function usageOfUser(o: OpenHome, user: string): StoreUsage {
  const n = userOf(o, user)
  if (n === null) return { count: 0, bytes: 0 }
  // length() of a BLOB reads its size from the record header, not the (overflow) pages.
  const r = o.st.usage.get(n) as { n: number; b: number }
  return { count: r.n, bytes: r.b }
}

/** Up to `limit` journal rows after `afterPosition` (line 1 from `meta`). */
export function journalRows(o: OpenHome, afterPosition: number, limit: number): JournalRow[] {
  const out: JournalRow[] = []
  if (limit === 0 || !o.head) return out
  if (afterPosition === 0)
    out.push({ position: 1, line: (o.st.getMeta.get('line1') as { value: string }).value })
  const rows = o.st.journal.all(Math.max(afterPosition, 1), limit - out.length) as {
    position: number
    line_id: Buffer
    user: Buffer
    id: Buffer
  }[]
  for (const r of rows) out.push({ position: r.position, line: lineOfRow(r) })
  return out
}

/** The journal row whose line id is `lineId`, if any. */
export function journalRowByLineId(o: OpenHome, lineId: string): JournalRow | undefined {
  const at = o.ids.positionOfLine(o.st, digestBlob(lineId))
  if (at === undefined) return undefined
  const r = o.st.lineAt.get(at) as { line_id: Buffer; user: Buffer; id: Buffer }
  return { position: at, line: lineOfRow(r) }
}

/** The row number of user `fingerprint`, or null when it has no row (hence no resources). */
function userOf(o: OpenHome, fingerprint: string): number | null {
  return userNumber(o.st.users, o.users, fingerprint, false) ?? null
}
