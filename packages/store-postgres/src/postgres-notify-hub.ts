/**
 * One LISTEN connection for many stores (docs/scale.md "A host for many users"): a process that
 * opens one schema per hosted user would otherwise hold one listening connection per schema, so
 * 100 users times 4 instances would exhaust the server's connections. The hub keeps a single
 * connection that LISTENs on every subscribed channel (one per schema, `journalChannel`) and
 * hands each notification to that channel's subscribers. A lost connection is replaced with
 * backoff; once it listens again every subscriber is told to resync (read the committed head),
 * since the notifications sent meanwhile are gone.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { PgPoolClient } from './postgres-store-config.js'

/** What a subscriber hears on its channel. */
export interface NotifySubscriber {
  /** A notification's payload (the committed head position, as text). */
  readonly notify: (payload: string | undefined) => void
  /** The connection was replaced: notifications may have been lost, read the state again. */
  readonly resync: () => void
}

/** An open subscription. */
export interface NotifySubscription {
  close(): Promise<void>
}

/** A checked-out client that also delivers notifications (`pg.PoolClient` satisfies it). */
interface ListenClient extends PgPoolClient {
  on(event: 'error', listener: (e: Error) => void): unknown
  on(event: 'end', listener: () => void): unknown
  on(event: 'notification', listener: (n: { channel: string; payload?: string }) => void): unknown
}

/** Options of {@link PgNotifyHub}. */
export interface PgNotifyHubOptions {
  /** A client kept checked out for as long as the hub listens (released with destroy). */
  readonly acquire: () => Promise<PgPoolClient>
  /** First reconnect delay, ms (doubles up to maxRetryMs). Default 50. */
  readonly retryMs?: number
  readonly maxRetryMs?: number
}

const CHANNEL = /^[a-z0-9_]{1,63}$/

/** One listening connection shared by every channel subscribed in this process. */
export class PgNotifyHub {
  readonly #options: PgNotifyHubOptions
  readonly #subscribers = new Map<string, Set<NotifySubscriber>>()
  #client: ListenClient | undefined
  #destroy: (() => void) | undefined
  #connecting: Promise<ListenClient> | undefined
  #generation = 0
  #retry: ReturnType<typeof setTimeout> | undefined
  #delay: number
  #stopped = false
  /** Serializes LISTEN/UNLISTEN statements on the one connection. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor(options: PgNotifyHubOptions) {
    this.#options = options
    this.#delay = options.retryMs ?? 50
  }

  /** Channels listened to now (tests, status). */
  get channels(): number {
    return this.#subscribers.size
  }

  /**
   * Subscribe to `channel`; resolves once the LISTEN is in place.
   * @throws CLOSED after stop(), UNAVAILABLE when no connection can be had
   */
  async subscribe(channel: string, subscriber: NotifySubscriber): Promise<NotifySubscription> {
    if (this.#stopped) throw new ProtocolError(ErrorCode.CLOSED, 'notify hub: closed')
    if (!CHANNEL.test(channel)) throw new RangeError('notify hub: bad channel name')
    let set = this.#subscribers.get(channel)
    const first = set === undefined
    if (!set) this.#subscribers.set(channel, (set = new Set()))
    set.add(subscriber)
    try {
      const client = await this.#ensure()
      if (first) await this.#run(client, `LISTEN "${channel}"`)
    } catch (e) {
      await this.#remove(channel, subscriber)
      throw e
    }
    let closed = false
    return {
      close: async () => {
        if (closed) return
        closed = true
        await this.#remove(channel, subscriber)
      },
    }
  }

  /** Stop listening for good (the host's shutdown). */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#subscribers.clear()
    this.#drop()
  }

  async #remove(channel: string, subscriber: NotifySubscriber): Promise<void> {
    const set = this.#subscribers.get(channel)
    if (!set?.delete(subscriber) || set.size > 0) return
    this.#subscribers.delete(channel)
    if (this.#subscribers.size === 0) return this.#drop()
    const client = this.#client
    if (client) await this.#run(client, `UNLISTEN "${channel}"`).catch(() => undefined)
  }

  #run(client: ListenClient, sql: string): Promise<unknown> {
    const p = this.#queue.then(() => client.query(sql))
    this.#queue = p.catch(() => undefined)
    return p
  }

  #ensure(): Promise<ListenClient> {
    if (this.#client) return Promise.resolve(this.#client)
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined
    })
    return this.#connecting
  }

  async #connect(): Promise<ListenClient> {
    const generation = ++this.#generation
    const client = (await this.#options.acquire()) as ListenClient
    let released = false
    const destroy = (): void => {
      if (released) return
      released = true
      client.release(true) // not back to the pool: it holds LISTENs
    }
    const lost = (): void => {
      if (generation !== this.#generation) return
      this.#drop()
      this.#scheduleReconnect()
    }
    client.on('error', lost)
    client.on('end', lost)
    client.on('notification', (n) => {
      if (generation !== this.#generation) return
      for (const s of this.#subscribers.get(n.channel) ?? []) s.notify(n.payload)
    })
    if (generation !== this.#generation || this.#stopped) {
      destroy()
      throw new ProtocolError(ErrorCode.CLOSED, 'notify hub: closed')
    }
    this.#client = client
    this.#destroy = destroy
    this.#queue = Promise.resolve()
    this.#delay = this.#options.retryMs ?? 50
    return client
  }

  #drop(): void {
    this.#generation++
    clearTimeout(this.#retry)
    this.#retry = undefined
    const destroy = this.#destroy
    this.#client = undefined
    this.#destroy = undefined
    destroy?.()
  }

  /** Listen again on every channel after a lost connection, then tell each subscriber. */
  #scheduleReconnect(): void {
    if (this.#stopped || this.#subscribers.size === 0) return
    const delay = this.#delay
    this.#delay = Math.min(delay * 2, this.#options.maxRetryMs ?? 5000)
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.#ensure()
        .then(async (client) => {
          for (const channel of [...this.#subscribers.keys()])
            await this.#run(client, `LISTEN "${channel}"`)
          for (const set of this.#subscribers.values()) for (const s of set) s.resync()
        })
        .catch(() => {
          this.#drop()
          this.#scheduleReconnect()
        })
    }, delay)
    this.#retry.unref?.()
  }
}
