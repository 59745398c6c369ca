/**
 * Finding a local record by key since schema version 5 (docs/store.md §9 "Keys appended"):
 * rows up to `meta.local_through` through the `local_keys` table, rows after it through
 * ordered keys in memory, and the merge that moves those into the table in key order.
 * @module
 */
import { MergeRuns } from './sqlite-ids.js'
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js'
import type { Statements } from './sqlite-statements.js'

/** The `meta` key holding the last `local` row whose key is in `local_keys`. */
export const LOCAL_THROUGH = 'local_through'

/** First index of `sorted` whose key is >= `key` (> with `after`). */
function bound(sorted: readonly string[], key: string, after: boolean): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < key || (after && sorted[mid] === key)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The group of a key: up to and including its first ':', or the whole key. Groups in order
 * hold keys in order (a group name is a prefix of its keys, and two groups' keys differ where
 * their names do), so a namespace's keys are kept as one sorted array per group: the mailbox's
 * time-ordered lists (`a:`, `o:`, `r:`...) append at the end of theirs, and only a random key
 * (`m:<inner id>`) moves part of its own group's array.
 */
function groupOf(key: string): string {
  const i = key.indexOf(':')
  return i < 0 ? key : key.slice(0, i + 1)
}

/** The keys of one namespace held in memory, in key order, with their rows. */
export class SortedKeys {
  readonly #rows = new Map<string, number>()
  readonly #groups = new Map<string, string[]>()
  /** Group names, sorted. */
  readonly #names: string[] = []

  get size(): number {
    return this.#rows.size
  }

  row(key: string): number | undefined {
    return this.#rows.get(key)
  }

  /** Add `key` (not held) at `row`. */
  add(key: string, row: number): void {
    this.#rows.set(key, row)
    const name = groupOf(key)
    let group = this.#groups.get(name)
    if (!group) {
      this.#groups.set(name, (group = []))
      this.#names.splice(bound(this.#names, name, false), 0, name)
    }
    if (group.length === 0 || group[group.length - 1]! < key) group.push(key)
    else group.splice(bound(group, key, false), 0, key)
  }

  /** Remove `key` (held). */
  remove(key: string): void {
    this.#rows.delete(key)
    const name = groupOf(key)
    const group = this.#groups.get(name)!
    group.splice(bound(group, key, false), 1)
    if (group.length === 0) {
      this.#groups.delete(name)
      this.#names.splice(bound(this.#names, name, false), 1)
    }
  }

  /** Up to `limit` keys with `after < key < before` (either optional), in key order or reversed. */
  range(
    after: string | undefined,
    before: string | undefined,
    limit: number,
    descending: boolean,
  ): string[] {
    const out: string[] = []
    const names = this.#names
    if (!descending) {
      // The group `after` falls in is the last one named <= after; earlier ones hold only less.
      let g = after === undefined ? 0 : Math.max(0, bound(names, after, true) - 1)
      for (; g < names.length && out.length < limit; g++) {
        const group = this.#groups.get(names[g]!)!
        let i = after === undefined ? 0 : bound(group, after, true)
        for (; i < group.length && out.length < limit; i++) {
          if (before !== undefined && group[i]! >= before) return out
          out.push(group[i]!)
        }
      }
    } else {
      // Groups named >= before hold only keys >= before.
      let g = (before === undefined ? names.length : bound(names, before, false)) - 1
      for (; g >= 0 && out.length < limit; g--) {
        const group = this.#groups.get(names[g]!)!
        let i = (before === undefined ? group.length : bound(group, before, false)) - 1
        for (; i >= 0 && out.length < limit; i--) {
          if (after !== undefined && group[i]! <= after) return out
          out.push(group[i]!)
        }
      }
    }
    return out
  }
}

/** The statements of {@link LocalKeys} and the record functions (sqlite-local.ts). */
export const LOCAL_SQL = {
  keyRow: 'SELECT row FROM local_keys WHERE ns = ? AND key = ?',
  valueOf:
    'SELECT l.value FROM local_keys x JOIN local l ON l.rowid = x.row WHERE x.ns = ? AND x.key = ?',
  valueAt: 'SELECT value FROM local WHERE rowid = ?',
  insertRow: 'INSERT INTO local (rowid, ns, key, value) VALUES (?, ?, ?, ?)',
  updateRow: 'UPDATE local SET value = ? WHERE rowid = ?',
  deleteRow: 'DELETE FROM local WHERE rowid = ?',
  deleteKey: 'DELETE FROM local_keys WHERE ns = ? AND key = ?',
  recent: 'SELECT rowid AS row, ns, key FROM local WHERE rowid > ? ORDER BY rowid',
  lastRow: 'SELECT coalesce(max(rowid), 0) AS n FROM local',
  merge:
    'INSERT INTO local_keys (ns, key, row) SELECT ns, key, rowid FROM local WHERE rowid > ? ORDER BY ns, key',
} as const

