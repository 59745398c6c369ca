/**
 * How `local` records rest in SQLite (docs/store.md §3 "Write amplification", §9): a record
 * rewritten keeps its row, so a commit that changes the records every index commit rewrites
 * (session state, cursor, counts) writes their pages only, not a moved row, its old page and
 * an index entry; a new record is appended after the others. What a reader sees is the same
 * either way (the conformance suite); this checks the layout under it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { tmpDir } from '@sdmp/testkit'
import { SqliteStore } from '../src/sqlite-store.js'
import { sha512 } from './fixtures/crash-items.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('sqlite local rows', () => {
  it('a rewritten record keeps its row; a new one is appended', async (t) => {
    const dir = tmpDir((f) => t.after(f))
    const store = new SqliteStore({ dir, sha512 })
    await store.open()
    await store.putLocal('mail', [
      { key: 'cursor', value: bytes('1') },
      { key: 's:peer', value: bytes('state 1') },
    ])
    await store.putLocal('mail', [{ key: 'm:one', value: bytes('message') }], { durable: false })
    // The same key twice in a batch: the last wins, in the first's row.
    await store.putLocal('mail', [
      { key: 's:peer', value: bytes('state 2') },
      { key: 'cursor', value: bytes('2') },
      { key: 's:peer', value: bytes('state 3, longer than before') },
    ])
    assert.deepEqual(await store.getLocal('mail', 's:peer'), bytes('state 3, longer than before'))
    await store.close()

    const raw = new Database(join(dir, 'store.db'), { readonly: true })
    try {
      const rows = raw.prepare('SELECT rowid AS n, key FROM local ORDER BY rowid').all()
      assert.deepEqual(rows, [
        { n: 1, key: 'cursor' },
        { n: 2, key: 's:peer' },
        { n: 3, key: 'm:one' },
      ])
    } finally {
      raw.close()
    }
  })
})
