/**
 * Group commit: concurrent calls of one process are folded into one run (DESIGN.md "batch
 * commits instead of one fsync per message"): the PostgreSQL store's `putResources`
 * transactions, and the node's Ingestor (one durable commit for every ingest that queued while
 * the previous batch committed). While a run goes on, new calls queue; the next run takes every
 * queued call that fits and hands each caller its own slice of the results. A failed run rejects
 * every call in it: none was committed, so none may be acknowledged.
 * @module
 */

interface Entry<I, R> {
  readonly items: readonly I[]
  resolve(results: R[]): void
  reject(error: unknown): void
}

/** A serial runner that batches queued submissions, in arrival order. */
export class GroupCommit<I, R> {
  readonly #run: (items: readonly I[]) => Promise<R[]>
  readonly #maxItems: number
  readonly #queue: Entry<I, R>[] = []
  #busy: Promise<void> | undefined

  /**
   * @param run writes `items` in one transaction and returns one result per item, in order
   * @param maxItems most items per transaction (a single larger call still goes alone)
   */
  constructor(run: (items: readonly I[]) => Promise<R[]>, maxItems: number) {
    if (!Number.isSafeInteger(maxItems) || maxItems < 1)
      throw new RangeError('group commit: maxItems must be a positive integer')
    this.#run = run
    this.#maxItems = maxItems
  }

  /** Queue `items`; resolves with their results once the transaction holding them commits. */
  submit(items: readonly I[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.#queue.push({ items, resolve, reject })
      this.#kick()
    })
  }

  /** Resolves when nothing is queued or running. */
  async drain(): Promise<void> {
    while (this.#busy) await this.#busy
  }

  #kick(): void {
    if (this.#busy || this.#queue.length === 0) return
    this.#busy = this.#flush().finally(() => {
      this.#busy = undefined
      this.#kick()
    })
  }

  async #flush(): Promise<void> {
    const group: Entry<I, R>[] = []
    let total = 0
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!
      if (group.length > 0 && total + next.items.length > this.#maxItems) break
      group.push(this.#queue.shift()!)
      total += next.items.length
    }
    try {
      const all = group.length === 1 ? null : group.flatMap((g) => g.items)
      const results = await this.#run(all ?? group[0]!.items)
      let at = 0
      for (const g of group) {
        g.resolve(results.slice(at, at + g.items.length))
        at += g.items.length
      }
    } catch (e) {
      for (const g of group) g.reject(e)
    }
  }
}
