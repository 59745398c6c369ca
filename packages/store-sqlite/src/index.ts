/**
 * @sdmp/store-sqlite: the embedded default Store on SQLite (better-sqlite3, WAL). See
 * docs/store.md.
 * @module
 */
export { SqliteStore } from './sqlite-store.js'
export { resolveSqliteConfig } from './sqlite-store-config.js'
export type {
  SqliteStoreConfig,
  SqliteSynchronous,
  ResolvedSqliteConfig,
} from './sqlite-store-config.js'
export type {
  SqliteDatabase,
  SqliteStatement,
  SqliteRunResult,
  OpenSqlite,
  SqliteOpenOptions,
} from './sqlite-driver.js'
export { APPLICATION_ID, SCHEMA_VERSION, MIGRATIONS } from './migrations/index.js'
export type { Migration } from './migrations/index.js'
