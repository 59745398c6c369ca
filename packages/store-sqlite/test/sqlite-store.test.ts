/**
 * SQLite-specific behaviour the conformance suite cannot see: refusing foreign, corrupt and
 * newer files without touching them, migrations metadata, the in-process lock, group commit
 * (counted through the driver seam) and rollback of a failed group.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { isProtocolError, verifyJournal } from '@sdmp/core'
import type { ErrorCode } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import { SqliteStore } from '../src/sqlite-store.js'
import type { OpenSqlite, SqliteDatabase } from '../src/sqlite-driver.js'
import { APPLICATION_ID, SCHEMA_VERSION } from '../src/migrations/index.js'
import { CRASH_FP, crashItem, sha512 } from './fixtures/crash-items.js'

const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

async function rejectsCode(p: Promise<unknown>, code: ErrorCode, re?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isProtocolError(e, code), `expected ${code}, got ${String(e)}`)
    if (re) assert.match(e.message, re)
    return true
  })
}

/** A better-sqlite3 opener that counts COMMITs and can fail the n-th resource insert. */
function countingOpener(failInsertAt?: number): { open: OpenSqlite; commits: () => number } {
  let commits = 0
  let inserts = 0
  const open: OpenSqlite = (path, options) => {
    const db = new Database(path, { timeout: options.timeout })
    const wrapped: SqliteDatabase = {
      exec(sql) {
        if (sql === 'COMMIT') commits++
        return db.exec(sql)
      },
      pragma: (s, o) => db.pragma(s, o),
      close: () => db.close(),
      prepare(sql) {
        const st = db.prepare(sql)
        if (!sql.startsWith('INSERT INTO resources')) return st
        return {
          run(...params: unknown[]) {
            if (++inserts === failInsertAt)
              throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })
            return st.run(...params)
          },
          get: (...p: unknown[]) => st.get(...p),
          all: (...p: unknown[]) => st.all(...p),
        }
      },
    }
    return wrapped
  }
  return { open, commits: () => commits }
}

