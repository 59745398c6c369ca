/**
 * Node-local records in SQLite (docs/store.md "Local records"): one `local` table keyed by
 * (namespace, key). Statements are prepared once per connection (the home's statement cache).
 * @module
 */
import type { LocalRange, LocalRecord } from '@sdmp/store'
import type { SqliteStatement } from './sqlite-driver.js'
import { BOUND_LIMIT } from './sqlite-statements.js'
import type { OpenHome } from './sqlite-ingest.js'

function prepared(o: OpenHome, sql: string): SqliteStatement {
  let st = o.cache.get(sql)
  if (!st) o.cache.set(sql, (st = o.db.prepare(sql)))
  return st
}

/**
 * Run `fn` in one write transaction, after the deferred records. A failed statement or COMMIT
 * (SQLITE_FULL, I/O error) may already have rolled the transaction back, so a failing ROLLBACK
 * must not hide the first error; the deferred records then stay for the next transaction.
 */
function inTransaction(o: OpenHome, fn: () => void): void {
  o.db.exec('BEGIN IMMEDIATE')
  try {
    writeDeferred(o)
    fn()
    o.db.exec('COMMIT')
    o.deferred.clear()
  } catch (e) {
    try {
      o.db.exec('ROLLBACK')
    } catch {
      // already rolled back by SQLite; report the first error
    }
    throw e
  }
}

const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/**
 * The upsert of one record. A record rewritten keeps its row (rowid), so its `(ns, key)` index
 * entry is not touched and only the row's own page is written; INSERT OR REPLACE deleted the row
 * and appended a new one, dirtying the old page, the tail page and the index leaf on every
 * rewrite of the records each commit changes (session state, cursor, counts, chat summaries):
 * 39% of the sender's disk writes per message (docs/store.md §3 "Write amplification").
 */
const UPSERT =
  'INSERT INTO local (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value'

/**
 * Write the deferred records inside the caller's open transaction (store.ts `LocalPutOptions`);
 * the caller clears them once its COMMIT succeeds, so a rolled-back transaction leaves them
 * for the next one.
 */
export function writeDeferred(o: OpenHome): void {
  if (o.deferred.size === 0) return
  const st = prepared(o, UPSERT)
  for (const [ns, records] of o.deferred) for (const [key, value] of records) st.run(ns, key, value)
}

/** Commit the deferred records now, without an fsync (a timer, close, a list of their namespace). */
export function flushDeferred(o: OpenHome): void {
  if (o.deferred.size > 0) withoutFsync(o, () => inTransaction(o, () => undefined))
}

/**
 * Upsert records of `ns` in one transaction. Arguments are checked by the caller. Not
 * `durable`: the commit skips its WAL fsync (synchronous=NORMAL for this one transaction); WAL
 * frames are written in order, so the next fsync'd commit makes it durable too. `deferred`:
 * held in memory until the next transaction (a copy: the caller may reuse its buffers).
 */
export function putLocalRows(
  o: OpenHome,
  ns: string,
  records: readonly LocalRecord[],
  durable: boolean,
  deferred = false,
): void {
  if (deferred) {
    let held = o.deferred.get(ns)
    if (!held) o.deferred.set(ns, (held = new Map()))
    for (const r of records) held.set(r.key, new Uint8Array(r.value))
    return
  }
  const st = prepared(o, UPSERT)
  const write = () =>
    inTransaction(o, () => {
      for (const r of records) st.run(ns, r.key, r.value)
    })
  if (durable) write()
  else withoutFsync(o, write)
}

/**
 * Run one write without its WAL fsync (synchronous=NORMAL for it alone): atomic and ordered
 * like every commit, durable with the next fsync'd one (docs/store.md §9).
 */
export function withoutFsync<T>(o: OpenHome, fn: () => T): T {
  if (o.synchronous !== 'FULL') return fn()
  // exec, not pragma(): pragma() prepares a statement each call (7.4 us for the pair against
  // 1.3 us; docs/load.md §5 "Twelfth pass"), and this runs for every lazy commit.
  o.db.exec('PRAGMA synchronous = NORMAL')
  try {
    return fn()
  } finally {
    o.db.exec('PRAGMA synchronous = FULL')
    o.afterLazyCommit()
  }
}

/** One record's value, or undefined. */
export function getLocalRow(o: OpenHome, ns: string, key: string): Uint8Array | undefined {
  const held = o.deferred.get(ns)?.get(key)
  if (held) return held.slice()
  const row = prepared(o, 'SELECT value FROM local WHERE ns = ? AND key = ?').get(ns, key) as
    | { value: Buffer }
    | undefined
  return row && asBytes(row.value)
}

/** Records of `ns` in key order within `range`. */
export function listLocalRows(o: OpenHome, ns: string, range: LocalRange): LocalRecord[] {
  if (o.deferred.has(ns)) flushDeferred(o)
  const where = ['ns = ?']
  const args: unknown[] = [ns]
  if (range.after !== undefined) where.push('key > ?') && args.push(range.after)
  if (range.before !== undefined) where.push('key < ?') && args.push(range.before)
  const order = range.descending === true ? 'DESC' : 'ASC'
  const sql = `SELECT key, value FROM local WHERE ${where.join(' AND ')} ORDER BY key ${order} ${BOUND_LIMIT}`
  const rows = prepared(o, sql).all(...args, range.limit) as { key: string; value: Buffer }[]
  return rows.map((r) => ({ key: r.key, value: asBytes(r.value) }))
}

/** Delete records of `ns` by key in one transaction. */
export function deleteLocalRows(o: OpenHome, ns: string, keys: readonly string[]): void {
  const st = prepared(o, 'DELETE FROM local WHERE ns = ? AND key = ?')
  inTransaction(o, () => {
    for (const k of keys) st.run(ns, k)
  })
}
