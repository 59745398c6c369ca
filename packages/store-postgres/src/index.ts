/**
 * @sdmp/store-postgres: the PostgreSQL Store adapter, for hosting nodes and several daemon
 * processes over one database (docs/scale.md).
 * @module
 */
export { PostgresStore } from './postgres-store.js'
export { createPostgresStore, createPgPool } from './postgres-preset.js'
export { POSTGRES_DEFAULTS } from './postgres-store-config.js'
export type {
  PostgresStoreConfig,
  PostgresUrlConfig,
  PgPool,
  PgPoolClient,
  PgQueryable,
  PgResult,
} from './postgres-store-config.js'
export { PG_STORE_VERSION, PG_STORE_FORMAT } from './postgres-migrator.js'
export { wrapPgError } from './postgres-errors.js'
export { createSharedPostgres } from './postgres-shared.js'
export type { SharedPostgres, SharedPostgresConfig } from './postgres-shared.js'
export { PgNotifyHub } from './postgres-notify-hub.js'
export { PgLease } from './postgres-lease.js'
export type { Lease, PgLeaseOptions } from './postgres-lease.js'
export type {
  NotifySubscriber,
  NotifySubscription,
  PgNotifyHubOptions,
} from './postgres-notify-hub.js'
