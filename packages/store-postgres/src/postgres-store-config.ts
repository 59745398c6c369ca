/**
 * Configuration of the PostgreSQL store and the structural interface of the `pg` subset it uses,
 * so nothing outside this package depends on driver types (HOUSE-STYLE "structural interface").
 * @module
 */
import type { Sha512 } from '@sdmp/core'
import type { PgNotifyHub } from './postgres-notify-hub.js'

/** The result shape of a query: rows as plain objects and the affected row count. */
export interface PgResult {
  readonly rows: readonly unknown[]
  readonly rowCount: number | null
}

/** Anything that runs a parameterized query (a pool or one checked-out client). */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<PgResult>
}

/** A client checked out of the pool; `release(true)` destroys it instead of reusing it. */
export interface PgPoolClient extends PgQueryable {
  release(destroy?: boolean | Error): void
  /**
   * A checked-out client emits 'error' when its connection drops between queries; with no
   * listener that would crash the process, so the store listens while it holds the client.
   */
  on(event: 'error', listener: (e: Error) => void): unknown
  removeListener(event: 'error', listener: (e: Error) => void): unknown
}

/** The pool subset the store uses (`pg.Pool` satisfies it). */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>
  end(): Promise<void>
}

/** Options of {@link PostgresStore}. */
export interface PostgresStoreConfig {
  /**
   * Lazy connection factory: called once, on first use (kysely's pattern), so creating a store
   * never touches the network. The store owns the pool and ends it on `close()`.
   */
  readonly pool: () => PgPool | Promise<PgPool>
  /**
   * Schema holding the store's tables; created when missing. Several stores (or daemon
   * processes) sharing one schema share one journal. Default `sdmp`.
   */
  readonly schema?: string
  /** SHA-512 for journal line ids (the crypto provider's). */
  readonly sha512: Sha512
  /** Size of one stored blob chunk in bytes (default 256 KiB). */
  readonly blobChunkBytes?: number
  /**
   * Listen for other processes' appends through this shared connection instead of one of the
   * store's own (many stores in one process: postgres-shared.ts). Default: the store's own.
   */
  readonly notifyHub?: PgNotifyHub
}

/** Options of {@link createPostgresStore}: a connection string instead of a pool factory. */
export interface PostgresUrlConfig extends Omit<PostgresStoreConfig, 'pool'> {
  /** `postgres://user@host:port/database`. */
  readonly url: string
  /** Most connections the pool opens (default 10). */
  readonly maxConnections?: number
  /** Shown in pg_stat_activity (default `sdmp`). */
  readonly applicationName?: string
}

/** Defaults of every optional field, in one place. */
export const POSTGRES_DEFAULTS = Object.freeze({
  schema: 'sdmp',
  blobChunkBytes: 256 * 1024,
  maxConnections: 10,
  applicationName: 'sdmp',
})

/** The validated, frozen form the store works with. */
export interface ResolvedPostgresConfig {
  readonly pool: () => PgPool | Promise<PgPool>
  readonly schema: string
  readonly sha512: Sha512
  readonly blobChunkBytes: number
  readonly notifyHub?: PgNotifyHub
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Validate and freeze a config. The schema name is spliced into SQL as an identifier, so it is
 * restricted to lowercase letters, digits and underscores (no quoting games).
 * @throws Error for a bad config (a programming error, not untrusted input)
 */
export function resolvePostgresConfig(config: PostgresStoreConfig): ResolvedPostgresConfig {
  if (typeof config.pool !== 'function')
    throw new TypeError('postgres config.pool: expected function')
  if (typeof config.sha512 !== 'function')
    throw new TypeError('postgres config.sha512: expected function')
  const schema = config.schema ?? POSTGRES_DEFAULTS.schema
  if (!SCHEMA_NAME.test(schema))
    throw new RangeError('postgres config.schema: expected [a-z_][a-z0-9_]{0,62}')
  const blobChunkBytes = config.blobChunkBytes ?? POSTGRES_DEFAULTS.blobChunkBytes
  if (!Number.isSafeInteger(blobChunkBytes) || blobChunkBytes < 1024 || blobChunkBytes > 64 << 20)
    throw new RangeError('postgres config.blobChunkBytes: expected 1 KiB..64 MiB')
  return Object.freeze({
    pool: config.pool,
    schema,
    sha512: config.sha512,
    blobChunkBytes,
    ...(config.notifyHub && { notifyHub: config.notifyHub }),
  })
}
