/**
 * Versioned migrations of the PostgreSQL store. Every process that opens a schema runs
 * {@link migratePostgres}; a session advisory lock per schema makes concurrent openers take turns,
 * so two daemons starting at once over a fresh database do not both create the tables.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { MIGRATION_001 } from './migrations/001-initial.js'
import { MIGRATION_002 } from './migrations/002-local.js'
import type { PgQueryable } from './postgres-store-config.js'

/** One migration: its version and the statements that bring version - 1 to it. */
export interface PgMigration {
  readonly version: number
  readonly name: string
  /** SQL statements; `schema` is the already quoted schema identifier. */
  up(schema: string): readonly string[]
}

/** Every migration, in order. Append only; never edit a released one. */
export const PG_MIGRATIONS: readonly PgMigration[] = [MIGRATION_001, MIGRATION_002]

/** The layout version this code writes. */
export const PG_STORE_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version

/** Value of the `format` meta key: tells an sdmp store from anything else in the schema. */
export const PG_STORE_FORMAT = 'sdmp-store'

/** The advisory lock key of a schema's migrations (a 64-bit hash computed by the server). */
const LOCK_KEY = `hashtextextended('sdmp/migrate/' || $1::text, 0)`

interface Row {
  [key: string]: unknown
}

function incompatible(schema: string, why: string): ProtocolError {
  return new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, `postgres schema ${schema}: ${why}`)
}

/**
 * Bring `schema` to {@link PG_STORE_VERSION}, creating it when missing. Runs each migration in its
 * own transaction while holding the schema's advisory lock on `client`'s session.
 * @param migrations the steps to apply; only tests pass fewer than {@link PG_MIGRATIONS} (to
 *   build an older store), never the public config
 * @returns the version found before migrating (0 for a fresh schema)
 * @throws INCOMPATIBLE_STORE when the schema holds a newer store, a corrupt meta table or tables
 *   that are not an sdmp store (nothing is changed then)
 */
export async function migratePostgres(
  client: PgQueryable,
  schema: string,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number> {
  const q = `"${schema}"`
  await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`, [schema])
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`)
    const found = await readVersion(client, schema, migrations.at(-1)!.version)
    for (const m of migrations) {
      if (m.version <= found) continue
      await client.query('BEGIN')
      try {
        for (const sql of m.up(q)) await client.query(sql)
        await client.query(
          `INSERT INTO ${q}.sdmp_meta (key, value) VALUES ('format', $1), ('version', $2)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
          [PG_STORE_FORMAT, String(m.version)],
        )
        await client.query(`INSERT INTO ${q}.sdmp_migrations (version, name) VALUES ($1, $2)`, [
          m.version,
          m.name,
        ])
        await client.query('COMMIT')
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw e
      }
    }
    return found
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [schema]).catch(() => undefined)
  }
}

/** The stored layout version: 0 for an empty schema. @throws INCOMPATIBLE_STORE */
async function readVersion(client: PgQueryable, schema: string, latest: number): Promise<number> {
  const q = `"${schema}"`
  const meta = (await client.query(`SELECT to_regclass($1) AS t`, [`${q}.sdmp_meta`]))
    .rows[0] as Row
  if (meta['t'] === null) {
    const other = (
      await client.query(
        `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
        [schema],
      )
    ).rows[0] as Row
    if (other['n'] !== 0) throw incompatible(schema, 'holds tables that are not an sdmp store')
    return 0
  }
  const rows = (await client.query(`SELECT key, value FROM ${q}.sdmp_meta`)).rows as Row[]
  const get = (k: string): unknown => rows.find((r) => r['key'] === k)?.['value']
  if (get('format') !== PG_STORE_FORMAT) throw incompatible(schema, 'not an sdmp store')
  const text = get('version')
  const version = typeof text === 'string' && /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : NaN
  if (Number.isNaN(version)) throw incompatible(schema, 'corrupt store version')
  if (version > latest)
    throw incompatible(
      schema,
      `store version ${version} was written by a newer sdmp (this one reads up to ${latest})`,
    )
  return version
}
