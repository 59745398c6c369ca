/**
 * Shared setup of the PostgreSQL tests: whether postgres runs in this test run, a fresh schema
 * per store so parallel test files and runs never collide, and cleanup. When postgres is not
 * selected the test files print a visible "not run" line instead of passing silently.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Sha512 } from '@sdmp/core'
import { createPgPool, createPostgresStore } from '../src/index.js'
import type { PgPool, PostgresStore } from '../src/index.js'

/** The server under test, from the environment (the test runner sets it in CI). */
export const PG_URL: string | undefined = process.env['PG_URL'] || undefined

const stores = (process.env['STORES'] ?? 'postgres').split(',').map((s) => s.trim())

/** True when this run covers postgres: STORES names it (or is unset) and PG_URL is set. */
export function postgresSelected(file: string): boolean {
  if (PG_URL === undefined) {
    if (stores.includes('postgres') && process.env['STORES'] !== undefined)
      throw new Error('STORES includes postgres but PG_URL is unset')
    console.log(`# postgres NOT RUN (${file}): PG_URL is unset`)
    return false
  }
  if (!stores.includes('postgres')) {
    console.log(`# postgres NOT RUN (${file}): STORES=${process.env['STORES']} excludes postgres`)
    return false
  }
  return true
}

/** node:crypto SHA-512 as the store's journal hash. */
export const sha512: Sha512 = (data) => new Uint8Array(createHash('sha512').update(data).digest())

/** A fresh schema name: sdmp_test_<random>. */
export function randomSchema(): string {
  return `sdmp_test_${randomBytes(6).toString('hex')}`
}

/** A store on a new random schema (or on `schema`). */
export function pgStore(url: string, schema = randomSchema(), maxConnections = 4): PostgresStore {
  return createPostgresStore({ url, schema, sha512, maxConnections, applicationName: 'sdmp-test' })
}

/** One admin pool per test file, for creating and dropping schemas. */
export function adminPool(url: string): PgPool {
  return createPgPool({ url, maxConnections: 2, applicationName: 'sdmp-test-admin' })
}

/** Drop a test schema and everything in it. */
export async function dropSchema(admin: PgPool, schema: string): Promise<void> {
  if (!/^sdmp_test_[0-9a-f]{12}$/.test(schema)) throw new Error(`refusing to drop ${schema}`)
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
}
