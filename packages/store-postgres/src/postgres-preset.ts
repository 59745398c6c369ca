/**
 * The default binding of {@link PostgresStore} to the `pg` driver: a connection string in, a
 * store with a lazily created `pg.Pool` out (HOUSE-STYLE "abstract plus preset").
 * @module
 */
import pg from 'pg'
import { PostgresStore } from './postgres-store.js'
import { POSTGRES_DEFAULTS } from './postgres-store-config.js'
import type { PgPool, PostgresUrlConfig } from './postgres-store-config.js'

/**
 * A `pg.Pool` for `url`. Idle clients whose connection drops emit 'error' on the pool; without a
 * listener that would crash the process, so it is swallowed here and the next query, on a fresh
 * client, reports the outage as UNAVAILABLE.
 */
export function createPgPool(config: Omit<PostgresUrlConfig, 'sha512'>): PgPool {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.maxConnections ?? POSTGRES_DEFAULTS.maxConnections,
    application_name: config.applicationName ?? POSTGRES_DEFAULTS.applicationName,
  })
  pool.on('error', () => undefined)
  return pool
}

/**
 * A PostgreSQL store for a connection string. Nothing connects before the first call.
 * @example
 * const store = createPostgresStore({ url: 'postgres://postgres@127.0.0.1/sdmp', sha512 })
 * await store.open() // INCOMPATIBLE_STORE, UNAVAILABLE
 */
export function createPostgresStore(config: PostgresUrlConfig): PostgresStore {
  const { url, maxConnections, applicationName, ...rest } = config
  return new PostgresStore({
    ...rest,
    pool: () =>
      createPgPool({
        url,
        ...(maxConnections === undefined ? {} : { maxConnections }),
        ...(applicationName === undefined ? {} : { applicationName }),
      }),
  })
}