/** {@link LOCAL_SQL}, prepared. */
export type LocalStatements = { readonly [K in keyof typeof LOCAL_SQL]: SqliteStatement }

/** Prepare {@link LOCAL_SQL} on `db`. */
export function prepareLocal(db: SqliteDatabase): LocalStatements {
  return Object.fromEntries(
    Object.entries(LOCAL_SQL).map(([k, sql]) => [k, db.prepare(sql)]),
  ) as LocalStatements
}

/**
 * The keys of the `local` rows after `local_through`, in memory, for one open home. Rows are
 * numbered by this object (never reused: a key in the table may name any row up to
 * `local_through`), and every change it makes inside a transaction is undone if that
 * transaction rolls back.
 */
export class LocalKeys {
  readonly st: LocalStatements
  /** Writes `meta` (the shared `setMeta` statement, sqlite-statements.ts). */
  readonly #setMeta: SqliteStatement
  readonly #byNs = new Map<string, SortedKeys>()
  #size = 0
  #through: number
  #nextRow: number
  readonly #runs: MergeRuns
  /** How to undo the open transaction's changes, oldest first. */
  #undo: (() => void)[] = []

  private constructor(
    st: LocalStatements,
    setMeta: SqliteStatement,
    through: number,
    nextRow: number,
    mergeRows: number,
  ) {
    this.st = st
    this.#setMeta = setMeta
    this.#through = through
    this.#nextRow = nextRow
    this.#runs = new MergeRuns(mergeRows)
  }

  /** Read `local_through` and the keys of every row after it (those of the last run). */
  static load(db: SqliteDatabase, meta: Statements, mergeRows: number): LocalKeys {
    const st = prepareLocal(db)
    const mark = meta.getMeta.get(LOCAL_THROUGH) as { value: string } | undefined
    const through = Number(mark?.value ?? 0)
    const last = (st.lastRow.get() as { n: number }).n
    const keys = new LocalKeys(st, meta.setMeta, through, Math.max(last, through) + 1, mergeRows)
    for (const r of st.recent.all(through) as { row: number; ns: string; key: string }[])
      keys.#add(r.ns, r.key, r.row)
    return keys
  }

  /** Rows held in memory. */
  get size(): number {
    return this.#size
  }

  /** The row of `ns`/`key` if it is held in memory (a row after `local_through`). */
  rowOf(ns: string, key: string): number | undefined {
    return this.#byNs.get(ns)?.row(key)
  }

  /** The row of `ns`/`key` wherever its key is, or undefined when there is no such record. */
  find(ns: string, key: string): number | undefined {
    return this.rowOf(ns, key) ?? (this.st.keyRow.get(ns, key) as { row: number } | undefined)?.row
  }

  /** A new row for `ns`/`key` (no such record), inside the open transaction. */
  newRow(ns: string, key: string): number {
    const row = this.#nextRow++
    this.#add(ns, key, row)
    this.#undo.push(() => this.#remove(ns, key))
    return row
  }

  /** Forget `ns`/`key`, held in memory, whose row the open transaction deletes. */
  forget(ns: string, key: string): void {
    const row = this.rowOf(ns, key)!
    this.#remove(ns, key)
    this.#undo.push(() => this.#add(ns, key, row))
  }

  /** Up to `limit` keys of `ns` held in memory within the range, with their rows, in order. */
  range(
    ns: string,
    after: string | undefined,
    before: string | undefined,
    limit: number,
    descending: boolean,
  ): { key: string; row: number }[] {
    const keys = this.#byNs.get(ns)
    if (!keys) return []
    return keys.range(after, before, limit, descending).map((key) => ({ key, row: keys.row(key)! }))
  }

  /** The open transaction committed: keep its changes. */
  commit(): void {
    this.#undo = []
  }

  /** The open transaction rolled back: undo its changes, newest first. */
  rollback(): void {
    for (let i = this.#undo.length - 1; i >= 0; i--) this.#undo[i]!()
    this.#undo = []
  }

  /** After a commit: move the held keys into `local_keys` with `local_through` if a run is due. */
  mergeIfDue(db: SqliteDatabase, lazy: (fn: () => void) => void): void {
    const through = this.#nextRow - 1
    const merged = this.#runs.runIfDue(this.#size, db, lazy, () => {
      this.st.merge.run(this.#through)
      this.#setMeta.run(LOCAL_THROUGH, String(through))
    })
    if (!merged) return
    this.#through = through
    this.#byNs.clear()
    this.#size = 0
  }

  #add(ns: string, key: string, row: number): void {
    let keys = this.#byNs.get(ns)
    if (!keys) this.#byNs.set(ns, (keys = new SortedKeys()))
    keys.add(key, row)
    this.#size++
  }

  #remove(ns: string, key: string): void {
    const keys = this.#byNs.get(ns)!
    keys.remove(key)
    if (keys.size === 0) this.#byNs.delete(ns)
    this.#size--
  }
}
