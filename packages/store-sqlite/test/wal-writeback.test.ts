/**
 * Early writeback of the WAL (wal-writeback.ts, docs/store.md §3 "Early writeback"): a commit
 * that skipped its fsync is followed by an fdatasync of the WAL off the event loop, at most one
 * at a time, with every kick covered by a sync that started after it; durable commits (already
 * fsync'd) start none; the descriptor is closed once, after the last operation returned.
 * @module
 */
import assert from 'node:assert/strict'
import { close, fdatasync, open } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { SqliteStore } from '../src/sqlite-store.js'
import { WalWriteback } from '../src/wal-writeback.js'
import type { WritebackFiles } from '../src/wal-writeback.js'
import { sha512 } from './fixtures/crash-items.js'

/** File operations that wait until the test completes them, and a log of what happened. */
class HeldFiles implements WritebackFiles {
  readonly log: string[] = []
  readonly waiting: (() => void)[] = []
  failOpen = false
  open(_path: string, _flags: 'r', cb: (err: Error | null, fd: number) => void): void {
    this.log.push('open')
    this.waiting.push(() => (this.failOpen ? cb(new Error('ENOENT'), -1) : cb(null, 7)))
  }
  fdatasync(fd: number, cb: (err: Error | null) => void): void {
    this.log.push(`sync ${fd}`)
    this.waiting.push(() => cb(null))
  }
  close(fd: number): void {
    this.log.push(`close ${fd}`)
  }
  /** Complete the oldest operation still running. */
  complete(): void {
    this.waiting.shift()?.()
  }
}

describe('WAL early writeback', () => {
  it('opens once, syncs, and folds kicks made during a sync into one more', () => {
    const files = new HeldFiles()
    const w = new WalWriteback('/home/store.db-wal', files)
    w.kick()
    w.kick()
    assert.deepEqual(files.log, ['open'], 'one operation at a time')
    files.complete() // opened: the sync follows at once
    assert.deepEqual(files.log, ['open', 'sync 7'])
    w.kick()
    w.kick()
    w.kick()
    files.complete() // the first sync returns; the three kicks during it ask for one more
    files.complete()
    assert.deepEqual(files.log, ['open', 'sync 7', 'sync 7'])
    files.complete()
    assert.deepEqual(files.log, ['open', 'sync 7', 'sync 7'], 'nothing left to do')
    w.close()
    assert.deepEqual(files.log.at(-1), 'close 7')
  })

  it('closes the descriptor after a running sync returns, and starts nothing after close', () => {
    const files = new HeldFiles()
    const w = new WalWriteback('/home/store.db-wal', files)
    w.kick()
    files.complete()
    w.kick()
    w.close()
    assert.ok(!files.log.includes('close 7'), 'not while the sync uses it')
    files.complete()
    files.complete()
    w.kick()
    assert.deepEqual(files.log, ['open', 'sync 7', 'close 7'])
  })

  it('a WAL that cannot be opened is tried again at the next kick, without throwing', () => {
    const files = new HeldFiles()
    files.failOpen = true
    const w = new WalWriteback('/home/store.db-wal', files)
    w.kick()
    files.complete()
    files.failOpen = false
    w.kick()
    files.complete()
    files.complete()
    assert.deepEqual(files.log, ['open', 'open', 'sync 7'])
    w.close()
  })

  it('any order of kicks, completions and a close: one operation at a time, every kick covered', () => {
    const step = fc.constantFrom('kick', 'complete', 'complete', 'close')
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const files = new HeldFiles()
        const w = new WalWriteback('/wal', files)
        let closed = false
        // The index in `log` at which the last kick before close was made.
        let lastKick = -1
        for (const s of steps) {
          if (s === 'kick') {
            if (!closed) lastKick = files.log.length
            w.kick()
          } else if (s === 'complete') files.complete()
          else if (!closed) {
            closed = true
            w.close()
          }
          assert.ok(files.waiting.length <= 1, `two operations at once: ${files.log.join(', ')}`)
        }
        while (files.waiting.length > 0) files.complete()
        // A kick is covered by a sync that started after it, unless close came first.
        if (lastKick >= 0 && !closed)
          assert.ok(
            files.log.slice(lastKick).some((e) => e.startsWith('sync')),
            `kick at ${lastKick} not covered: ${files.log.join(', ')}`,
          )
        if (!closed) w.close()
        // Opened once at most, closed exactly once if opened, and nothing after the close.
        assert.ok(files.log.filter((e) => e === 'open').length <= 1, files.log.join(', '))
        const closes = files.log.filter((e) => e.startsWith('close')).length
        assert.equal(closes, files.log.includes('open') ? 1 : 0, files.log.join(', '))
        if (closes === 1) assert.equal(files.log.at(-1), 'close 7', files.log.join(', '))
      }),
    )
  })

  it('a store syncs its WAL after a commit without fsync, not after durable ones', async (t) => {
    const dir = tmpDir((f) => t.after(f))
    const synced: string[] = []
    let closes = 0
    const files: WritebackFiles = {
      open,
      fdatasync: (fd, cb) => {
        synced.push(String(fd))
        fdatasync(fd, cb)
      },
      close: (fd, cb) => {
        closes++
        close(fd, cb)
      },
    }
    const store = new SqliteStore({ dir, sha512 }, { writebackFiles: files })
    await store.open()
    const value = new TextEncoder().encode('v')
    for (let i = 0; i < 5; i++) await store.putLocal('n', [{ key: `durable-${i}`, value }])
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(synced, [], 'durable commits are fsync-ed by SQLite itself')
    await store.putLocal('n', [{ key: 'index-record', value }], { durable: false })
    await waitFor(() => synced.length > 0 || undefined, { what: 'an fdatasync of the WAL' })
    await store.close()
    await waitFor(() => closes === 1 || undefined, { what: 'the descriptor closed' })
  })
})
