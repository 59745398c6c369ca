/**
 * Adapter-specific migration cases: a fresh schema is created lazily, a store written by a newer
 * version, a corrupt meta table or a foreign schema is refused with INCOMPATIBLE_STORE and left
 * exactly as it was.
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { PG_STORE_VERSION, PostgresStore, createPgPool } from '../src/index.js'
import { NODE_FP, itemOf } from './fixtures/items.js'
import {
  adminPool,
  dropSchema,
  pgStore,
  postgresSelected,
  randomSchema,
  sha512,
} from './pg-test-env.js'

async function rejectsWithCode(p: Promise<unknown>, code: ErrorCode, pattern: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isProtocolError(e, code), `expected ${code}, got ${String(e)}`)
    assert.match(e.message, pattern)
    return true
  })
}

if (postgresSelected('migrations')) {
  const url = process.env['PG_URL']!
  const admin = adminPool(url)
  after(() => admin.end())
  const fresh = (): string => {
    const schema = randomSchema()
    after(() => dropSchema(admin, schema))
    return schema
  }
  const version = async (schema: string) =>
    (await admin.query(`SELECT value FROM "${schema}".sdmp_meta WHERE key = 'version'`)).rows[0]

  describe('postgres: migrations', () => {
    it('postgres: nothing connects before first use, then the schema is created at the latest version', async () => {
      const schema = fresh()
      let made = 0
      const store = new PostgresStore({
        schema,
        sha512,
        pool: () => {
          made++
          return createPgPool({ url, maxConnections: 2 })
        },
      })
      after(() => store.close())
      assert.equal(made, 0)
      const exists = await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema])
      assert.equal(exists.rowCount, 0)
      assert.equal(await store.countResources(), 0) // first use opens
      await store.open()
      assert.equal(made, 1)
      assert.deepEqual(await version(schema), { value: String(PG_STORE_VERSION) })
    })

    it('postgres: a store written by a newer version is refused and left untouched', async () => {
      const schema = fresh()
      const first = pgStore(url, schema)
      await first.initJournal(NODE_FP)
      await first.putResources([itemOf(1)])
      await first.close()
      await admin.query(`UPDATE "${schema}".sdmp_meta SET value = $1 WHERE key = 'version'`, [
        String(PG_STORE_VERSION + 1),
      ])
      const newer = pgStore(url, schema)
      await rejectsWithCode(newer.open(), ErrorCode.INCOMPATIBLE_STORE, /newer sdmp/)
      await rejectsWithCode(newer.getResource(itemOf(1).id), ErrorCode.INCOMPATIBLE_STORE, /newer/)
      await newer.close()
      assert.deepEqual(await version(schema), { value: String(PG_STORE_VERSION + 1) })
      const kept = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".resources`)
      assert.deepEqual(kept.rows[0], { n: 1 })
      // Back at a known version the same data opens again.
      await admin.query(`UPDATE "${schema}".sdmp_meta SET value = $1 WHERE key = 'version'`, [
        String(PG_STORE_VERSION),
      ])
      const again = pgStore(url, schema)
      after(() => again.close())
      assert.deepEqual(await again.getResource(itemOf(1).id), itemOf(1).bytes)
    })

    it('postgres: a corrupt meta table is refused', async () => {
      const schema = fresh()
      const first = pgStore(url, schema)
      await first.open()
      await first.close()
      await admin.query(`UPDATE "${schema}".sdmp_meta SET value = 'x' WHERE key = 'version'`)
      const store = pgStore(url, schema)
      await rejectsWithCode(store.open(), ErrorCode.INCOMPATIBLE_STORE, /corrupt store version/)
      await store.close()
      await admin.query(`UPDATE "${schema}".sdmp_meta SET value = 'other' WHERE key = 'format'`)
      const other = pgStore(url, schema)
      await rejectsWithCode(other.open(), ErrorCode.INCOMPATIBLE_STORE, /not an sdmp store/)
      await other.close()
    })

    it('postgres: a schema holding foreign tables is refused and never overwritten', async () => {
      const schema = fresh()
      await admin.query(`CREATE SCHEMA "${schema}"`)
      await admin.query(`CREATE TABLE "${schema}".resources (name text)`)
      await admin.query(`INSERT INTO "${schema}".resources VALUES ('theirs')`)
      const store = pgStore(url, schema)
      await rejectsWithCode(store.open(), ErrorCode.INCOMPATIBLE_STORE, /not an sdmp store/)
      await store.close()
      const tables = await admin.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
        [schema],
      )
      assert.deepEqual(tables.rows, [{ table_name: 'resources' }])
      const rows = await admin.query(`SELECT name FROM "${schema}".resources`)
      assert.deepEqual(rows.rows, [{ name: 'theirs' }])
    })

    it('postgres: two stores in one process opening a fresh schema at once both succeed', async () => {
      const schema = fresh()
      const stores = Array.from({ length: 4 }, () => pgStore(url, schema, 2))
      after(() => Promise.all(stores.map((s) => s.close())))
      await Promise.all(stores.map((s) => s.open()))
      await Promise.all(stores.map((s) => s.initJournal(NODE_FP)))
      const applied = await admin.query(
        `SELECT count(*)::int AS n FROM "${schema}".sdmp_migrations`,
      )
      assert.deepEqual(applied.rows[0], { n: PG_STORE_VERSION })
      assert.deepEqual(await stores[3]!.readJournal(0, 10), [{ position: 1, line: NODE_FP }])
    })
  })
}
