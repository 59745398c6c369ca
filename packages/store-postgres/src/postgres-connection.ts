/**
 * The PostgreSQL store's connection lifecycle: a lazily created pool (opened once, by whichever
 * call comes first), checked-out clients that cannot crash the process on a dropped connection,
 * transactions that resolve only after COMMIT, and a close that waits for work in flight.
 * Every driver error leaves here wrapped (postgres-errors.ts).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { isTransientPgError, wrapPgError } from './postgres-errors.js'
import type { PgPool, PgPoolClient, PgQueryable } from './postgres-store-config.js'

/** A client whose queries reject only with wrapped errors (CONFLICT, UNAVAILABLE, plain Error). */
function guardClient(client: PgPoolClient, what: string): PgPoolClient {
  return {
    query: (sql, values) =>
      client.query(sql, values).catch((e: unknown) => {
        throw wrapPgError(e, what)
      }),
    release: (destroy) => client.release(destroy),
    on: (event, listener) => client.on(event, listener),
    removeListener: (event, listener) => client.removeListener(event, listener),
  }
}

function guardPool(pool: PgQueryable, what: string): PgQueryable {
  return {
    query: (sql, values) =>
      pool.query(sql, values).catch((e: unknown) => {
        throw wrapPgError(e, what)
      }),
  }
}

/** Init-once, destroy-once ownership of one pool (kysely's driver lifecycle). */
export class PgConnection {
  readonly #factory: () => PgPool | Promise<PgPool>
  readonly #onOpen: (client: PgQueryable) => Promise<void>
  #pool: PgPool | undefined
  #opening: Promise<PgPool> | undefined
  #closed = false
  #closing: Promise<void> | undefined
  readonly #inflight = new Set<Promise<unknown>>()

  /**
   * @param factory creates the pool on first use
   * @param onOpen runs once on a dedicated client before anything else (the migrations)
   */
  constructor(
    factory: () => PgPool | Promise<PgPool>,
    onOpen: (client: PgQueryable) => Promise<void>,
  ) {
    this.#factory = factory
    this.#onOpen = onOpen
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** The opened pool; the first caller opens it (and runs `onOpen`), later ones share that. */
  ready(): Promise<PgPool> {
    if (this.#pool) return Promise.resolve(this.#pool)
    this.#opening ??= this.#connect().catch((e: unknown) => {
      this.#opening = undefined
      throw e
    })
    return this.#opening
  }

  async #connect(): Promise<PgPool> {
    let pool: PgPool
    try {
      pool = await this.#factory()
    } catch (e) {
      throw wrapPgError(e, 'postgres open')
    }
    try {
      const raw = await pool.connect()
      let broken = false
      const onError = (): void => {
        broken = true
      }
      raw.on('error', onError)
      try {
        await this.#onOpen(guardClient(raw, 'postgres open'))
      } finally {
        raw.removeListener('error', onError)
        raw.release(broken)
      }
    } catch (e) {
      await pool.end().catch(() => undefined)
      throw wrapPgError(e, 'postgres open')
    }
    this.#pool = pool
    return pool
  }

  /** Run `fn` on the (opened) pool, tracked so `close()` waits for it. @throws CLOSED */
  use<T>(what: string, fn: (db: PgQueryable) => Promise<T>, afterClose = false): Promise<T> {
    if (this.#closed && !afterClose)
      return Promise.reject(new ProtocolError(ErrorCode.CLOSED, 'store: closed'))
    const p = this.ready().then((pool) => fn(guardPool(pool, what)))
    const done = (): void => void this.#inflight.delete(p)
    this.#inflight.add(p)
    p.then(done, done)
    return p
  }

  /**
   * Check a client out for `fn`. A connection that drops while we hold the client (seen as an
   * 'error' event or a transient error) is destroyed instead of going back to the pool.
   */
  withClient<T>(
    what: string,
    fn: (client: PgPoolClient) => Promise<T>,
    afterClose = false,
  ): Promise<T> {
    return this.use(
      what,
      async () => {
        let raw: PgPoolClient
        try {
          raw = await this.#pool!.connect()
        } catch (e) {
          throw wrapPgError(e, what)
        }
        let broken = false
        const onError = (): void => {
          broken = true
        }
        raw.on('error', onError)
        try {
          return await fn(guardClient(raw, what))
        } catch (e) {
          if (isTransientPgError((e as Error).cause ?? e)) broken = true
          throw e
        } finally {
          raw.removeListener('error', onError)
          raw.release(broken)
        }
      },
      afterClose,
    )
  }

  /**
   * Check a raw client out for longer than one call (the LISTEN connection of postgres-watch.ts).
   * The caller listens for its 'error' events and releases it (destroyed) before `close()`.
   * @throws CLOSED, UNAVAILABLE
   */
  async acquire(what: string): Promise<PgPoolClient> {
    if (this.#closed) throw new ProtocolError(ErrorCode.CLOSED, 'store: closed')
    const pool = await this.ready()
    try {
      return await pool.connect()
    } catch (e) {
      throw wrapPgError(e, what)
    }
  }

  /** Run `fn` in one transaction; resolves only after COMMIT (durability contract). */
  tx<T>(what: string, fn: (tx: PgQueryable) => Promise<T>, afterClose = false): Promise<T> {
    return this.withClient(
      what,
      async (tx) => {
        await tx.query('BEGIN')
        try {
          const result = await fn(tx)
          await tx.query('COMMIT')
          return result
        } catch (e) {
          await tx.query('ROLLBACK').catch(() => undefined)
          throw e
        }
      },
      afterClose,
    )
  }

  /**
   * Refuse new work, run `drain` (work queued above this layer), wait for work in flight, then
   * end the pool. Idempotent.
   */
  close(drain: () => Promise<void> = async () => undefined): Promise<void> {
    this.#closed = true
    this.#closing ??= (async () => {
      await drain()
      await Promise.allSettled([...this.#inflight])
      await this.#opening?.catch(() => undefined)
      const pool = this.#pool
      this.#pool = undefined
      if (pool) await pool.end().catch(() => undefined)
    })()
    return this.#closing
  }
}
