/**
 * The item set a reconciler works on: keys (created, id) in sync order, per-item hashes and
 * range sums (docs/protocol/sync.md §2-3). {@link ReconcileStorage} is the seam; the in-memory
 * {@link MemoryReconcileStorage} answers range sums in O(1) from a prefix-sum table.
 * @module
 */
import { fromBase64urlExact } from '../bytes.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import {
  ITEM_HASH_BYTES,
  addLimbs,
  bytesFromLimbs,
  limbsFromBytes,
  subLimbs,
} from './fingerprint.js'

/** Characters of a resource identifier (base64url of a SHA-512 digest). */
export const ID_CHARS = 86
/** Bytes of a decoded resource identifier. */
export const ID_BYTES = 64

/** A sync key: resources are ordered by `created` (epoch ms), then by `id` as ASCII text. */
export interface SyncKey {
  readonly created: number
  readonly id: string
}

/**
 * A range boundary: every key `k` with `(k.created, k.id) >= (created, prefix)` lies at or above
 * it, where an id compares against a shorter prefix as plain ASCII text (a prefix sorts before
 * its extensions). `created === Infinity` is the bound above every key (docs/protocol/sync.md §2).
 */
export interface Bound {
  readonly created: number
  readonly prefix: string
}

/** The bound below every key. */
export const MIN_BOUND: Bound = Object.freeze({ created: 0, prefix: '' })
/** The bound above every key. */
export const MAX_BOUND: Bound = Object.freeze({ created: Number.POSITIVE_INFINITY, prefix: '' })

/** Sign of key (created, id) compared with `bound`: negative when the key lies below it. */
export function compareKeyToBound(created: number, id: string, bound: Bound): number {
  if (created !== bound.created) return created < bound.created ? -1 : 1
  return id < bound.prefix ? -1 : 1
}

/** Sign of `a` compared with `b` (bounds are equal when both fields are). */
export function compareBounds(a: Bound, b: Bound): number {
  if (a.created !== b.created) return a.created < b.created ? -1 : 1
  return a.prefix === b.prefix ? 0 : a.prefix < b.prefix ? -1 : 1
}

/**
 * The shortest bound `x` with `a < x <= b` for keys `a < b`: only the timestamp when they
 * differ, otherwise the shortest id prefix of `b` that `a` does not share (sync.md §2.2).
 */
export function separatingBound(a: SyncKey, b: SyncKey): Bound {
  if (a.created !== b.created) return { created: b.created, prefix: '' }
  let i = 0
  while (i < b.id.length && a.id.charCodeAt(i) === b.id.charCodeAt(i)) i++
  return { created: b.created, prefix: b.id.slice(0, i + 1) }
}

/**
 * What a {@link Reconciler} needs from the item set: an index-addressed view in sync order.
 * The set must not change while a reconciliation session runs (take a snapshot).
 */
export interface ReconcileStorage {
  /** Number of items. */
  readonly size: number
  /** `created` of the item at `index` (0 <= index < size). */
  created(index: number): number
  /** The 86-character id of the item at `index`. */
  id(index: number): string
  /** The item's 32-byte hash: the first 32 bytes of its decoded id (sync.md §3). */
  hash(index: number): Uint8Array
  /** The item's full 64-byte decoded id. */
  idBytes(index: number): Uint8Array
  /** Sum mod 2^256 (32 bytes, little-endian) of the hashes of items `begin <= i < end`. */
  sum(begin: number, end: number): Uint8Array
  /** The first index `i >= begin` whose key is at or above `bound` (`size` when none). */
  findBound(bound: Bound, begin: number): number
}

/** True when `created` is a valid sync timestamp: an integer in [0, 2^53). */
export function isSyncTimestamp(created: unknown): created is number {
  return typeof created === 'number' && Number.isSafeInteger(created) && created >= 0
}

/**
 * In-memory storage over a sorted array with a prefix-sum table: range sums cost O(1) and
 * bound lookups O(log n), which keeps a 10^6-item session cheap (sync.md §3).
 */
export class MemoryReconcileStorage implements ReconcileStorage {
  readonly size: number
  readonly #created: Float64Array
  readonly #ids: string[]
  readonly #hashes: Uint8Array
  /** prefix[8*i .. 8*i+8) = sum of hashes of items [0, i), as little-endian 32-bit limbs. */
  readonly #prefix: Uint32Array

