/**
 * Crash mid-migration: for each migration N after the first, a version N-1 home holding data
 * (and local records, from version 2) is opened by a child process with the real migrations,
 * and the child is SIGKILLed inside migration N's transaction. Reopening must find the home
 * still at version N-1 (the half-done migration rolled back), then migrate it to the latest
 * version with every resource, secret, peer state and local record intact and the journal
 * verifying (docs/store.md "Faults").
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
import { writeOldHome } from './fixtures/old-home.js'

const CHILD = fileURLToPath(new URL('./fixtures/migrate-child.js', import.meta.url))
const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')
/** The same 64 bytes with the unused last 4 bits set: still passes the 86-character check. */
function nonCanonical(digest: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  return digest.slice(0, 85) + alphabet[alphabet.indexOf(digest[85]!) | 1]!
}

/**
 * Some refs name a resource id (a digest: bytes at rest from version 4), some are plain names;
 * item 3 has a non-canonical id and user, which the text layout kept as given.
 */
const ITEMS = Array.from({ length: 120 }, (_, i) => {
  const item = crashItem(7, i)
  if (i === 3) return { ...item, id: nonCanonical(item.id), user: nonCanonical(item.user) }
  if (i % 4 === 1) return { ...item, ref: crashItem(7, 0).id }
  if (i % 4 === 2) return { ...item, ref: `conv-${i % 3}` }
  return item
})
const USER = ITEMS[0]!.user

/** Run the child to completion; its stdout lines and how it ended. */
function runChild(dir: string, killIn: number, at: 'start' | 'end') {
  const child = spawn(process.execPath, [CHILD, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SDMP_TEST_KILL_IN_MIGRATION: String(killIn),
      SDMP_TEST_KILL_AT: at,
    },
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
  // Metadata, ids, users and both kinds of ref read back as written, and the indexes answer.
  const metas = await store.queryResources({})
  assert.deepEqual(
    metas.map((m) => [m.position, m.id, m.user, m.kind, m.created, m.ref]),
    ITEMS.map((it, i) => [i + 2, it.id, it.user, it.kind, it.created, it.ref]),
    `${what}: metadata`,
  )
  assert.deepEqual(await store.getMeta(ITEMS[5]!.id), metas[5], `${what}: getMeta`)
  const refs = (ref: string) => ITEMS.filter((it) => it.ref === ref).map((it) => it.id)
  for (const ref of [ITEMS[0]!.id, 'conv-1'])
    assert.deepEqual(
      (await store.queryResources({ ref })).map((m) => m.id),
      refs(ref),
      `${what}: ref ${ref}`,
    )
  const mine = ITEMS.filter((it) => it.user === USER)
  assert.equal(
    (await store.queryResources({ user: USER, kinds: ['trust'] })).length,
    mine.filter((it) => it.kind === 'trust').length,
  )
  assert.deepEqual(await store.usageOf(USER), {
    count: mine.length,
    bytes: mine.reduce((n, it) => n + it.bytes.length, 0),
  })
  assert.deepEqual(
    (await store.queryResources({ user: ITEMS[3]!.user })).map((m) => m.id),
    [ITEMS[3]!.id],
  )
  const line = lines[7]!
  assert.deepEqual(await store.findJournalLine(line.slice(0, 86)), { position: 8, line })
}

/** Local records of a home at version 2 or later: several namespaces, keys out of order. */
const LOCAL = [
  { ns: 'mail', key: 'm:zeta', value: new Uint8Array(1900).fill(7) },
  { ns: 'mail', key: 'cursor', value: new Uint8Array([1]) },
  { ns: 'mail', key: 'a:00000000000001:x', value: new Uint8Array([]) },
  { ns: 'mail.b', key: 'k', value: new Uint8Array([2, 3]) },
]

async function checkLocal(store: Store, what: string): Promise<void> {
  for (const r of LOCAL)
    assert.deepEqual(await store.getLocal(r.ns, r.key), r.value, `${what}: ${r.ns}/${r.key}`)
  const keys = (await store.listLocal('mail', { limit: 10 })).map((r) => r.key)
  assert.deepEqual(keys, ['a:00000000000001:x', 'cursor', 'm:zeta'], `${what}: key order`)
}

if (enabled)
  describe('sqlite crash mid-migration', () => {
    for (const killIn of MIGRATIONS.slice(1).map((m) => m.version))
      for (const at of ['start', 'end'] as const)
        it(`sqlite: a kill -9 at the ${at} of migration ${killIn} rolls it back and the next open completes it`, async (t) => {
          const from = killIn - 1
          const root = tmpDir(t.after.bind(t), 'sdmp-migrate-')
          const home = join(root, 'home')

          // A home at version `from` with data, in the layout that version's store wrote (raw SQL:
          // today's statements no longer fit the old tables).
          mkdirSync(home)
          writeOldHome(home, from, {
            nodeFingerprint: CRASH_FP,
            items: ITEMS,
            secrets: [{ name: 'node-key', value: new Uint8Array([1, 2, 3]) }],
            peers: [{ peer: 'peer', updatedAt: 5, extra: '9' }],
            local: LOCAL,
          })
          const before = inspectCopy(home, join(root, 'copy-old'))
          assert.equal(before.version, from)
          assert.equal(before.tables.includes('local'), from >= 2)

          const run = await runChild(home, killIn, at)
          assert.deepEqual(run.lines, [`killing in migration ${killIn}`], `child: ${run.stderr}`)
          assert.equal(run.signal, 'SIGKILL')
          const after = inspectCopy(home, join(root, 'copy-killed'))
          assert.equal(after.version, from, 'the killed migration rolled back')
          assert.deepEqual(after.tables, before.tables, 'no half-created table')

          const store = new SqliteStore({ dir: home, sha512 })
          try {
            await store.open()
            await checkData(store, 'after migration')
            if (from >= 2) await checkLocal(store, 'after migration')
            await store.putLocal('inbox', [{ key: 'k', value: new Uint8Array([4]) }])
            assert.deepEqual(await store.getLocal('inbox', 'k'), new Uint8Array([4]))
            const [next] = await store.putResources([crashItem(8, 0)])
            assert.equal(next!.position, ITEMS.length + 2)
          } finally {
            await store.close()
          }
          const done = inspectCopy(home, join(root, 'copy-new'))
          assert.equal(done.version, SCHEMA_VERSION)
          assert.ok(done.tables.includes('local'))
          assert.ok(!done.tables.includes('outbox'), 'migration 3 dropped the unused outbox')
          assert.ok(done.tables.includes('users'), 'migration 4 numbered the users')
          assert.ok(!done.tables.includes('resources_v4'), 'migration 4 renamed its copy')
          assert.ok(
            done.tables.includes('resource_ids') && done.tables.includes('line_ids'),
            'migration 5 made the key tables',
          )
        })
  })
