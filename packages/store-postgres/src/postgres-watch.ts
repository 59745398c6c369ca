/**
 * Journal signals across processes (docs/scale.md "Several instances"): every append NOTIFYs a
 * per-schema channel inside its transaction, so the notification is delivered on COMMIT and
 * never for a rolled-back append; each store with watchers holds one connection that LISTENs
 * and turns notifications into head signals ({@link Store.watchJournal}). A dropped listening
 * connection is replaced (with backoff) and, once it listens again, the committed head is
 * signalled: whatever was notified meanwhile is read back from the journal by the consumer.
 * @module
 */
import { createHash } from 'node:crypto'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { JournalSignal } from '@sdmp/store'
import type { JournalWatch } from '@sdmp/store'
import type { PgPoolClient } from './postgres-store-config.js'
import type { NotifySubscription, PgNotifyHub } from './postgres-notify-hub.js'

/** The NOTIFY channel of a schema's journal: fixed length whatever the schema name's. */
export function journalChannel(schema: string): string {
  return `sdmp_journal_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`
}

/** A checked-out client that also delivers notifications (`pg.PoolClient` satisfies it). */
interface ListenClient extends PgPoolClient {
  on(event: 'error', listener: (e: Error) => void): unknown
  on(event: 'end', listener: () => void): unknown
  on(event: 'notification', listener: (n: { channel: string; payload?: string }) => void): unknown
}

/** What the listener needs from its store. */
export interface PgWatchDeps {
  readonly channel: string
  /** A client kept checked out for as long as it listens (released with destroy). */
  readonly acquire: () => Promise<PgPoolClient>
  /** The committed head position (0 when empty), signalled after a reconnect. */
  readonly head: () => Promise<number>
  /** First reconnect delay, ms (doubles up to {@link PgWatchDeps.maxRetryMs}). Default 50. */
  readonly retryMs?: number
  readonly maxRetryMs?: number
  /**
   * Listen through this process's shared connection instead of one of this store's own (a
   * host for many users, postgres-notify-hub.ts); `acquire` is then unused.
   */
  readonly hub?: PgNotifyHub
}

/**
 * The watchers of one PostgresStore: local signals (this object's own appends) plus one
 * LISTEN connection while at least one watch is open.
 */
export class PgJournalWatcher {
  readonly signal = new JournalSignal()
  readonly #deps: PgWatchDeps
  /** Destroys the current listening connection (once), while there is one. */
  #client: (() => void) | undefined
  /** Bumped whenever the current connection is abandoned, so its late events are ignored. */
  #generation = 0
  #listening: Promise<void> | undefined
  #retry: ReturnType<typeof setTimeout> | undefined
  #delay: number
  #stopped = false
  /** The hub subscription while watched through a shared hub. */
  #sub: Promise<NotifySubscription> | undefined

  constructor(deps: PgWatchDeps) {
    this.#deps = deps
    this.#delay = deps.retryMs ?? 50
  }

  /** Subscribe; resolves once the LISTEN is in place. @throws UNAVAILABLE, CLOSED */
  async add(onHead: (position: number) => void): Promise<JournalWatch> {
    if (this.#stopped) throw new ProtocolError(ErrorCode.CLOSED, 'store: closed')
    const watch = this.signal.add(onHead)
    try {
      await this.#ensure()
    } catch (e) {
      await this.#release(watch)
      throw e
    }
    return { close: () => this.#release(watch) }
  }

  /** Stop listening for good (store close). */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#drop()
    await this.#unsubscribe()
  }

  async #unsubscribe(): Promise<void> {
    const sub = this.#sub
    this.#sub = undefined
    await (await sub?.catch(() => undefined))?.close()
  }

  async #release(watch: JournalWatch): Promise<void> {
    await watch.close()
    if (this.signal.size > 0) return
    this.#drop()
    await this.#unsubscribe()
  }

  /** Listen now unless already listening (or connecting). */
  #ensure(): Promise<void> {
    const hub = this.#deps.hub
    if (hub) {
      this.#sub ??= hub.subscribe(this.#deps.channel, {
        notify: (payload) => {
          const position = Number(payload)
          if (Number.isSafeInteger(position) && position > 0) this.signal.emit(position)
        },
        resync: () =>
          void this.#deps
            .head()
            .then((head) => head > 0 && this.signal.emit(head))
            .catch(() => undefined),
      })
      const sub = this.#sub
      return sub.then(
        () => undefined,
        (e: unknown) => {
          if (this.#sub === sub) this.#sub = undefined
          throw e
        },
      )
    }
    if (this.#client) return Promise.resolve()
    this.#listening ??= this.#listen().finally(() => {
      this.#listening = undefined
    })
    return this.#listening
  }

  async #listen(): Promise<void> {
    const generation = ++this.#generation
    const client = (await this.#deps.acquire()) as ListenClient
    let released = false
    const destroy = (): void => {
      if (released) return
      released = true
      client.release(true) // not back to the pool: it holds a LISTEN
    }
    const lost = (): void => {
      if (generation !== this.#generation) return
      this.#drop(destroy)
      this.#scheduleReconnect()
    }
    client.on('error', lost)
    client.on('end', lost)
    client.on('notification', (n) => {
      if (generation !== this.#generation || n.channel !== this.#deps.channel) return
      const position = Number(n.payload)
      if (Number.isSafeInteger(position) && position > 0) this.signal.emit(position)
    })
    try {
      await client.query(`LISTEN "${this.#deps.channel}"`)
    } catch (e) {
      destroy()
      throw e
    }
    if (generation !== this.#generation || this.#stopped || this.signal.size === 0) {
      // Closed while connecting, or lost (then a reconnect is scheduled already).
      destroy()
      return
    }
    this.#client = destroy
    this.#delay = this.#deps.retryMs ?? 50
  }

  /** Abandon the current connection (or `destroy`, one being replaced). */
  #drop(destroy = this.#client): void {
    this.#generation++
    clearTimeout(this.#retry)
    this.#retry = undefined
    if (destroy === this.#client) this.#client = undefined
    destroy?.()
  }

  /**
   * Listen again after a lost connection, backing off while the server is unreachable; then
   * signal the committed head, since notifications sent meanwhile are gone.
   */
  #scheduleReconnect(): void {
    if (this.#stopped || this.signal.size === 0) return
    const delay = this.#delay
    this.#delay = Math.min(delay * 2, this.#deps.maxRetryMs ?? 5000)
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.#ensure()
        .then(() => this.#deps.head())
        .then((head) => {
          if (head > 0) this.signal.emit(head)
        })
        .catch(() => this.#scheduleReconnect())
    }, delay)
    this.#retry.unref?.()
  }
}