// Runs when STORES is unset or names sqlite (scripts/run-tests.mjs prints the set).
if (enabled)
  describe('sqlite store specifics', () => {
    it('sqlite: a file of random bytes is refused with INCOMPATIBLE_STORE and left untouched', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const db = join(dir, 'store.db')
      writeFileSync(db, randomBytes(8192))
      const before = digest(db)
      await rejectsCode(
        new SqliteStore({ dir, sha512 }).open(),
        'INCOMPATIBLE_STORE',
        /not a SQLite database/,
      )
      assert.equal(digest(db), before)
      assert.deepEqual(readdirSync(dir).sort(), ['store.db'])
    })

    it('sqlite: another application database is refused and left untouched', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const path = join(dir, 'store.db')
      const other = new Database(path)
      other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')")
      other.close()
      const before = digest(path)
      await rejectsCode(
        new SqliteStore({ dir, sha512 }).open(),
        'INCOMPATIBLE_STORE',
        /not an sdmp store/,
      )
      assert.equal(digest(path), before)
    })

    it('sqlite: a corrupt sdmp store is refused with INCOMPATIBLE_STORE', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const store = new SqliteStore({ dir, sha512 })
      await store.open()
      await store.initJournal(CRASH_FP)
      await store.putResources(Array.from({ length: 200 }, (_, i) => crashItem(0, i)))
      await store.close()
      const path = join(dir, 'store.db')
      const bytes = readFileSync(path)
      bytes.fill(0x5a, 100, bytes.length) // keep the header, trash every page
      writeFileSync(path, bytes)
      const before = digest(path)
      await rejectsCode(new SqliteStore({ dir, sha512 }).open(), 'INCOMPATIBLE_STORE')
      assert.equal(digest(path), before)
    })

    it('sqlite: a store written by a newer schema version is refused with a clear message', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const store = new SqliteStore({ dir, sha512 })
      await store.open()
      await store.close()
      const path = join(dir, 'store.db')
      const raw = new Database(path)
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
      raw.close()
      const before = digest(path)
      await rejectsCode(
        new SqliteStore({ dir, sha512 }).open(),
        'INCOMPATIBLE_STORE',
        new RegExp(
          `newer sdmp \\(schema version ${SCHEMA_VERSION + 1}, this version reads up to ${SCHEMA_VERSION}\\)`,
        ),
      )
      assert.equal(digest(path), before)
    })

    it('sqlite: a new home gets the application id, schema version, WAL and a lock file', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const store = new SqliteStore({ dir, sha512 })
      await store.open()
      assert.equal(readFileSync(join(dir, 'store.lock'), 'utf8'), `${process.pid}\n`)
      await store.close()
      assert.equal(existsSync(join(dir, 'store.lock')), false)
      const raw = new Database(join(dir, 'store.db'), { readonly: true })
      assert.equal(raw.pragma('application_id', { simple: true }), APPLICATION_ID)
      assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION)
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal')
      assert.equal(raw.pragma('page_size', { simple: true }), 8192)
      const meta = raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as {
        value: string
      }
      assert.equal(meta.value, String(SCHEMA_VERSION))
      raw.close()
    })

    it('sqlite: local records at random keys are appended, with no overflow page or half-empty leaf', async (t) => {
      // A sealed mailbox record (~1.9 KB) at a random key (docs/store.md §3 "Write
      // amplification"): in a WITHOUT ROWID table each took an overflow page and half a leaf.
      const dir = tmpDir(t.after.bind(t))
      const store = new SqliteStore({ dir, sha512 })
      await store.open()
      for (let i = 0; i < 20; i++)
        await store.putLocal(
          'mail',
          Array.from({ length: 10 }, () => ({
            key: `m:${randomBytes(12).toString('base64url')}`,
            value: randomBytes(1900),
          })),
        )
      await store.close()
      const raw = new Database(join(dir, 'store.db'), { readonly: true })
      const pageSize = Number(raw.pragma('page_size', { simple: true }))
      const local = raw
        .prepare(
          "SELECT count(*) AS pages, sum(unused) AS unused, sum(pagetype = 'overflow') AS overflow FROM dbstat WHERE name = 'local'",
        )
        .get() as { pages: number; unused: number; overflow: number }
      raw.close()
      assert.equal(local.overflow, 0, 'no overflow page')
      assert.ok(
        local.unused < local.pages * pageSize * 0.25,
        `${local.unused} of ${local.pages} pages unused`,
      )
    })

    it('sqlite: a second store on the same home in one process gets IN_USE', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const first = new SqliteStore({ dir, sha512 })
      await first.open()
      const second = new SqliteStore({ dir, sha512 })
      await rejectsCode(
        second.open(),
        'IN_USE',
        new RegExp(`^store in use by another process \\(pid ${process.pid}\\)$`),
      )
      await first.close()
      await second.open()
      await second.close()
    })

    it('sqlite: concurrent single puts share one commit, bounded by maxGroupItems', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const counter = countingOpener()
      const store = new SqliteStore({ dir, sha512, openDatabase: counter.open, maxGroupItems: 50 })
      await store.open()
      await store.initJournal(CRASH_FP)
      const before = counter.commits()
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.putResources([crashItem(1, i)])),
      )
      assert.equal(counter.commits() - before, 4, '200 single puts in groups of at most 50')
      assert.deepEqual(
        results.map((r) => r[0]!.position),
        Array.from({ length: 200 }, (_, i) => i + 2),
      )
      const awaited = counter.commits()
      await store.putResources([crashItem(2, 0)])
      await store.putResources([crashItem(2, 1)])
      assert.equal(counter.commits() - awaited, 2, 'awaited puts commit one by one')
      await store.close()
    })

    it('sqlite: a failed group commit rejects every caller, stores nothing and keeps the chain', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const counter = countingOpener(3)
      const store = new SqliteStore({ dir, sha512, openDatabase: counter.open })
      await store.open()
      await store.initJournal(CRASH_FP)
      const puts = [0, 1, 2, 3].map((i) => store.putResources([crashItem(3, i)]))
      for (const p of puts) await rejectsCode(p, 'UNAVAILABLE')
      assert.equal(await store.countResources(), 0)
      assert.deepEqual(await store.journalHead(), { position: 1, line: CRASH_FP })
      await store.putResources([crashItem(3, 0), crashItem(3, 1)])
      const lines = (await store.readJournal(0, 10)).map((r) => r.line)
      assert.equal(lines.length, 3)
      assert.ok(verifyJournal(lines, sha512).ok)
      await store.close()
    })

    it('sqlite: a failed blob upload leaves no temp file behind', async (t) => {
      const dir = tmpDir(t.after.bind(t))
      const store = new SqliteStore({ dir, sha512 })
      await store.open()
      async function* broken() {
        yield new Uint8Array(70_000)
        throw new Error('source failed')
      }
      await assert.rejects(store.putBlob(broken()), /source failed/)
      assert.deepEqual(readdirSync(join(dir, 'blobs', 'tmp')), [])
      const info = await store.putBlob(
        (async function* () {
          yield new Uint8Array([1, 2, 3])
        })(),
      )
      assert.ok(existsSync(join(dir, 'blobs', info.hash.slice(0, 2), info.hash)))
      assert.deepEqual(readdirSync(join(dir, 'blobs', 'tmp')), [])
      await store.close()
    })
  })
