/**
 * The reconciler's output side: a message under construction with skip coalescing, frame-limit
 * checkpoints (docs/protocol/sync.md §5.3) and the canonical order of id-prefix lists.
 * @module
 */
import { Mode, RangeWriter, compareSlices } from './reconcile-codec.js'
import { MIN_BOUND, compareBounds } from './reconcile-storage.js'
import type { Bound, ReconcileStorage } from './reconcile-storage.js'

/**
 * Bytes kept free below the frame limit for the one deferred-range fingerprint that may close a
 * message: a skip (bound <= 97 bytes) plus a fingerprint range (bound + mode + 16 bytes).
 */
export const RESERVE_BYTES = 256

/** A message being written: ranges in order, gaps filled by single skips (sync.md §4.2). */
export class OutputBuffer {
  readonly w = new RangeWriter()
  readonly #max: number
  #last: Bound = MIN_BOUND
  #needsAnswer = false

  constructor(maxMessageBytes: number) {
    this.#max = maxMessageBytes
  }

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
    if (mode === Mode.FINGERPRINT || mode === Mode.ID_LIST || mode === Mode.ID_DIFF) this.#needsAnswer = true
  }

  /**
   * Run `write`; keep its output only if the message stays within the limit (less the reserve,
   * unless `useReserve`). Returns whether it was kept.
   */
  atomic(write: () => void, useReserve = false): boolean {
    const mark = this.w.mark()
    const last = this.#last
    const needsAnswer = this.#needsAnswer
    write()
    if (this.w.length <= this.#max - (useReserve ? 0 : RESERVE_BYTES)) return true
    this.w.reset(mark)
    this.#last = last
    this.#needsAnswer = needsAnswer
    return false
  }

  finish(): Uint8Array {
    return this.w.finish()
  }
}

/**
 * Indices `lo..hi` ordered by the first `length` bytes of their hashes (ties by index): the
 * order of ID_LIST entries, which ID_DIFF bitmaps refer to (sync.md §4.3).
 */
export function sortedPrefixOrder(s: ReconcileStorage, lo: number, hi: number, length: number): number[] {
  const order: number[] = []
  for (let i = lo; i < hi; i++) order.push(i)
  const buf = new Uint8Array((hi - lo) * length)
  for (let i = lo; i < hi; i++) buf.set(s.hash(i).subarray(0, length), (i - lo) * length)
  order.sort((a, b) => compareSlices(buf, (a - lo) * length, (b - lo) * length, length) || a - b)
  return order
}
