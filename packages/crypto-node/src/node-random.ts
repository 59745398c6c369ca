/**
 * Random bytes for the native provider, drawn from the OS CSPRNG (`crypto.randomFillSync`) in
 * blocks. A sealed message takes a dozen small draws (nonces, the content key, dummy entries,
 * the shuffle, ratchet randomness), and each `randomFillSync` call costs ~5 us here however
 * small, ~100 us of CPU per message in all (issue 14, docs/load.md §5). The pool fills 4 KiB
 * at once and hands out copies; the bytes it handed out are zeroed in the pool at once, and so
 * is an unused tail when it refills, so memory never keeps randomness that was already used
 * (what a key or nonce was made from). Nothing else changes: every byte still comes from the
 * same CSPRNG, and draws larger than a quarter of the pool bypass it.
 * @module
 */
import { randomFillSync } from 'node:crypto'

/** Bytes per refill. */
export const RANDOM_POOL_BYTES = 4096

/** Fills `buf` with CSPRNG output (randomFillSync, or a stand-in in tests). */
export type RandomFill = (buf: Uint8Array) => void

/** A block of CSPRNG output consumed front to back, each byte handed out once. */
export class RandomPool {
  readonly #pool: Uint8Array
  readonly #fill: RandomFill
  /** Bytes before this index were handed out (and zeroed). */
  #used: number

  constructor(size = RANDOM_POOL_BYTES, fill: RandomFill = (buf) => void randomFillSync(buf)) {
    this.#pool = new Uint8Array(size)
    this.#fill = fill
    this.#used = size
  }

  /** `length` fresh random bytes, a new array the caller owns. */
  take(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0)
      throw new RangeError(`randomBytes: expected a length >= 0, got ${length}`)
    const out = new Uint8Array(length)
    if (length > this.#pool.length / 4) {
      this.#fill(out)
      return out
    }
    if (this.#used + length > this.#pool.length) {
      this.#fill(this.#pool)
      this.#used = 0
    }
    const end = this.#used + length
    out.set(this.#pool.subarray(this.#used, end))
    this.#pool.fill(0, this.#used, end)
    this.#used = end
    return out
  }
}
