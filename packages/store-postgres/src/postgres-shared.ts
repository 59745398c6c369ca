/**
 * Many stores over one database in one process (docs/scale.md "A host for many users"): a host
 * runs one node per hosted user, each in its own schema of the same database. Opened one by one,
 * each store would hold its own pool (10 connections) and its own LISTEN connection, so 100
 * users would need over a thousand connections. Here every store borrows one pool, which only
 * the owner ends, and one {@link PgNotifyHub}: the process holds at most `maxConnections`
 * connections, one of them listening for every schema.
 * @module
 */
import { PgLease } from './postgres-lease.js'
import { PgNotifyHub } from './postgres-notify-hub.js'
import { wrapPgError } from './postgres-errors.js'
import { createPgPool } from './postgres-preset.js'
import { PostgresStore } from './postgres-store.js'
import type {
  PgPool,
  PgQueryable,
  PostgresStoreConfig,
  PostgresUrlConfig,
} from './postgres-store-config.js'

/** One pool and one listening connection lent to many stores. */
export interface SharedPostgres {
  /** The shared listener (tests, status). */
  readonly hub: PgNotifyHub
  /** The shared pool for the owner's own statements (dropping a removed user's schema). */
  readonly pool: PgQueryable
  /** A store in `schema` that borrows the shared pool and listener; nothing connects yet. */
  store(config: Omit<PostgresStoreConfig, 'pool' | 'notifyHub'>): PostgresStore
  /**
   * A lease named `name` among every process of this database (postgres-lease.ts), on a
   * connection of the pool while held ({@link close} gives up any still open).
   */
  lease(name: string, retryMs?: number): PgLease
  /** End the listener and the pool, after every store was closed. Idempotent. */
  close(): Promise<void>
}

/** Options of {@link createSharedPostgres}. */
export type SharedPostgresConfig = Omit<PostgresUrlConfig, 'sha512' | 'schema' | 'blobChunkBytes'>

/**
 * A pool shared by the stores of one process. The stores' `close()` ends only their own use:
 * the pool lives until {@link SharedPostgres.close}.
 * @example
 * const pg = createSharedPostgres({ url, maxConnections: 20 })
 * const a = pg.store({ schema: 'u_1', sha512 }), b = pg.store({ schema: 'u_2', sha512 })
 */
export function createSharedPostgres(config: SharedPostgresConfig): SharedPostgres {
  const pool = createPgPool(config)
  const borrowed: PgPool = {
    query: (sql, values) => pool.query(sql, values),
    connect: () => pool.connect(),
    end: async () => undefined, // the owner ends it
  }
  const connect = (what: string) => async () => {
    try {
      return await pool.connect()
    } catch (e) {
      throw wrapPgError(e, what)
    }
  }
  const hub = new PgNotifyHub({ acquire: connect('journal watch') })
  const leases = new Set<PgLease>()
  let closing: Promise<void> | undefined
  return {
    hub,
    pool: { query: (sql, values) => pool.query(sql, values) },
    store: (c) => new PostgresStore({ ...c, pool: () => borrowed, notifyHub: hub }),
    lease: (name, retryMs) => {
      const lease = new PgLease({
        acquire: connect('lease'),
        name,
        ...(retryMs !== undefined && { retryMs }),
      })
      leases.add(lease)
      return lease
    },
    close: () =>
      (closing ??= (async () => {
        await hub.stop()
        // A held lease keeps its client checked out, and the pool ends only once all are back.
        for (const l of leases) await l.close()
        await pool.end().catch(() => undefined)
      })()),
  }
}
