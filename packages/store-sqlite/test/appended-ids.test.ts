/**
 * Ids appended (schema version 5, docs/store.md §3 "Keys appended"): rows are found by id and
 * by line id whether their keys are still in memory or already merged into the key tables,
 * before and after a reopen, also when digests share the 6-byte key; merges keep the tables'
 * invariant (fixtures/key-tables.ts). What the conformance suite cannot see: where the keys are.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import type { IngestItem, PutResult, Store } from '@sdmp/store'
import { RecentKeys, keyNumber } from '../src/sqlite-ids.js'
import { SqliteStore } from '../src/sqlite-store.js'
import { resolveSqliteConfig } from '../src/sqlite-store-config.js'
import { CRASH_FP, crashItem, sha512 } from './fixtures/crash-items.js'
import { checkKeyTables } from './fixtures/key-tables.js'

const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')

/** `item` with an id whose first 6 bytes (8 base64url characters) are `prefix`'s. */
function sharing(item: IngestItem, prefix: string): IngestItem {
  return { ...item, id: prefix.slice(0, 8) + item.id.slice(8) }
}

/** Every lookup by id and by line id finds each put where it was put, and nothing else. */
async function checkFound(
  store: Store,
  items: readonly IngestItem[],
  puts: readonly PutResult[],
  what: string,
): Promise<void> {
  assert.deepEqual(
    await store.hasResources(items.map((it) => it.id)),
    items.map(() => true),
    what,
  )
  for (const [i, item] of items.entries()) {
    const put = puts[i]!
    assert.equal((await store.getMeta(item.id))?.position, put.position, `${what}: meta ${i}`)
    assert.deepEqual(await store.getResource(item.id), item.bytes, `${what}: bytes ${i}`)
    assert.deepEqual(
      await store.findJournalLine(put.line.slice(0, 86)),
      { position: put.position, line: put.line },
      `${what}: line ${i}`,
    )
    // The same resource again is found, not stored twice.
    assert.deepEqual(await store.putResources([item]), [{ ...put, inserted: false }], what)
  }
}

if (enabled)
  describe('sqlite: ids appended', () => {
    it('sqlite: rows are found by id and line id in memory, merged, and after a reopen', async (t) => {
      const dir = tmpDir((f) => t.after(f))
      const items = Array.from({ length: 10 }, (_, i) => crashItem(5, i))
      let store = new SqliteStore({ dir, sha512, keyMergeRows: 4 })
      await store.open()
      await store.initJournal(CRASH_FP)
      const puts: PutResult[] = []
      // One commit each: a merge after the 4th and the 8th row (positions 2-5, 6-9).
      for (const item of items) puts.push(...(await store.putResources([item])))
      await checkFound(store, items, puts, 'open')
      await store.close()
      const { through, rows } = checkKeyTables(dir, 'closed')
      assert.deepEqual({ through, rows }, { through: 9, rows: 8 })

      // Rows 10 and 11 are found again from the rows after ids_through, with the default run.
      store = new SqliteStore({ dir, sha512 })
      t.after(() => store.close())
      await store.open()
      await checkFound(store, items, puts, 'reopened')
      const absent = crashItem(6, 0)
      assert.deepEqual(await store.hasResources([absent.id]), [false])
      assert.equal(await store.getMeta(absent.id), undefined)
      assert.equal(await store.findJournalLine(absent.id), undefined)
      assert.equal(await store.dropResourceBytes([items[1]!.id, items[9]!.id, absent.id]), 2)
      assert.equal(await store.getResource(items[9]!.id), undefined)
      assert.equal((await store.getMeta(items[9]!.id))?.position, puts[9]!.position)
    })

    it('sqlite: ids and line ids that share their 6-byte key are told apart in memory and in the tables', async (t) => {
      const dir = tmpDir((f) => t.after(f))
      const base = crashItem(7, 0)
      // a, b share a key and are merged with c; d, e share it too and stay in memory.
      const all = [
        base,
        sharing(crashItem(7, 1), base.id),
        crashItem(7, 2),
        sharing(crashItem(7, 3), base.id),
        sharing(crashItem(7, 4), base.id),
      ]
      const [a, b, c, d, e] = all as [IngestItem, IngestItem, IngestItem, IngestItem, IngestItem]
      const store = new SqliteStore({ dir, sha512, keyMergeRows: 3 })
      t.after(() => store.close())
      await store.open()
      await store.initJournal(CRASH_FP)
      const puts: PutResult[] = []
      for (const item of [a, b, c]) puts.push(...(await store.putResources([item])))
      puts.push(...(await store.putResources([d, e])))
      assert.deepEqual(
        puts.map((p) => p.inserted),
        all.map(() => true),
      )
      await checkFound(store, all, puts, 'shared keys')
      // Neither a stored digest's neighbour by key nor a line id of the wrong row is found.
      const stranger = sharing(crashItem(7, 5), base.id)
      assert.deepEqual(await store.hasResources([stranger.id]), [false])
      const line = puts[0]!.line.slice(0, 86)
      assert.equal(await store.findJournalLine(line.slice(0, 8) + stranger.id.slice(8)), undefined)
      await store.close()
      const { through, rows } = checkKeyTables(dir, 'shared keys')
      assert.deepEqual({ through, rows }, { through: 4, rows: 3 })
    })

    it('sqlite: keyMergeRows is a whole number of rows in 1..1000000, 16384 by default', () => {
      const config = { dir: '/nonexistent', sha512 }
      assert.equal(resolveSqliteConfig(config).keyMergeRows, 16_384)
      assert.equal(resolveSqliteConfig({ ...config, keyMergeRows: 1 }).keyMergeRows, 1)
      for (const keyMergeRows of [0, -1, 1.5, 1_000_001, Number.NaN])
        assert.throws(
          () => resolveSqliteConfig({ ...config, keyMergeRows }),
          (e: unknown) =>
            e instanceof TypeError &&
            e.message === 'sqlite store: keyMergeRows must be an integer in 1..1000000',
          String(keyMergeRows),
        )
    })

    it('RecentKeys: positions by key, shared keys, and rows forgotten after a rollback', () => {
      const keys = new RecentKeys()
      keys.add(7, 2)
      keys.add(9, 3)
      keys.add(7, 4)
      keys.add(7, 5)
      assert.equal(keys.size, 4)
      assert.deepEqual(keys.positions(7), [2, 4, 5])
      assert.deepEqual(keys.positions(8), [])
      keys.dropAfter(3)
      assert.equal(keys.size, 2)
      assert.deepEqual(keys.positions(7), [2])
      assert.deepEqual(keys.positions(9), [3])
      keys.dropAfter(1)
      assert.equal(keys.size, 0)
      assert.deepEqual(keys.positions(7), [])
      const id = sha512(new Uint8Array([1]))
      assert.equal(keyNumber(id), Buffer.from(id.subarray(0, 6)).readUIntBE(0, 6))
      assert.equal(keyNumber(new Uint8Array(64).fill(255)), 2 ** 48 - 1)
    })
  })
