/**
 * Disk full (issue 6): the store's own writes fill a small tmpfs until one rejects. It must
 * reject with UNAVAILABLE "disk full", keep every acknowledged write readable with a verifying
 * journal and an intact database, and accept writes again once the file system is grown.
 * Needs root for `mount -t tmpfs`; without it the test fails and says so, unless SDMP_NO_MOUNT=1
 * is set explicitly (docs/store.md "Faults").
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { isProtocolError, verifyJournal } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import type { Store } from '@sdmp/store'
import { SqliteStore } from '../src/sqlite-store.js'
import { HOME_FILES } from '../src/sqlite-open.js'
import { checkKeyTables } from './fixtures/key-tables.js'
import { CRASH_FP, crashItem, sha512 } from './fixtures/crash-items.js'

const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')

/** Run mount/umount; a failure names what the test needs instead of skipping silently. */
function sh(args: string[]): void {
  try {
    execFileSync(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim()
    throw new Error(
      `disk-full test needs to run \`${args.join(' ')}\` (root, or CAP_SYS_ADMIN, with tmpfs ` +
        `support); it failed: ${stderr || (e as Error).message}. Set SDMP_NO_MOUNT=1 to skip ` +
        'this test explicitly',
      { cause: e },
    )
  }
}

/** Every acknowledged item readable with its bytes; the chain verifies; one line per resource. */
async function checkStore(store: Store, acked: Map<string, Uint8Array>, what: string) {
  const lines = (await store.readJournal(0, 1e9)).map((r) => r.line)
  const v = verifyJournal(lines, sha512)
  assert.ok(v.ok, `${what}: journal does not verify at line ${v.badLine}: ${v.reason}`)
  assert.equal(lines[0], CRASH_FP)
  assert.equal(await store.countResources(), lines.length - 1, `${what}: resources != lines`)
  for (const [id, bytes] of acked)
    assert.deepEqual(await store.getResource(id), bytes, `${what}: ${id.slice(0, 12)} lost`)
}

if (enabled)
  describe('sqlite disk full', () => {
    it('sqlite: a full disk rejects writes with UNAVAILABLE disk full, loses nothing acknowledged and recovers when space returns', async (t) => {
      if (process.env['SDMP_NO_MOUNT'] === '1') {
        t.skip('SDMP_NO_MOUNT=1: disk-full test not run (needs mount -t tmpfs as root)')
        return
      }
      const mountPoint = tmpDir(t.after.bind(t), 'sdmp-full-')
      sh(['mount', '-t', 'tmpfs', '-o', 'size=1536k', 'tmpfs', mountPoint])
      let store: SqliteStore | undefined
      try {
        const home = join(mountPoint, 'home')
        mkdirSync(home)
        // Key-table merges every 25 rows: some run, or fail, as the disk fills (sqlite-ids.ts).
        store = new SqliteStore({ dir: home, sha512, keyMergeRows: 25 })
        await store.open()
        await store.initJournal(CRASH_FP)
        await store.putLocal('state', [{ key: 'before', value: new Uint8Array([1]) }])

        // Fill the file system with the store's own writes until one is refused.
        const acked = new Map<string, Uint8Array>()
        let n = 0
        let refused: unknown
        while (refused === undefined) {
          const batch = Array.from({ length: 10 }, () => crashItem(0, n++))
          try {
            await store.putResources(batch)
            for (const item of batch) acked.set(item.id, item.bytes)
          } catch (e) {
            refused = e
          }
          assert.ok(n < 100_000, 'the 1.5 MiB file system never filled up')
        }
        t.diagnostic(`disk full after ${acked.size} acknowledged resources`)
        assert.ok(acked.size > 0, 'nothing was acknowledged before the disk filled')
        assert.ok(isProtocolError(refused, 'UNAVAILABLE'), `expected UNAVAILABLE: ${refused}`)
        assert.match(refused.message, /^putResources: disk full/)

        // While full: reads work, nothing acknowledged is lost, a failed write left nothing.
        await checkStore(store, acked, 'while full')
        assert.equal(await store.countResources(), acked.size)
        await assert.rejects(
          store.putLocal('state', [{ key: 'big', value: new Uint8Array(1024 * 1024) }]),
          (e: unknown) => isProtocolError(e, 'UNAVAILABLE') && /disk full/.test(e.message),
        )
        assert.equal(await store.getLocal('state', 'big'), undefined)
        assert.deepEqual(await store.getLocal('state', 'before'), new Uint8Array([1]))

        // Space returns: the same instance accepts writes again and the chain continues.
        sh(['mount', '-o', 'remount,size=64m', mountPoint])
        const more = Array.from({ length: 50 }, () => crashItem(0, n++))
        const results = await store.putResources(more)
        assert.ok(results.every((r) => r.inserted))
        assert.equal(results.at(-1)!.position, acked.size + more.length + 1)
        for (const item of more) acked.set(item.id, item.bytes)
        await store.putLocal('state', [{ key: 'after', value: new Uint8Array([2]) }])
        await checkStore(store, acked, 'after space returned')
        await store.close()

        // The database file is intact, and a reopened store sees everything.
        const raw = new Database(join(home, HOME_FILES.db), { readonly: true })
        try {
          assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok')
        } finally {
          raw.close()
        }
        const keys = checkKeyTables(home, 'after space returned')
        assert.ok(keys.through > 1, 'no key-table merge ran')
        store = new SqliteStore({ dir: home, sha512 })
        await store.open()
        await checkStore(store, acked, 'after reopen')
        assert.deepEqual(await store.getLocal('state', 'after'), new Uint8Array([2]))
        await store.putResources([crashItem(0, n++)])
      } finally {
        await store?.close()
        sh(['umount', mountPoint])
      }
    })
  })
