/**
 * Crash mid-migration: a version-1 home holding data is opened by a child process with the
 * real migrations, and the child is SIGKILLed inside migration 2's transaction. Reopening must
 * find the home still at version 1 (the half-done migration rolled back), then migrate it to
 * version 2 with every resource, secret and peer state intact and the journal verifying
 * (docs/store.md "Faults").
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { verifyJournal } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import type { Store } from '@sdmp/store'
import { MIGRATIONS, SCHEMA_VERSION } from '../src/migrations/index.js'
import { HOME_FILES } from '../src/sqlite-open.js'
import { SqliteStore } from '../src/sqlite-store.js'
import { CRASH_FP, crashItem, sha512 } from './fixtures/crash-items.js'

const CHILD = fileURLToPath(new URL('./fixtures/migrate-child.js', import.meta.url))
const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')
const ITEMS = Array.from({ length: 120 }, (_, i) => crashItem(7, i))

/** Run the child to completion; its stdout lines and how it ended. */
function runChild(dir: string, killIn: number) {
  const child = spawn(process.execPath, [CHILD, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SDMP_TEST_KILL_IN_MIGRATION: String(killIn) },
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
  return new Promise<{ lines: string[]; signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (_code, signal) =>
      resolve({ lines: out.split('\n').filter(Boolean), signal, stderr: err }),
    ),
  )
}

/** Schema version and tables of a copy of the home's database (the home stays untouched). */
function inspectCopy(home: string, scratch: string): { version: number; tables: string[] } {
  mkdirSync(scratch)
  for (const suffix of ['', '-wal']) {
    const from = join(home, HOME_FILES.db + suffix)
    if (existsSync(from)) copyFileSync(from, join(scratch, HOME_FILES.db + suffix))
  }
  const db = new Database(join(scratch, HOME_FILES.db))
  try {
    const version = Number(db.pragma('user_version', { simple: true }))
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string
      }[]
    ).map((r) => r.name)
    return { version, tables }
  } finally {
    db.close()
  }
}

async function checkData(store: Store, what: string): Promise<void> {
  const lines = (await store.readJournal(0, 1e9)).map((r) => r.line)
  const v = verifyJournal(lines, sha512)
  assert.ok(v.ok, `${what}: journal does not verify at line ${v.badLine}: ${v.reason}`)
  assert.equal(lines.length, ITEMS.length + 1, `${what}: journal length`)
  for (const item of ITEMS)
    assert.deepEqual(await store.getResource(item.id), item.bytes, `${what}: ${item.id} lost`)
  assert.deepEqual(await store.getSecret('node-key'), new Uint8Array([1, 2, 3]))
  assert.deepEqual(await store.getPeerState('peer'), { updatedAt: 5, extra: '9' })
}

if (enabled)
  describe('sqlite crash mid-migration', () => {
    it('sqlite: a kill -9 inside migration 2 rolls it back and the next open completes it', async (t) => {
      assert.equal(SCHEMA_VERSION, 2, 'this test kills inside migration 2')
      const root = tmpDir(t.after.bind(t), 'sdmp-migrate-')
      const home = join(root, 'home')

      // A version-1 home with data: only migration 1 applied (test seam).
      const v1 = new SqliteStore({ dir: home, sha512 }, { migrations: MIGRATIONS.slice(0, 1) })
      await v1.open()
      await v1.initJournal(CRASH_FP)
      await v1.putResources(ITEMS)
      await v1.putSecret('node-key', new Uint8Array([1, 2, 3]))
      await v1.setPeerState('peer', { updatedAt: 5, extra: '9' })
      await checkData(v1, 'version 1')
      await v1.close()
      const before = inspectCopy(home, join(root, 'copy-v1'))
      assert.equal(before.version, 1)
      assert.ok(!before.tables.includes('local'), 'version 1 has no local table')

      const run = await runChild(home, 2)
      assert.deepEqual(run.lines, ['killing in migration 2'], `child: ${run.stderr}`)
      assert.equal(run.signal, 'SIGKILL')
      const after = inspectCopy(home, join(root, 'copy-killed'))
      assert.equal(after.version, 1, 'the killed migration rolled back')
      assert.deepEqual(after.tables, before.tables, 'no half-created table')

      const store = new SqliteStore({ dir: home, sha512 })
      try {
        await store.open()
        await checkData(store, 'after migration')
        await store.putLocal('inbox', [{ key: 'k', value: new Uint8Array([4]) }])
        assert.deepEqual(await store.getLocal('inbox', 'k'), new Uint8Array([4]))
        const [next] = await store.putResources([crashItem(8, 0)])
        assert.equal(next!.position, ITEMS.length + 2)
      } finally {
        await store.close()
      }
      const done = inspectCopy(home, join(root, 'copy-v2'))
      assert.equal(done.version, 2)
      assert.ok(done.tables.includes('local'))
    })
  })
