/**
 * Delivered receipts, gathered per author for a short while and sent as one receipt each
 * (docs/messaging.md §4 "Batching"). Sealing a receipt costs a signature and one ML-KEM
 * encapsulation per reading node; a backlog of N messages from one author costs one receipt
 * instead of N, and a conversation in full flow no longer pays for a receipt per message while
 * the next message is on its way.
 * @module
 */
import { SerialQueue } from '@sdmp/node'
import { LIMITS } from '@sdmp/core'
import type { ReceiptTask } from './indexer.js'

/** How long the first delivered receipt of a batch waits for others, by default. */
export const RECEIPT_LINGER_MS = 250

/** Sends one receipt for `messages` (all by `author`); must not throw. */
export type ReceiptSend = (author: string, messages: readonly string[]) => Promise<void>

/**
 * Pending delivered receipts by author. The first task added starts a timer of `lingerMs`;
 * when it fires (or an author reaches the schema's limit) every pending batch is sent, one
 * after the other. Tasks are already decided in the index (indexer.ts): this queue only
 * delays the publish, so a crash while they wait loses them, as docs/messaging.md §4 says.
 */
export class ReceiptQueue {
  readonly #send: ReceiptSend
  readonly #lingerMs: number
  readonly #pending = new Map<string, string[]>()
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #sending = new SerialQueue()

  constructor(send: ReceiptSend, lingerMs = RECEIPT_LINGER_MS) {
    this.#send = send
    this.#lingerMs = lingerMs
  }

  /** Number of messages waiting for their receipt. */
  get size(): number {
    let n = 0
    for (const list of this.#pending.values()) n += list.length
    return n
  }

  /** Queue delivered receipts; an author whose batch is full is sent at once. */
  add(tasks: readonly ReceiptTask[]): void {
    for (const t of tasks) {
      const list = this.#pending.get(t.author) ?? []
      if (list.length === 0) this.#pending.set(t.author, list)
      list.push(t.message)
      if (list.length >= LIMITS.maxReceiptMessages) this.#sendAuthor(t.author)
    }
    if (this.#pending.size > 0 && this.#timer === undefined)
      this.#timer = setTimeout(() => void this.flush(), this.#lingerMs)
  }

  /** Send everything pending now; resolves once every send queued so far has finished. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    for (const author of [...this.#pending.keys()]) this.#sendAuthor(author)
    return this.#sending.idle()
  }

  #sendAuthor(author: string): void {
    const messages = this.#pending.get(author)
    this.#pending.delete(author)
    if (!messages || messages.length === 0) return
    // The mailbox's send reports its own failures (`mail.receipt-failed`); a failed batch must
    // not stop the next one, so nothing is left to handle here.
    void this.#sending.run(() => this.#send(author, messages)).catch(() => undefined)
  }
}
