/**
 * Migration 2: node-local records (docs/store.md "Local records"). Keys use the "C" collation so
 * their order is byte order, as in every other backend.
 * @module
 */
import type { PgMigration } from '../postgres-migrator.js'

/** The `local` table. */
export const MIGRATION_002: PgMigration = {
  version: 2,
  name: 'local records',
  up: (s) => [
    `CREATE TABLE ${s}.local (
       ns text COLLATE "C" NOT NULL,
       key text COLLATE "C" NOT NULL,
       value bytea NOT NULL,
       PRIMARY KEY (ns, key))`,
  ],
}
