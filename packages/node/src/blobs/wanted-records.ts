/**
 * The wanted blobs as node-local records (docs/protocol/attachments.md §3, store.md §9): the
 * blobs this node fetches from any peer (attachments of indexed messages not yet held), kept
 * across a restart so the node asks its peers again once connected. One record per hash in
 * namespace {@link WANTED_NS}, with an empty value; removed when the blob is stored.
 * @module
 */
import { ErrorCode, isProtocolError } from '@sdmp/core'
import type { Store } from '@sdmp/store'
import { SerialQueue } from '../serial-queue.js'

/** The namespace of the wanted-blob records (the mailbox has its own, `mail`). */
export const WANTED_NS = 'blobs.wanted'

/** Records per `listLocal` page when loading (the store's largest page). */
const PAGE = 10_000
const EMPTY = new Uint8Array(0)

/** Persists a wanted set; writes are serialized so a put and a later delete never swap. */
export class WantedRecords {
  readonly #store: Store
  readonly #onError: (e: unknown) => void
  /** Hashes with a record (loaded or written by us), so a hash is written once. */
  readonly #held = new Set<string>()
  readonly #writes = new SerialQueue()

  constructor(store: Store, onError: (e: unknown) => void) {
    this.#store = store
    this.#onError = onError
  }

  /** Every recorded hash, in key order, at most `limit`. */
  async load(limit: number): Promise<string[]> {
    const out: string[] = []
    let after: string | undefined
    while (out.length < limit) {
      const page = await this.#store.listLocal(WANTED_NS, {
        ...(after !== undefined && { after }),
        limit: Math.min(PAGE, limit - out.length),
      })
      for (const r of page) {
        this.#held.add(r.key)
        out.push(r.key)
      }
      if (page.length === 0) break
      after = page[page.length - 1]!.key
    }
    return out
  }

  /**
   * Record these hashes (those not recorded yet). Not durable on its own: losing the newest
   * records to a power cut only means the blobs are wanted again when shown (store.md §9).
   */
  add(hashes: readonly string[]): void {
    const fresh = hashes.filter((h) => !this.#held.has(h))
    if (fresh.length === 0) return
    for (const h of fresh) this.#held.add(h)
    const records = fresh.map((key) => ({ key, value: EMPTY }))
    this.#queue(() => this.#store.putLocal(WANTED_NS, records, { durable: false }))
  }

  /** Drop the records of these hashes (stored, or dropped as never found). */
  remove(hashes: readonly string[]): void {
    const known = hashes.filter((h) => this.#held.delete(h))
    if (known.length === 0) return
    this.#queue(() => this.#store.deleteLocal(WANTED_NS, known))
  }

  /** Resolves when every write queued so far finished. */
  flush(): Promise<void> {
    return this.#writes.idle()
  }

  #queue(write: () => Promise<void>): void {
    void this.#writes.run(write).catch((e: unknown) => {
      // A write racing the store's close is lost like any in-memory state at shutdown.
      if (!isProtocolError(e, ErrorCode.CLOSED)) this.#onError(e)
    })
  }
}
