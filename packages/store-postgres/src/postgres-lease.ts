/**
 * A lease among the processes of one database (docs/scale.md §9 "Several processes"): at most
 * one process holds it at a time, and when that process dies (or loses its connection) another
 * takes it over within `retryMs`. Instances of a multi-user host use it so that only one of them
 * dials the hosted users' peers: several instances of one node dialling the same peer would
 * each replace the other's session there, for ever.
 *
 * It is a PostgreSQL session advisory lock held on a connection kept for the purpose: the server
 * releases it when that connection ends, so a crashed holder cannot keep it.
 * @module
 */
import type { PgPoolClient } from './postgres-store-config.js'

/** A lease held by at most one process at a time. */
export interface Lease {
  /** Whether this process holds it now. */
  readonly held: boolean
  /** Be told when {@link held} changes; returns the unsubscribe function. */
  onChange(listener: (held: boolean) => void): () => void
  /** Give it up (if held) and stop trying. Idempotent. */
  close(): Promise<void>
}

/** A checked-out client that reports its end (`pg.PoolClient` satisfies it). */
interface LeaseClient extends PgPoolClient {
  on(event: 'error', listener: (e: Error) => void): unknown
  on(event: 'end', listener: () => void): unknown
}

/** Options of {@link PgLease}. */
export interface PgLeaseOptions {
  /** A client kept checked out while the lease is held (released with destroy). */
  readonly acquire: () => Promise<PgPoolClient>
  /** The lease's name; processes that name the same lease compete for it. */
  readonly name: string
  /** How often a process without the lease tries for it, and a holder checks its connection, ms. Default 2,000. */
  readonly retryMs?: number
}

/** A lease on a PostgreSQL advisory lock; starts trying at once. */
export class PgLease implements Lease {
  readonly #options: PgLeaseOptions
  readonly #listeners = new Set<(held: boolean) => void>()
  #client: LeaseClient | undefined
  #held = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #running: Promise<void> | undefined
  #closed = false

  constructor(options: PgLeaseOptions) {
    this.#options = options
    this.#tick()
  }

  get held(): boolean {
    return this.#held
  }

  onChange(listener: (held: boolean) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Settles once the attempt in progress (if any) ended: tests wait on it. */
  async settled(): Promise<void> {
    await this.#running
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    await this.#running
    this.#drop()
  }

  /** One attempt (or one check while held), then the next one after `retryMs`. */
  #tick(): void {
    this.#timer = undefined
    if (this.#closed) return
    this.#running = (this.#held ? this.#check() : this.#try())
      .catch(() => this.#drop())
      .finally(() => {
        this.#running = undefined
        if (this.#closed) return
        this.#timer = setTimeout(() => this.#tick(), this.#options.retryMs ?? 2_000)
        this.#timer.unref?.()
      })
  }

  /** Try for the lock on a connection of the pool; kept only when it got the lock. */
  async #try(): Promise<void> {
    const client = (await this.#options.acquire()) as LeaseClient
    let ok: boolean
    try {
      const r = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
        `sdmp:${this.#options.name}`,
      ])
      ok = (r.rows[0] as { ok?: boolean } | undefined)?.ok === true
    } catch (e) {
      client.release(true)
      throw e
    }
    // Not held: back to the pool (it holds no lock). Held: destroyed in #drop, never pooled.
    if (!ok) return client.release()
    if (this.#closed) return client.release(true)
    this.#client = client
    const lost = () => {
      if (this.#client === client) this.#drop()
    }
    client.on('error', lost)
    client.on('end', lost)
    this.#set(true)
  }

  /** A holder's connection that no longer answers has lost the lock on the server's side. */
  async #check(): Promise<void> {
    await this.#client!.query('SELECT 1')
  }

  /** Forget the connection (and with it the lock, which the server releases). */
  #drop(): void {
    const client = this.#client
    this.#client = undefined
    client?.release(true) // never back to the pool: it may hold the lock
    this.#set(false)
  }

  #set(held: boolean): void {
    if (this.#held === held) return
    this.#held = held
    for (const l of this.#listeners) l(held)
  }
}
