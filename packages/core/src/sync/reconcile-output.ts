/**
 * The reconciler's output side: a message under construction with skip coalescing, frame-limit
 * checkpoints, the queue of owed ranges (docs/protocol/sync.md §5.3), canonical list orders, and
 * the writers of this side's own ranges (fingerprints, id lists, splits; sync.md §5.1).
 * @module
 */
import { Mode, RangeWriter, compareSlices } from './reconcile-codec.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { FINGERPRINT_BYTES, rangeFingerprint } from './fingerprint.js'
import type { Sha256Source } from './fingerprint.js'
import { ID_BYTES, MIN_BOUND, compareBounds, separatingBound } from './reconcile-storage.js'
import type { Bound, ReconcileStorage } from './reconcile-storage.js'

/**
 * Bytes kept free below the frame limit for the DEFER range that may close a message: a skip
 * and a defer range, each a bound of at most 97 bytes plus a mode byte.
 */
export const RESERVE_BYTES = 256

/** A message being written: ranges in order, gaps filled by single skips (sync.md §4.2). */
export class OutputBuffer {
  readonly w = new RangeWriter()
  #last: Bound = MIN_BOUND
  #needsAnswer = false

  /** True when a written range obliges the peer to answer (sync.md §4.4). */
  get needsAnswer(): boolean {
    return this.#needsAnswer
  }

  /** Start a range [lower, upper) of `mode`; the caller writes its payload next. */
  range(lower: Bound, upper: Bound, mode: Mode): void {
    // Ranges we do not write are skipped; one SKIP covers any gap, and a trailing gap is implied.
    if (compareBounds(lower, this.#last) > 0) {
      this.w.bound(lower)
      this.w.varint(Mode.SKIP)
    }
    this.w.bound(upper)
    this.w.varint(mode)
    this.#last = upper
    if (mode !== Mode.SKIP && mode !== Mode.IDS) this.#needsAnswer = true
  }

  /** Run `write`; keep its output only if the message stays within `limit` bytes. */
  atomic(write: () => void, limit: number): boolean {
    const mark = this.w.mark()
    const last = this.#last
    const needsAnswer = this.#needsAnswer
    write()
    if (this.w.length <= limit) return true
    this.w.reset(mark)
    this.#last = last
    this.#needsAnswer = needsAnswer
    return false
  }

  /** Drop everything written so far (back to the bare version byte). */
  clear(): void {
    this.w.reset({ len: 1, lastCreated: 0 })
    this.#last = MIN_BOUND
    this.#needsAnswer = false
  }

  finish(): Uint8Array {
    return this.w.finish()
  }
}

/**
 * Indices `lo..hi` ordered by the first `length` bytes of their hashes (ties by index): the
 * order of ID_LIST entries, which ID_DIFF bitmaps refer to (sync.md §4.3).
 */
export function sortedPrefixOrder(
  s: ReconcileStorage,
  lo: number,
  hi: number,
  length: number,
): number[] {
  const order: number[] = []
  for (let i = lo; i < hi; i++) order.push(i)
  const buf = new Uint8Array((hi - lo) * length)
  for (let i = lo; i < hi; i++) buf.set(s.hash(i).subarray(0, length), (i - lo) * length)
  order.sort((a, b) => compareSlices(buf, (a - lo) * length, (b - lo) * length, length) || a - b)
  return order
}

/** How to answer one range; `handoff` (mismatched fingerprints only) hands it back instead. */
export interface Plan {
  readonly act: (out: OutputBuffer) => void
  readonly handoff?: (out: OutputBuffer) => void
}

/** A range we owe an answer for, with the answer ready to write. */
export interface Work extends Plan {
  readonly lower: Bound
  readonly upper: Bound
}

/** Most ranges a session may owe at once; bounds memory against a peer that floods us. */
export const MAX_PENDING = 1 << 20

/** Merge two key-ordered work lists; the ranges of an honest peer never overlap ours. */
export function mergeWork(a: readonly Work[], b: readonly Work[]): Work[] {
  const out: Work[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const takeA = j >= b.length || (i < a.length && compareBounds(a[i]!.lower, b[j]!.lower) < 0)
    const next = takeA ? a[i++]! : b[j++]!
    const prev = out[out.length - 1]
    if (prev !== undefined && compareBounds(prev.upper, next.lower) > 0)
      throw new ProtocolError(
        ErrorCode.BAD_REQUEST,
        'sync: range overlaps a range still being answered',
      )
    out.push(next)
  }
  return out
}

export function equalFingerprint(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < FINGERPRINT_BYTES; i++) if (a[i] !== b[i]) return false
  return true
}

/** A map key for the first `len` bytes at `off` (one UTF-16 unit per byte). */
export function keyOf(bytes: Uint8Array, off: number, len: number): string {
  let k = ''
  for (let i = 0; i < len; i++) k += String.fromCharCode(bytes[off + i]!)
  return k
}

/** 64-byte ids concatenated in ascending byte order, the canonical order on the wire. */
export function sortedIds(ids: Uint8Array[]): Uint8Array {
  ids.sort((x, y) => {
    for (let i = 0; i < ID_BYTES; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
    return 0
  })
  const out = new Uint8Array(ids.length * ID_BYTES)
  ids.forEach((id, j) => out.set(id, j * ID_BYTES))
  return out
}

/**
 * The writers of this side's own ranges over a storage snapshot: a fingerprint, the list of id
 * prefixes, or a split into fingerprinted buckets (sync.md §5.1). Items are given as index
 * ranges [lo, hi) of the snapshot, with the range's bounds.
 */
export class OwnRanges {
  readonly #s: ReconcileStorage
  readonly #hash: Sha256Source

  constructor(storage: ReconcileStorage, hash: Sha256Source) {
    this.#s = storage
    this.#hash = hash
  }

  /** The fingerprint of items [lo, hi) (sync.md §3). */
  fingerprint(lo: number, hi: number): Uint8Array {
    return rangeFingerprint(this.#hash, this.#s.sum(lo, hi), hi - lo)
  }

  /** A FINGERPRINT range over items [lo, hi). */
  writeFingerprint(out: OutputBuffer, lower: Bound, upper: Bound, lo: number, hi: number): void {
    out.range(lower, upper, Mode.FINGERPRINT)
    out.w.bytes(this.fingerprint(lo, hi))
  }

  /** An ID_LIST range: the `L`-byte id prefixes of items [lo, hi), in canonical order. */
  writeIdList(out: OutputBuffer, lower: Bound, upper: Bound, lo: number, hi: number, L: number) {
    out.range(lower, upper, Mode.ID_LIST)
    out.w.byte(L)
    out.w.varint(hi - lo)
    for (const i of sortedPrefixOrder(this.#s, lo, hi, L))
      out.w.bytes(this.#s.hash(i).subarray(0, L))
  }

  /** Equal-count buckets of items; inner bounds are the shortest separators (sync.md §2.2). */
  writeSplit(
    out: OutputBuffer,
    lower: Bound,
    upper: Bound,
    lo: number,
    hi: number,
    buckets: number,
  ) {
    const s = this.#s
    const n = hi - lo
    const k = Math.min(buckets, n)
    let from = lower
    for (let j = 0; j < k; j++) {
      const a = lo + Math.floor((j * n) / k)
      const b = lo + Math.floor(((j + 1) * n) / k)
      const to =
        j === k - 1
          ? upper
          : separatingBound(
              { created: s.created(b - 1), id: s.id(b - 1) },
              { created: s.created(b), id: s.id(b) },
            )
      this.writeFingerprint(out, from, to, a, b)
      from = to
    }
  }
}
