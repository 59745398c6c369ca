/**
 * The shared Store conformance suite against PostgreSQL, each store in its own fresh schema.
 * @module
 */
import { after } from 'node:test'
import { runStoreConformance } from '@sdmp/store/conformance'
import type { PostgresStore } from '../src/index.js'
import { adminPool, dropSchema, pgStore, postgresSelected, sha512 } from './pg-test-env.js'

if (postgresSelected('conformance')) {
  const url = process.env['PG_URL']!
  const admin = adminPool(url)
  after(() => admin.end())
  runStoreConformance({
    name: 'postgres',
    sha512,
    persistent: true,
    create: async () => pgStore(url),
    destroy: async (store) => {
      await store.close()
      await dropSchema(admin, (store as PostgresStore).schema)
    },
    // Another daemon process on the same schema, as far as the store can tell.
    sibling: async (store) => pgStore(url, (store as PostgresStore).schema),
    reopen: async (store) => {
      await store.close()
      return pgStore(url, (store as PostgresStore).schema)
    },
  })
}
