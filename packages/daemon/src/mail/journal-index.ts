/**
 * Following the journal (docs/messaging.md "Indexing", docs/architecture.md "One path for a
 * message"): one queue indexes journal lines strictly in order, first catching up from the
 * stored cursor by reading the journal back, then live from the lines the ingestor hands on
 * (with their verified resources, so nothing is read back or verified again). Each batch commits
 * its index records together with the cursor; its events go to the event log once.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { SdmpEvent } from '@sdmp/client'
import type { AppendedLine } from '@sdmp/node'
import { SerialQueue } from '@sdmp/node'
import type { Account } from '../account/account.js'
import { EventLog } from './event-log.js'
import { readEvents } from './events.js'
import type { BatchOutcome, MailIndexer } from './indexer.js'
import { lineOfAppended, linesOfRows } from './journal-lines.js'
import type { IndexLine } from './journal-lines.js'
import { CURSOR_KEY } from './records.js'
import type { MailRecords } from './records.js'

/** Journal lines indexed per commit. */
const BATCH_LINES = 256
/**
 * Most live lines held while the index is behind (~13 KB each for a sealed message). Beyond
 * that they are dropped and read back from the journal instead.
 */
const MAX_LIVE_LINES = 512

/**
 * How an index commit waits for more lines while lines keep coming (docs/store.md §3 "Write
 * amplification"): every commit rewrites the pages it touches (the list, chat, count and cursor
 * records), so one commit per line or two costs several pages per message. Only under load: when
 * lines came while the last batch was indexed, the queue waits up to `ms` for `lines` live lines
 * before it indexes what it has. A line that finds the queue idle (nothing came during the last
 * commit) is indexed at once, and so is any line while a local caller waits for the index (a
 * send answers only once its line is indexed): a wait there is latency, not a saved page. Only
 * the index waits, never the journal: the lines are durable already, and the index is derived
 * from them (store.md §9).
 */
export interface IndexLinger {
  /** Longest wait after a commit, in ms (0: none). */
  readonly ms: number
  /** Live lines that end the wait at once. */
  readonly lines: number
}

/** Default {@link IndexLinger}: 30 ms (8 ms was measured to fold too few lines under load; store.md §3). */
export const INDEX_LINGER: IndexLinger = { ms: 30, lines: 64 }

/** A caller of waitProcessed. */
interface Waiter {
  readonly position: number
  resolve(): void
  reject(e: unknown): void
}

/** What the mailbox does after each committed batch. */
export type BatchHandler = (outcome: BatchOutcome, position: number) => void

/** The index queue of one account's mailbox. */
export class JournalIndex {
  readonly #account: Account
  readonly #records: MailRecords
  readonly #indexer: MailIndexer
  readonly #onBatch: BatchHandler
  readonly #onError: (e: unknown) => void
  readonly #listeners = new Set<(position: number) => void>()
  readonly #waiters = new Set<Waiter>()
  /** Lines appended since the index last caught up, in order (bounded). */
  #live: AppendedLine[] = []
  /** The newest journal position known to exist (the head at start, then appended lines). */
  #known = 0
  #log = new EventLog(0)
  #processed = 0
  #unsubscribe: (() => void) | undefined
  #started = false
  #stopping = false
  #running: Promise<void> | undefined
  #again = false
  /** Serializes index commits and the mailbox's local writes (markRead) on the one record set. */
  readonly #chain = new SerialQueue()
  readonly #linger: IndexLinger
  /** Ends the current linger (enough lines came, or stopping). */
  #wake: (() => void) | undefined

  constructor(
    account: Account,
    records: MailRecords,
    indexer: MailIndexer,
    handlers: { onBatch: BatchHandler; onError: (e: unknown) => void },
    linger: IndexLinger = INDEX_LINGER,
  ) {
    this.#linger = linger
    this.#account = account
    this.#records = records
    this.#indexer = indexer
    this.#onBatch = handlers.onBatch
    this.#onError = handlers.onError
  }

  /** Whether the queue runs (started and not stopping). */
  get running(): boolean {
    return this.#started && !this.#stopping
  }

  /** Journal position up to which every line is processed and its index durable. */
  get processed(): number {
    return this.#processed
  }

