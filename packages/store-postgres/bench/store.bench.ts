/**
 * PostgreSQL store figures for `npm run bench`, through the shared store benchmark
 * (@sdmp/store/bench-kit) so they sit beside SQLite's in the same table. Each run uses a fresh
 * schema, dropped afterwards. Skipped, with a note on stderr, when PG_URL is unset.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { runStoreBench } from '@sdmp/store/bench-kit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { createPgPool, createPostgresStore } from '../src/index.js'
import type { PostgresStore } from '../src/index.js'
import { createNodeProvider } from '@sdmp/crypto-node'

// The product's hash (the daemon passes its provider's sha512 to the store): one SHA-512 per line.
const { sha512 } = createNodeProvider()

/** Run the store benchmark against the server in PG_URL. */
export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const url = process.env['PG_URL']
  if (!url) {
    process.stderr.write('  postgres bench NOT RUN: PG_URL is unset\n')
    return []
  }
  const admin = createPgPool({ url, maxConnections: 1, applicationName: 'sdmp-bench-admin' })
  try {
    return await runStoreBench(
      'postgres',
      {
        async create() {
          const schema = `sdmp_bench_${randomBytes(6).toString('hex')}`
          return createPostgresStore({ url, schema, sha512, applicationName: 'sdmp-bench' })
        },
        async destroy(store) {
          await store.close()
          await admin.query(`DROP SCHEMA IF EXISTS "${(store as PostgresStore).schema}" CASCADE`)
        },
      },
      ctx,
    )
  } finally {
    await admin.end()
  }
}