  private constructor(created: Float64Array, ids: string[], hashes: Uint8Array) {
    this.size = ids.length
    this.#created = created
    this.#ids = ids
    this.#hashes = hashes
    this.#prefix = new Uint32Array(8 * (ids.length + 1))
    const limbs = new Uint32Array(8)
    for (let i = 0; i < ids.length; i++) {
      this.#prefix.copyWithin(8 * (i + 1), 8 * i, 8 * i + 8)
      limbsFromBytes(hashes.subarray(i * ITEM_HASH_BYTES, (i + 1) * ITEM_HASH_BYTES), limbs)
      addLimbs(this.#prefix, 8 * (i + 1), limbs, 0)
    }
  }

  /**
   * Build from keys in any order (sorted here; already-sorted input skips the sort).
   * @throws BAD_REQUEST for a bad timestamp or a duplicate key; INVALID_ENCODING for a bad id
   * @example
   * const storage = MemoryReconcileStorage.fromKeys([{ created: 1_700_000_000_000, id }])
   */
  static fromKeys(keys: readonly SyncKey[]): MemoryReconcileStorage {
    let sorted = true
    for (let i = 1; i < keys.length && sorted; i++) sorted = compareKeys(keys[i - 1]!, keys[i]!) < 0
    const list = sorted ? keys : [...keys].sort(compareKeys)
    const created = new Float64Array(list.length)
    const ids = new Array<string>(list.length)
    const hashes = new Uint8Array(list.length * ITEM_HASH_BYTES)
    for (let i = 0; i < list.length; i++) {
      const k = list[i]!
      if (!isSyncTimestamp(k.created))
        throw new ProtocolError(
          ErrorCode.BAD_REQUEST,
          `sync key ${i}.created: expected integer >= 0`,
        )
      if (typeof k.id !== 'string' || k.id.length !== ID_CHARS)
        throw new ProtocolError(
          ErrorCode.INVALID_ENCODING,
          `sync key ${i}.id: expected ${ID_CHARS} characters`,
        )
      if (i > 0 && compareKeys(list[i - 1]!, k) === 0)
        throw new ProtocolError(ErrorCode.BAD_REQUEST, `sync key ${i}: duplicate key`)
      const bytes = fromBase64urlExact(k.id, ID_BYTES, `sync key ${i}.id`)
      hashes.set(bytes.subarray(0, ITEM_HASH_BYTES), i * ITEM_HASH_BYTES)
      created[i] = k.created
      ids[i] = k.id
    }
    return new MemoryReconcileStorage(created, ids, hashes)
  }

  /**
   * A new storage holding the items for which `keep(index)` is true, without re-decoding ids:
   * the cheap way to take a snapshot minus some items (tests and benchmarks build 10^6 sets).
   */
  filter(keep: (index: number) => boolean): MemoryReconcileStorage {
    const picked: number[] = []
    for (let i = 0; i < this.size; i++) if (keep(i)) picked.push(i)
    const created = new Float64Array(picked.length)
    const ids = new Array<string>(picked.length)
    const hashes = new Uint8Array(picked.length * ITEM_HASH_BYTES)
    picked.forEach((i, j) => {
      created[j] = this.#created[i]!
      ids[j] = this.#ids[i]!
      hashes.set(this.hash(i), j * ITEM_HASH_BYTES)
    })
    return new MemoryReconcileStorage(created, ids, hashes)
  }

  created(index: number): number {
    return this.#created[index]!
  }

  id(index: number): string {
    return this.#ids[index]!
  }

  hash(index: number): Uint8Array {
    return this.#hashes.subarray(index * ITEM_HASH_BYTES, (index + 1) * ITEM_HASH_BYTES)
  }

  idBytes(index: number): Uint8Array {
    return fromBase64urlExact(this.#ids[index]!, ID_BYTES, 'id')
  }

  sum(begin: number, end: number): Uint8Array {
    const acc = this.#prefix.slice(8 * end, 8 * end + 8)
    subLimbs(acc, 0, this.#prefix, 8 * begin)
    return bytesFromLimbs(acc)
  }

  findBound(bound: Bound, begin: number): number {
    let lo = begin
    let hi = this.size
    if (bound.created === Number.POSITIVE_INFINITY) return hi
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareKeyToBound(this.#created[mid]!, this.#ids[mid]!, bound) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Sync order of two keys (created, then id as ASCII text). */
export function compareKeys(a: SyncKey, b: SyncKey): number {
  if (a.created !== b.created) return a.created < b.created ? -1 : 1
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1
}