  /**
   * Load the cursor, follow new journal lines, and index everything after the cursor.
   * Resolves once the lines present at start are indexed.
   * @throws DECRYPT_FAILED (a tampered cursor), the store's codes
   */
  async start(): Promise<void> {
    if (this.#started) return
    this.#processed = (await this.#records.get<number>(CURSOR_KEY)) ?? 0
    this.#log = new EventLog(this.#processed)
    this.#live = []
    this.#known = this.#processed
    this.#started = true
    this.#stopping = false
    this.#unsubscribe = this.#account.ingestor.onAppended((lines) => this.#onAppended(lines))
    const head = (await this.#account.store.journalHead())?.position ?? 0
    this.#known = Math.max(this.#known, head)
    this.#kick()
    await this.waitProcessed(head)
  }

  /** Stop following and wait for the queue and queued local writes. Idempotent. */
  async stop(): Promise<void> {
    this.#stopping = true
    this.#wake?.()
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    await this.#running
    await this.#chain.idle()
    this.#live = []
  }

  /** After {@link stop} and what the mailbox flushes: callers still waiting get CLOSED. */
  stopped(): void {
    this.#started = false
    this.#failWaiters(new ProtocolError(ErrorCode.CLOSED, 'mailbox: stopped'))
  }

  /**
   * Resolves once {@link processed} reaches `position`; a caller waiting ends a linger
   * ({@link IndexLinger}). @throws CLOSED when stopped first
   */
  waitProcessed(position: number): Promise<void> {
    if (this.#processed >= position) return Promise.resolve()
    if (!this.running)
      return Promise.reject(new ProtocolError(ErrorCode.CLOSED, 'mailbox: not running'))
    return new Promise((resolve, reject) => {
      this.#waiters.add({ position, resolve, reject })
      this.#wake?.()
    })
  }

  /** Be told the new cursor after each durable index commit. Returns the unsubscribe. */
  onProcessed(listener: (position: number) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Run `fn` with no index commit or other local write in between. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#chain.run(fn)
  }

  /**
   * Events of journal positions in (after, processed], in order, at most `limit`: from the
   * event log, and derived again from the store only for positions before what it holds. A page
   * shorter than `limit` covers everything up to `processed` as it was at the call.
   */
  async eventsAfter(after: number, limit: number): Promise<SdmpEvent[]> {
    if (!Number.isSafeInteger(after) || after < 0)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'after: expected a journal position')
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'limit: expected a positive integer')
    const upTo = this.#processed
    const out: SdmpEvent[] = []
    let cursor = after
    while (out.length < limit && cursor < upTo) {
      if (this.#log.covers(cursor)) {
        out.push(...this.#log.after(cursor, limit - out.length, this.#account.now()))
        break
      }
      const floor = Math.min(this.#log.floor, upTo)
      const cold = await readEvents(this.#account, this.#records, cursor, floor, limit - out.length)
      out.push(...cold)
      cursor = floor
    }
    return out
  }

  #onAppended(lines: readonly AppendedLine[]): void {
    const last = lines[lines.length - 1]
    if (last) this.#known = Math.max(this.#known, last.position)
    if (this.#live.length + lines.length > MAX_LIVE_LINES) this.#live = []
    else this.#live.push(...lines)
    if (this.#live.length >= this.#linger.lines) this.#wake?.()
    this.#kick()
  }

  /** Run the queue, or tell the running one that more lines arrived. */
  #kick(): void {
    if (this.#stopping) return
    if (this.#running) {
      this.#again = true
      return
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined
    })
  }

  async #run(): Promise<void> {
    try {
      do {
        this.#again = false
        // The first batch goes at once; the next ones linger while lines keep coming.
        let first = true
        for (;;) {
          if (!first) await this.#lingerForLines()
          first = false
          if (this.#stopping) return
          const lines = await this.#nextLines()
          if (lines.length === 0) break
          const position = lines[lines.length - 1]!.position
          const outcome = await this.exclusive(async () => {
            // Not durable: the index and its cursor are derived from the journal, so a crash
            // that loses this commit only means indexing these lines again (store.md §9).
            const batch = this.#records.batch({ durable: false })
            const result = await this.#indexer.indexLines(batch, lines, position)
            await batch.commit()
            return result
          })
          this.#processed = position
          this.#log.append(outcome.events, position)
          for (const w of this.#waiters)
            if (w.position <= position) {
              this.#waiters.delete(w)
              w.resolve()
            }
          for (const l of this.#listeners) l(position)
          this.#onBatch(outcome, position)
        }
      } while (this.#again && !this.#stopping)
    } catch (e) {
      // The queue stops here; the next appended line retries from the durable cursor.
      this.#onError(e)
      this.#failWaiters(e)
    }
  }

  /**
   * After a commit: wait up to the linger's ms for its count of live lines, only under load
   * (lines came during the commit) and while no local caller waits for the index; not when the
   * lines are there already or the index is behind the live lines (catching up reads whole
   * batches from the journal).
   */
  async #lingerForLines(): Promise<void> {
    const { ms, lines } = this.#linger
    if (ms <= 0 || this.#live.length >= lines || this.#stopping) return
    const next = this.#processed + 1
    // Idle (nothing came during the commit): the queue ends, and the next line goes at once.
    if (this.#known < next) return
    if (this.#live[0]?.position !== next) return
    if (this.#waiters.size > 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), ms)
      this.#wake = () => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
    })
  }

  /**
   * The next lines after the cursor: the live ones when they follow it, else read back from the
   * journal (catching up after a start, or after live lines were dropped).
   */
  async #nextLines(): Promise<IndexLine[]> {
    // Every line is appended by the ingestor, which tells us: nothing newer exists yet.
    if (this.#processed >= this.#known) return []
    const next = this.#processed + 1
    let skip = 0
    while (skip < this.#live.length && this.#live[skip]!.position < next) skip++
    if (skip > 0) this.#live.splice(0, skip)
    if (this.#live[0]?.position === next) {
      let n = 1
      while (
        n < this.#live.length &&
        n < BATCH_LINES &&
        this.#live[n]!.position === this.#live[n - 1]!.position + 1
      )
        n++
      return this.#live.splice(0, n).map(lineOfAppended)
    }
    const rows = await this.#account.store.readJournal(this.#processed, BATCH_LINES)
    return linesOfRows(this.#account.store, rows)
  }

  #failWaiters(e: unknown): void {
    for (const w of this.#waiters) w.reject(e)
    this.#waiters.clear()
  }
}
