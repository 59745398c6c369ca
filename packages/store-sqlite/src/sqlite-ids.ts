/**
 * Finding a row by id or line id since schema version 5 (docs/store.md §3 "Keys appended"):
 * rows up to `meta.ids_through` through the `resource_ids` / `line_ids` tables, rows after it
 * through a map in memory, and the merge that moves those into the tables in key order.
 * @module
 */
import { writeTransaction } from './sqlite-driver.js'
import type { SqliteDatabase } from './sqlite-driver.js'
import type { Statements } from './sqlite-statements.js'
import { keyOf } from './sqlite-statements.js'

/** The `meta` key holding the last position whose keys are in the tables. */
export const IDS_THROUGH = 'ids_through'

/**
 * A digest's index key (its first 6 bytes, as {@link keyOf}) as a number: 48 bits fit a double
 * exactly, and a number keys a Map without building a string per lookup.
 */
export function keyNumber(blob: Uint8Array): number {
  // Arithmetic, not a Buffer view: this runs for every lookup and every row written.
  return (
    (blob[0]! * 0x10000 + blob[1]! * 0x100 + blob[2]!) * 0x1000000 +
    ((blob[3]! << 16) | (blob[4]! << 8) | blob[5]!)
  )
}

/**
 * Positions of rows whose keys are not in a table yet, by {@link keyNumber}. Two digests may
 * share a key (48 bits, and ids are chosen by whoever writes the resource), so a key holds
 * every position it was added with; callers confirm each against the row's full digest.
 */
export class RecentKeys {
  readonly #map = new Map<number, number | number[]>()
  #size = 0

  /** Positions held (each added row once). */
  get size(): number {
    return this.#size
  }

  add(key: number, position: number): void {
    const had = this.#map.get(key)
    if (had === undefined) this.#map.set(key, position)
    else if (typeof had === 'number') this.#map.set(key, [had, position])
    else had.push(position)
    this.#size++
  }

  /** The positions added with `key`, oldest first. */
  positions(key: number): readonly number[] {
    const had = this.#map.get(key)
    return had === undefined ? [] : typeof had === 'number' ? [had] : had
  }

  /** Forget every position after `position` (the rows of a group that rolled back). */
  dropAfter(position: number): void {
    for (const [key, had] of this.#map) {
      const kept = (typeof had === 'number' ? [had] : had).filter((p) => p <= position)
      this.#size -= (typeof had === 'number' ? 1 : had.length) - kept.length
      if (kept.length === 0) this.#map.delete(key)
      else this.#map.set(key, kept.length === 1 ? kept[0]! : kept)
    }
  }

  clear(): void {
    this.#map.clear()
    this.#size = 0
  }
}

/**
 * When held keys are merged into their table, shared by both kinds (ids here, local keys in
 * sqlite-local-keys.ts): once `rows` are held, in one transaction of its own run by `lazy`
 * (without its fsync: the merge carries its mark in `meta`, so a merge lost to a power cut is
 * found in memory again at the next open). A failed merge (a full disk) changes nothing and is
 * tried again an eighth of a run later.
 */
export class MergeRuns {
  readonly #rows: number
  #retryAt = 0

  constructor(rows: number) {
    this.#rows = rows
  }

  /** Run `merge` if `held` rows make a run due; true when it committed. */
  runIfDue(
    held: number,
    db: SqliteDatabase,
    lazy: (fn: () => void) => void,
    merge: () => void,
  ): boolean {
    if (held < this.#rows || held < this.#retryAt) return false
    try {
      lazy(() => writeTransaction(db, merge))
    } catch {
      this.#retryAt = held + Math.max(1, this.#rows >> 3)
      return false
    }
    this.#retryAt = 0
    return true
  }
}

/**
 * The id and line id lookups of one open home: the recent rows (after `ids_through`) in
 * memory, the rest in the key tables. Only the store's single writer changes it, inside the
 * transactions that change the rows.
 */
export class AppendedIds {
  readonly #ids = new RecentKeys()
  readonly #lines = new RecentKeys()
  /** Rows up to here have their keys in the tables; `meta.ids_through` as committed. */
  #through: number
  readonly #runs: MergeRuns

  constructor(through: number, mergeRows: number) {
    this.#through = through
    this.#runs = new MergeRuns(mergeRows)
  }

  /** Read `ids_through` and the keys of every row after it (the rows of the last run). */
  static load(st: Statements, mergeRows: number): AppendedIds {
    const meta = st.getMeta.get(IDS_THROUGH) as { value: string } | undefined
    const appended = new AppendedIds(Number(meta?.value ?? 1), mergeRows)
    const rows = st.recentKeys.all(appended.#through) as {
      position: number
      k: Buffer
      l: Buffer
    }[]
    for (const r of rows) appended.add(r.position, r.k, r.l)
    return appended
  }

  /** Note a row just inserted (in the open transaction). */
  add(position: number, id: Uint8Array, lineId: Uint8Array): void {
    this.#ids.add(keyNumber(id), position)
    this.#lines.add(keyNumber(lineId), position)
  }

  /** Forget rows after `position`: their transaction rolled back. */
  rollback(position: number): void {
    this.#ids.dropAfter(position)
    this.#lines.dropAfter(position)
  }

  /** The position of the row with id `blob`, if any. */
  positionOfId(st: Statements, blob: Buffer): number | undefined {
    for (const p of this.#ids.positions(keyNumber(blob)))
      if (st.idAt.get(p, blob) !== undefined) return p
    return (st.idIndexed.get(keyOf(blob), blob) as { position: number } | undefined)?.position
  }

  /** The position of the row with line id `blob`, if any. */
  positionOfLine(st: Statements, blob: Buffer): number | undefined {
    for (const p of this.#lines.positions(keyNumber(blob)))
      if (st.lineIdAt.get(p, blob) !== undefined) return p
    return (st.lineIndexed.get(keyOf(blob), blob) as { position: number } | undefined)?.position
  }

  /** After a commit: move the held keys into the tables with `ids_through` if a run is due. */
  mergeIfDue(
    db: SqliteDatabase,
    st: Statements,
    head: number,
    lazy: (fn: () => void) => void,
  ): void {
    const merged = this.#runs.runIfDue(this.#ids.size, db, lazy, () => {
      st.mergeIds.run(this.#through)
      st.mergeLines.run(this.#through)
      st.setMeta.run(IDS_THROUGH, String(head))
    })
    if (!merged) return
    this.#through = head
    this.#ids.clear()
    this.#lines.clear()
  }
}
