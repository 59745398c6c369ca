/**
 * The compact form at rest in SQLite (docs/protocol/compact.md §6, docs/store.md §2): the
 * `bytes` column holds the compact text, smaller than the JSON; a row written before the compact
 * form (the JSON text) is read as it is; bytes that are no canonical resource are kept as given.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { COMPACT_MAGIC, toBase64url, utf8 } from '@sdmp/core'
import { signedItems } from '@sdmp/store/conformance'
import { tmpDir } from '@sdmp/testkit'
import { SqliteStore } from '../src/sqlite-store.js'
import { CRASH_FP, sha512 } from './fixtures/crash-items.js'

const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')

if (enabled)
  describe('sqlite: stored form', () => {
    it('keeps the compact text in the row and hands out the JSON; old JSON rows read as is', async (t) => {
      const dir = tmpDir((f) => t.after(f))
      const items = signedItems(3)
      const odd = utf8('{"b":1,"a":2}') // not canonical: no compact form, kept as given
      const oddItem = { ...items[0]!, id: toBase64url(sha512(odd)), bytes: odd }
      const store = new SqliteStore({ dir, sha512 })
      await store.open()
      await store.initJournal(CRASH_FP)
      await store.putResources([...items, oddItem])
      await store.close()

      const raw = new Database(join(dir, 'store.db'))
      // Ids are their 64 bytes at rest (schema version 4).
      const blob = (id: string) => Buffer.from(id, 'base64url')
      const row = (id: string) =>
        raw.prepare('SELECT bytes FROM resources WHERE id = ?').get(blob(id)) as { bytes: Buffer }
      for (const it of items) {
        const b = row(it.id).bytes
        assert.equal(b[0], COMPACT_MAGIC)
        assert.ok(b.length * 2 < it.bytes.length, `${b.length} vs ${it.bytes.length}`)
      }
      assert.deepEqual(new Uint8Array(row(oddItem.id).bytes), odd)
      // A row as a store of before the compact form wrote it: the JSON text.
      raw
        .prepare('UPDATE resources SET bytes = ? WHERE id = ?')
        .run(items[1]!.bytes, blob(items[1]!.id))
      raw.close()

      const again = new SqliteStore({ dir, sha512 })
      await again.open()
      for (const it of items) assert.deepEqual(await again.getResource(it.id), it.bytes)
      assert.deepEqual(await again.getResource(oddItem.id), odd)
      await again.close()
    })
  })
