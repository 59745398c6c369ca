/**
 * The compact form at rest in PostgreSQL (docs/protocol/compact.md §6): the `bytes` bytea holds
 * the compact text, not the JSON; a row holding the JSON text (written before) is read as is.
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { COMPACT_MAGIC, toBase64url, utf8 } from '@sdmp/core'
import { signedItems } from '@sdmp/store/conformance'
import {
  adminPool,
  dropSchema,
  pgStore,
  postgresSelected,
  randomSchema,
  sha512,
} from './pg-test-env.js'

if (postgresSelected('stored-form')) {
  const url = new URL(process.env['PG_URL']!).href
  const admin = adminPool(url)
  after(() => admin.end())

  describe('postgres: stored form', () => {
    it('keeps the compact text in the bytea and hands out the JSON; JSON rows read as is', async () => {
      const schema = randomSchema()
      const store = pgStore(url, schema)
      try {
        await store.open()
        await store.initJournal(toBase64url(sha512(utf8('stored form node'))))
        const items = signedItems(3)
        await store.putResources(items)
        const rows = await admin.query(
          `SELECT id, bytes FROM "${schema}".resources ORDER BY position`,
        )
        for (const [i, r] of rows.rows.entries()) {
          const b = (r as Record<string, unknown>)['bytes'] as Buffer
          assert.equal(b[0], COMPACT_MAGIC)
          assert.ok(b.length * 2 < items[i]!.bytes.length)
        }
        await admin.query(`UPDATE "${schema}".resources SET bytes = $1 WHERE id = $2`, [
          Buffer.from(items[1]!.bytes),
          items[1]!.id,
        ])
        for (const it of items) assert.deepEqual(await store.getResource(it.id), it.bytes)
      } finally {
        await store.close()
        await dropSchema(admin, schema)
      }
    })
  })
}
