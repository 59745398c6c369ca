/**
 * Node-local records in SQLite (docs/store.md "Local records"): rows appended to the `local`
 * table, found by (namespace, key) through `local_keys` or, for the rows after its last merge,
 * through the keys in memory (sqlite-local-keys.ts).
 * @module
 */
import type { LocalRange, LocalRecord } from '@sdmp/store'
import { writeTransaction } from './sqlite-driver.js'
import type { SqliteStatement } from './sqlite-driver.js'
import { BOUND_LIMIT } from './sqlite-statements.js'
import type { OpenHome } from './sqlite-ingest.js'

function prepared(o: OpenHome, sql: string): SqliteStatement {
  let st = o.cache.get(sql)
  if (!st) o.cache.set(sql, (st = o.db.prepare(sql)))
  return st
}

/**
 * Run `fn` in one write transaction, after the deferred records; if it fails, the deferred
 * records stay for the next transaction and the keys it noted in memory are undone. After the
 * commit, the keys in memory are merged into their tables when a run is due.
 */
function inTransaction(o: OpenHome, fn: () => void): void {
  try {
    writeTransaction(o.db, () => {
      writeDeferred(o)
      fn()
    })
  } catch (e) {
    o.local.rollback()
    throw e
  }
  o.local.commit()
  o.deferred.clear()
  mergeKeysIfDue(o)
}

/** Merge the keys held in memory into their tables if a run is due (not fsync'd). */
export function mergeKeysIfDue(o: OpenHome): void {
  const lazy = (fn: () => void) => withoutFsync(o, fn)
  o.ids.mergeIfDue(o.db, o.st, o.head?.position ?? 1, lazy)
  o.local.mergeIfDue(o.db, lazy)
}

const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/**
 * Insert or update one record inside the open transaction. A record rewritten keeps its row,
 * so only the row's own page is written: the records every index commit changes (session
 * state, cursor, counts, chat summaries) were 39% of the sender's disk writes per message when
 * a rewrite moved the row (docs/store.md §3 "Write amplification"). A new record is appended
 * with the next row number and its key noted in memory until the next merge.
 */
function upsert(o: OpenHome, ns: string, key: string, value: Uint8Array): void {
  const st = o.local.st
  const row = o.local.find(ns, key)
  if (row !== undefined) st.updateRow.run(value, row)
  else st.insertRow.run(o.local.newRow(ns, key), ns, key, value)
}

/**
 * Write the deferred records inside the caller's open transaction (store.ts `LocalPutOptions`);
 * the caller clears them once its COMMIT succeeds, so a rolled-back transaction leaves them
 * for the next one.
 */
export function writeDeferred(o: OpenHome): void {
  for (const [ns, records] of o.deferred)
    for (const [key, value] of records) upsert(o, ns, key, value)
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
  const write = () =>
    inTransaction(o, () => {
      for (const r of records) upsert(o, ns, r.key, r.value)
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
  const st = o.local.st
  const row = o.local.rowOf(ns, key)
  const r = (row === undefined ? st.valueOf.get(ns, key) : st.valueAt.get(row)) as
    | { value: Buffer }
    | undefined
  return r && asBytes(r.value)
}

/**
 * Records of `ns` in key order within `range`: the table's and memory's keys in range, each
 * already in order, merged (a key is in one or the other, never both).
 */
export function listLocalRows(o: OpenHome, ns: string, range: LocalRange): LocalRecord[] {
  if (o.deferred.has(ns)) flushDeferred(o)
  const descending = range.descending === true
  const where = ['x.ns = ?']
  const args: unknown[] = [ns]
  if (range.after !== undefined) where.push('x.key > ?') && args.push(range.after)
  if (range.before !== undefined) where.push('x.key < ?') && args.push(range.before)
  const sql = `SELECT x.key, l.value FROM local_keys x JOIN local l ON l.rowid = x.row WHERE ${where.join(' AND ')} ORDER BY x.key ${descending ? 'DESC' : 'ASC'} ${BOUND_LIMIT}`
  const table = prepared(o, sql).all(...args, range.limit) as { key: string; value: Buffer }[]
  const memory = o.local.range(ns, range.after, range.before, range.limit, descending)
  const out: LocalRecord[] = []
  let t = 0
  let m = 0
  while (out.length < range.limit && (t < table.length || m < memory.length)) {
    const fromTable =
      m === memory.length || (t < table.length && table[t]!.key < memory[m]!.key !== descending)
    if (fromTable) {
      const r = table[t++]!
      out.push({ key: r.key, value: asBytes(r.value) })
    } else {
      const r = memory[m++]!
      const v = o.local.st.valueAt.get(r.row) as { value: Buffer }
      out.push({ key: r.key, value: asBytes(v.value) })
    }
  }
  return out
}

/** Delete records of `ns` by key in one transaction. */
export function deleteLocalRows(o: OpenHome, ns: string, keys: readonly string[]): void {
  const st = o.local.st
  inTransaction(o, () => {
    for (const k of keys) {
      const row = o.local.rowOf(ns, k)
      if (row !== undefined) {
        st.deleteRow.run(row)
        o.local.forget(ns, k)
        continue
      }
      const merged = st.keyRow.get(ns, k) as { row: number } | undefined
      if (merged === undefined) continue
      st.deleteRow.run(merged.row)
      st.deleteKey.run(ns, k)
    }
  })
}
