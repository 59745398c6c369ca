/**
 * Delivered receipts, gathered per author until the mailbox is quiet and sent as one receipt
 * each (docs/messaging.md §4 "Batching"). Sealing a receipt costs a signature and one ML-KEM
 * encapsulation per reading node, and indexing it costs the author a commit and a decapsulation;
 * a backlog of N messages from one author costs one receipt instead of N, and a conversation in
 * full flow no longer meets that work on the path of its next message (docs/load.md §5 "The tail
 * is receipts").
 * @module
 */
import { SerialQueue } from '@sdmp/node'
import { LIMITS } from '@sdmp/core'
import type { ReceiptTask } from './indexer.js'

/**
 * When pending delivered receipts go out (docs/messaging.md §4 "Batching"): once the mailbox
 * indexed nothing for `quietMs`; while batches keep coming, with the first batch indexed `maxMs`
 * or more after the first receipt was queued. Each indexed batch pushes the quiet moment back,
 * so a continuous flow meets a receipt every `maxMs` instead of every few hundred ms. Sending
 * with a batch rather than from a timer picks the moment its message was just shown, when the
 * next one of a one-at-a-time flow is furthest away (docs/load.md §5, option 6: fewer of the
 * slowest messages met a receipt than when a timer sent it). `{ quietMs: 0, maxMs: 0 }` sends
 * each indexed batch's receipts at once (a one-shot command).
 */
export interface ReceiptLinger {
  /** Time without an indexed batch that sends what is pending, in ms. */
  readonly quietMs: number
  /** Age of the oldest pending receipt from which the next indexed batch sends, in ms. */
  readonly maxMs: number
}

/**
 * Default {@link ReceiptLinger} of a daemon. 100 ms of quiet: longer than the gap between
 * messages of a one-at-a-time flow on a loaded 2-core box (p50 latency 10-50 ms, docs/load.md
 * §5), shorter than the 250 ms fixed linger it replaces, so a receipt after a human's message
 * comes sooner than before. 2 s at most: a delivered tick that late is still prompt, and in a
 * flow of ~80 messages/s one message in ~160 (not one in ~20) meets a receipt.
 */
export const RECEIPT_LINGER: ReceiptLinger = { quietMs: 100, maxMs: 2_000 }

/** The clock and timer the queue uses; a test passes a manual one. */
export interface ReceiptTimers {
  /** Monotonic time in ms. */
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const REAL_TIMERS: ReceiptTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** Sends one receipt for `messages` (all by `author`); must not throw. */
export type ReceiptSend = (author: string, messages: readonly string[]) => Promise<void>

/**
 * Pending delivered receipts by author. The mailbox calls {@link add} after every indexed batch
 * (with the batch's tasks, often none): each call is activity that pushes the quiet moment back,
 * and the first call `maxMs` after the oldest pending receipt sends. Then every pending batch is
 * sent, one after the other. An author whose batch reaches the schema's limit, or whose message
 * started a session (a receipt that answers it, {@link ReceiptTask.answers}), is sent at once.
 * Tasks are already decided in the index (indexer.ts): this queue only delays the publish, so a
 * crash while they wait loses them, as docs/messaging.md §4 says.
 */
export class ReceiptQueue {
  readonly #send: ReceiptSend
  readonly #linger: ReceiptLinger
  readonly #timers: ReceiptTimers
  readonly #pending = new Map<string, string[]>()
  /** When the oldest pending receipt was queued (undefined: none pending). */
  #firstAt: number | undefined
  /** When the last batch was indexed. */
  #lastAt = 0
  #timer: unknown
  readonly #sending = new SerialQueue()

  constructor(
    send: ReceiptSend,
    linger: ReceiptLinger = RECEIPT_LINGER,
    timers: ReceiptTimers = REAL_TIMERS,
  ) {
    this.#send = send
    this.#linger = linger
    this.#timers = timers
  }

  /** Number of messages waiting for their receipt. */
  get size(): number {
    let n = 0
    for (const list of this.#pending.values()) n += list.length
    return n
  }

  /**
   * A batch was indexed, deciding `tasks` (possibly none): queue them and push the quiet moment
   * back; send everything when the oldest pending receipt waited `maxMs`. An author whose batch
   * is full, or who waits for an answer ({@link ReceiptTask.answers}), is sent at once.
   */
  add(tasks: readonly ReceiptTask[]): void {
    const now = this.#timers.now()
    this.#lastAt = now
    const due = this.#firstAt !== undefined && now - this.#firstAt >= this.#linger.maxMs
    const answering = new Set<string>()
    for (const t of tasks) {
      if (this.#pending.size === 0) this.#firstAt = now
      const list = this.#pending.get(t.author) ?? []
      if (list.length === 0) this.#pending.set(t.author, list)
      list.push(t.message)
      if (list.length >= LIMITS.maxReceiptMessages) this.#sendAuthor(t.author)
      // The answer that confirms a session its author started: until it arrives each of their
      // messages is a prekey message (sessions.md §6), an ML-KEM encapsulation and a 1,168-byte
      // wrap more (docs/load.md §5 option 6). After the loop: one receipt for the batch.
      if (t.answers) answering.add(t.author)
    }
    for (const author of answering) this.#sendAuthor(author)
    if (due) void this.flush()
    else if (this.#pending.size === 0) this.#firstAt = undefined
    // One timer at a time: when it fires it looks at the quiet moment again (batches since it
    // was set moved it later), so a flow of batches costs no timer per batch and no polling.
    else if (this.#timer === undefined) this.#arm()
  }

  /** Send everything pending now; resolves once every send queued so far has finished. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#firstAt = undefined
    for (const author of [...this.#pending.keys()]) this.#sendAuthor(author)
    return this.#sending.idle()
  }

  /**
   * Set the timer for the quiet moment; at the earliest after this task, so a zero linger still
   * gathers one batch's receipts into one per author.
   */
  #arm(): void {
    const wait = Math.max(0, this.#lastAt + this.#linger.quietMs - this.#timers.now())
    this.#timer = this.#timers.setTimeout(() => this.#quiet(), wait)
  }

  #quiet(): void {
    this.#timer = undefined
    if (this.#firstAt === undefined) return
    if (this.#lastAt + this.#linger.quietMs > this.#timers.now()) this.#arm()
    else void this.flush()
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
