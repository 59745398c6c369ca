/**
 * Merging concurrent calls into batches (docs/protocol/sync.md §5): calls that arrive while a
 * batch runs wait, and the next run takes as many of them as fit in one batch, so that many small
 * calls cost one commit. Batches run one at a time, in arrival order, so results come back in
 * the order the calls were made.
 * @module
 */

interface Waiting<I, O> {
  readonly items: readonly I[]
  resolve(o: O[]): void
  reject(e: unknown): void
}

/** Runs `run` over merged batches of at most `maxBatch` items (a larger call runs alone). */
export class BatchQueue<I, O> {
  readonly #run: (items: readonly I[]) => Promise<O[]>
  readonly #maxBatch: number
  readonly #waiting: Waiting<I, O>[] = []
  #running = false

  /** `run` must return one result per item, in order. */
  constructor(run: (items: readonly I[]) => Promise<O[]>, maxBatch: number) {
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1)
      throw new RangeError('batch queue: maxBatch must be a positive integer')
    this.#run = run
    this.#maxBatch = maxBatch
  }

  /**
   * Queue `items`; resolves with their results once the batch holding them ran.
   * @throws (rejects) what `run` threw for that batch
   */
  push(items: readonly I[]): Promise<O[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ items, resolve, reject })
      if (!this.#running) void this.#drain()
    })
  }

  async #drain(): Promise<void> {
    this.#running = true
    try {
      for (let group = this.#take(); group.length > 0; group = this.#take()) {
        try {
          const results = await this.#run(group.flatMap((g) => g.items))
          let o = 0
          for (const g of group) {
            g.resolve(results.slice(o, o + g.items.length))
            o += g.items.length
          }
        } catch (e) {
          for (const g of group) g.reject(e)
        }
      }
    } finally {
      this.#running = false
    }
  }

  /** The waiting calls that fit in one batch (at least one). */
  #take(): Waiting<I, O>[] {
    const group: Waiting<I, O>[] = []
    let n = 0
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0]!
      if (group.length > 0 && n + next.items.length > this.#maxBatch) break
      n += next.items.length
      group.push(this.#waiting.shift()!)
    }
    return group
  }
}
