/**
 * Versioned schema migrations of the SQLite store. Each migration runs once, in its own
 * transaction, and sets `PRAGMA user_version` to its version; the list only ever grows.
 * @module
 */
import { migration001 } from './001-initial.js'
import { migration002 } from './002-local.js'
import { migration003 } from './003-append-order.js'
import { migration004 } from './004-digest-blobs.js'
import { migration005 } from './005-appended-keys.js'
import type { SqliteDatabase } from '../sqlite-driver.js'

/**
 * One schema step: SQL that moves version `version - 1` to `version`, then, for steps SQL
 * cannot express (decoding base64url), `run` in the same transaction.
 */
export interface Migration {
  readonly version: number
  readonly sql: string
  readonly run?: (db: SqliteDatabase) => void
}

/** Every migration in order. */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
]

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

/** `PRAGMA application_id` of an sdmp store: "SDMP" in ASCII. */
export const APPLICATION_ID = 0x53444d50
