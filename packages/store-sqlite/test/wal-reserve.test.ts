/**
 * The WAL reserved at open (wal-reserve.ts, docs/store.md §3 "WAL reserved at open"): a home
 * opened with `reserveWal` has its WAL at the checkpoint size at once; the commits that follow,
 * across several wraps of the WAL, overwrite it without growing it and are all there after a
 * reopen; without the option, or without per-commit fsyncs, nothing is reserved; the reserve
 * never shortens a WAL nor touches the bytes it holds. Durability under kill -9 with the reserve
 * is in crash.test.ts.
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { verifyJournal } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import { SqliteStore } from '../src/sqlite-store.js'
import { reserveWal, walReserveBytes } from '../src/wal-reserve.js'
import { CRASH_FP, crashItem, sha512 } from './fixtures/crash-items.js'

/** A small checkpoint size, so that a few hundred commits wrap the WAL several times. */
const PAGES = 64
const walOf = (dir: string) => join(dir, 'store.db-wal')

/** A home made and closed (its WAL checkpointed away), with its journal started. */
async function madeHome(after: (fn: () => void) => void): Promise<string> {
  const dir = tmpDir(after, 'sdmp-walres-')
  const store = new SqliteStore({ dir, sha512 })
  await store.open()
  await store.initJournal(CRASH_FP)
  await store.close()
  return dir
}

describe('WAL reserved at open', () => {
  it('is made at open; commits across wraps overwrite it and all survive a reopen', async (t) => {
    const dir = await madeHome(t.after.bind(t))
    const reserved = walReserveBytes(8192, PAGES)
    const store = new SqliteStore({ dir, sha512, reserveWal: true, walAutocheckpointPages: PAGES })
    await store.open()
    assert.equal(statSync(walOf(dir)).size, reserved)
    // One commit per put (each awaited): ~300 commits of 1-2 pages wrap the 64-frame WAL often.
    const items = Array.from({ length: 300 }, (_, i) => crashItem(1, i))
    for (const item of items) {
      await store.putResources([item])
      assert.equal(statSync(walOf(dir)).size, reserved, 'a commit grew the reserved WAL')
    }
    // The WAL header's checkpoint sequence number (offset 12) counts the restarts: it wrapped.
    const wraps = readFileSync(walOf(dir)).readUInt32BE(12)
    assert.ok(wraps >= 5, `the WAL wrapped ${wraps} times`)
    await store.close()

    const again = new SqliteStore({ dir, sha512 })
    await again.open()
    try {
      const lines = (await again.readJournal(0, 1e9)).map((r) => r.line)
      assert.ok(verifyJournal(lines, sha512).ok)
      assert.equal(lines.length, items.length + 1)
      for (const item of items) assert.deepEqual(await again.getResource(item.id), item.bytes)
    } finally {
      await again.close()
    }
  })

  it('is not made by default, nor when commits are not fsync’d one by one (NORMAL)', async (t) => {
    const reserved = walReserveBytes(8192, PAGES)
    for (const config of [{}, { reserveWal: true, synchronous: 'NORMAL' as const }]) {
      const dir = await madeHome(t.after.bind(t))
      const store = new SqliteStore({ dir, sha512, walAutocheckpointPages: PAGES, ...config })
      await store.open()
      try {
        assert.ok(statSync(walOf(dir)).size < reserved / 4, JSON.stringify(config))
      } finally {
        await store.close()
      }
    }
  })

  it('extends with zeros only: the bytes already there stay, a larger file stays as it is', (t) => {
    const dir = tmpDir(t.after.bind(t), 'sdmp-walres-file-')
    const path = join(dir, 'wal')
    const head = new Uint8Array(5000).map((_, i) => (i * 7 + 1) & 0xff)
    writeFileSync(path, head)
    assert.equal(reserveWal(path, 3 * 1024 * 1024 + 17), undefined)
    const after = readFileSync(path)
    assert.equal(after.length, 3 * 1024 * 1024 + 17)
    assert.deepEqual(after.subarray(0, head.length), Buffer.from(head))
    assert.ok(after.subarray(head.length).every((b) => b === 0))
    assert.equal(reserveWal(path, 1000), undefined)
    assert.equal(statSync(path).size, 3 * 1024 * 1024 + 17)
  })

  it('reports a failure instead of throwing (the reserve only saves time)', (t) => {
    const dir = tmpDir(t.after.bind(t), 'sdmp-walres-missing-')
    const error = reserveWal(join(dir, 'no-such-dir', 'wal'), 1024)
    assert.equal((error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT')
  })
})
