/**
 * Committed before durable (sqlite-durable.ts, docs/store.md §3): a group commit of journal
 * lines is answered only after an fdatasync of the WAL that started after its COMMIT; until then
 * `onCommitted` has the results, the resources can be read, and the journal is read up to the
 * durable head only. A failed fdatasync stops the store. The fdatasync is held through the
 * writeback's file seam, so each state between the two can be looked at.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { ErrorCode } from '@sdmp/core'
import type { PutResult } from '@sdmp/store'
import { tmpDir } from '@sdmp/testkit'
import { SqliteStore } from '../src/sqlite-store.js'
import type { WritebackFiles } from '../src/wal-writeback.js'
import { CRASH_FP, crashItem, sha512 } from './fixtures/crash-items.js'

/** File operations whose fdatasyncs wait for the test; no real descriptor is used. */
class HeldSyncs implements WritebackFiles {
  readonly held: ((err: Error | null) => void)[] = []
  open(_path: string, _flags: 'r', cb: (err: Error | null, fd: number) => void): void {
    cb(null, 42)
  }
  fdatasync(_fd: number, cb: (err: Error | null) => void): void {
    this.held.push(cb)
  }
  close(): void {}
  /** Return the oldest held fdatasync, with `err` if given. */
  release(err: Error | null = null): void {
    this.held.shift()!(err)
  }
}

const settle = () => new Promise((r) => setImmediate(r))
/** Asks to hear of the commit early: the group goes the committed-before-durable way. */
const EARLY = { onCommitted: () => undefined }

async function openStore(dir: string, files: HeldSyncs): Promise<SqliteStore> {
  const store = new SqliteStore({ dir, sha512 }, { writebackFiles: files })
  await store.initJournal(CRASH_FP)
  return store
}

/** A store in a temp dir whose fdatasyncs wait for the test, closed after it. */
async function heldStore(t: TestContext): Promise<{ files: HeldSyncs; store: SqliteStore }> {
  const files = new HeldSyncs()
  const store = await openStore(
    tmpDir((f) => t.after(f)),
    files,
  )
  t.after(() => store.close())
  return { files, store }
}

/** Wait until the group commit has made its COMMIT and asked for an fdatasync. */
async function untilSyncHeld(files: HeldSyncs, n = 1): Promise<void> {
  for (let i = 0; i < 100 && files.held.length < n; i++) await settle()
  assert.equal(files.held.length, n, 'the group commit asked for an fdatasync')
}

describe('SQLite store: committed before durable', () => {
  it('answers after the fdatasync, tells onCommitted before, and serves the durable journal only', async (t) => {
    const { files, store } = await heldStore(t)
    const item = crashItem(1, 1)
    let committed: readonly PutResult[] | undefined
    let answered: PutResult[] | undefined
    const put = store
      .putResources([item], { onCommitted: (r) => (committed = r) })
      .then((r) => (answered = r))
    await untilSyncHeld(files)
    assert.equal(committed?.[0]?.position, 2, 'onCommitted has the results')
    assert.equal(answered, undefined, 'no answer before the fdatasync')
    assert.ok(await store.getResource(item.id), 'the resource reads back (committed)')
    assert.equal((await store.journalHead())?.position, 1, 'the head is the durable one')
    assert.deepEqual(
      (await store.readJournal(0, 10)).map((r) => r.position),
      [1],
      'no line past the durable head',
    )
    const lineId = committed![0]!.line.slice(0, 86)
    assert.equal(await store.findJournalLine(lineId), undefined)

    files.release()
    await put
    assert.deepEqual(answered, committed)
    assert.equal((await store.journalHead())?.position, 2)
    assert.deepEqual(
      (await store.readJournal(0, 10)).map((r) => r.position),
      [1, 2],
    )
    assert.equal((await store.findJournalLine(lineId))?.position, 2)
  })

  it('a group that does not ask to hear early commits under FULL and is answered at once', async (t) => {
    const { files, store } = await heldStore(t)
    const [r] = await store.putResources([crashItem(5, 1)])
    assert.equal(r?.position, 2)
    assert.equal(files.held.length, 0, 'no fdatasync asked: the COMMIT synced')
    assert.equal((await store.journalHead())?.position, 2)
  })

  it('a later group waits for an fdatasync of its own, started after its COMMIT', async (t) => {
    const { files, store } = await heldStore(t)
    const answered: number[] = []
    const first = store.putResources([crashItem(2, 1)], EARLY).then(() => answered.push(1))
    await untilSyncHeld(files)
    const second = store.putResources([crashItem(2, 2)], EARLY).then(() => answered.push(2))
    for (let i = 0; i < 5; i++) await settle() // its COMMIT happens; its sync waits its turn
    files.release()
    await first
    assert.deepEqual(answered, [1], 'the second was committed after the first sync started')
    assert.equal((await store.journalHead())?.position, 2)
    await untilSyncHeld(files)
    files.release()
    await second
    assert.deepEqual(answered, [1, 2])
    assert.equal((await store.journalHead())?.position, 3)
  })

  it('a failed fdatasync rejects the group and stops the store (UNAVAILABLE)', async (t) => {
    const { files, store } = await heldStore(t)
    const put = store.putResources([crashItem(3, 1)], EARLY)
    await untilSyncHeld(files)
    files.release(new Error('EIO'))
    await assert.rejects(put, (e: { code?: string }) => e.code === ErrorCode.UNAVAILABLE)
    await assert.rejects(
      store.journalHead(),
      (e: { code?: string }) => e.code === ErrorCode.UNAVAILABLE,
    )
    await assert.rejects(
      store.putResources([crashItem(3, 2)], EARLY),
      (e: { code?: string }) => e.code === ErrorCode.UNAVAILABLE,
    )
  })

  it('close waits for the callers still syncing, and their lines are there after reopening', async (t) => {
    const dir = tmpDir((f) => t.after(f))
    const files = new HeldSyncs()
    const store = await openStore(dir, files)
    const item = crashItem(4, 1)
    const put = store.putResources([item], EARLY)
    await untilSyncHeld(files)
    let closed = false
    const closing = store.close().then(() => (closed = true))
    await settle()
    assert.equal(closed, false, 'close waits for the fdatasync')
    files.release()
    assert.equal((await put)[0]?.position, 2)
    await closing
    const again = new SqliteStore({ dir, sha512 })
    t.after(() => again.close())
    assert.equal((await again.journalHead())?.position, 2)
    assert.ok(await again.getResource(item.id))
  })
})
