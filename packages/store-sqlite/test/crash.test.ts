/**
 * Durability under kill -9 (issue 3): a child ingests and acknowledges resources, the test
 * kills it at random moments, reopens the home and checks every acknowledged resource is there
 * with its bytes (and every deferred local record put before an acknowledged put), the journal chain verifies and nothing half-written is visible. Also: a second
 * process opening a held home gets IN_USE, and the lock dies with its holder.
 * @module
 */
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { verifyJournal, isProtocolError } from '@sdmp/core'
import { seedFromEnv, tmpDir, waitFor } from '@sdmp/testkit'
import type { Store } from '@sdmp/store'
import { SqliteStore } from '../src/sqlite-store.js'
import { checkKeyTables } from './fixtures/key-tables.js'
import { CRASH_FP, crashItem, sha512 } from './fixtures/crash-items.js'

const CHILD = fileURLToPath(new URL('./fixtures/ingest-child.js', import.meta.url))
const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')

/** A spawned child with its stdout split into complete lines. */
function startChild(
  dir: string,
  mode: string,
  wal: 'reserve' | 'default' = 'default',
): { child: ChildProcess; lines: string[]; exited: Promise<void> } {
  const child = spawn(process.execPath, [CHILD, dir, mode, wal], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let partial = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
  })
  let stderr = ''
  child.stderr!.on('data', (c) => (stderr += c))
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      if (stderr) process.stderr.write(`child stderr: ${stderr}\n`)
      resolve()
    }),
  )
  return { child, lines, exited }
}

/** mulberry32: a small seeded PRNG so a failing run can be replayed with SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Verify the whole home: chain, one line per resource, and every acknowledged item intact. */
async function checkHome(
  store: Store,
  acked: Map<string, Uint8Array>,
  held: Map<string, number>,
  what: string,
): Promise<void> {
  const lines = (await store.readJournal(0, 1e9)).map((r) => r.line)
  const v = verifyJournal(lines, sha512)
  assert.ok(v.ok, `${what}: journal does not verify at line ${v.badLine}: ${v.reason}`)
  assert.equal(lines[0], CRASH_FP)
  const ids = lines.slice(1).map((l) => l.slice(l.lastIndexOf('/') + 1))
  assert.equal(new Set(ids).size, ids.length, `${what}: a resource has two lines`)
  assert.equal(await store.countResources(), ids.length, `${what}: resources != lines`)
  assert.equal((await store.queryResources({})).length, ids.length, `${what}: query count`)
  assert.ok((await store.hasResources(ids)).every(Boolean), `${what}: line without resource`)
  for (const [id, bytes] of acked) {
    const got = await store.getResource(id)
    assert.ok(got, `${what}: acknowledged resource ${id.slice(0, 12)} is missing`)
    assert.deepEqual(got, bytes, `${what}: bytes of ${id.slice(0, 12)} differ`)
  }
  for (const [key, value] of held) {
    const got = await store.getLocal('held', key)
    assert.deepEqual(got, new Uint8Array([value]), `${what}: deferred record ${key} is missing`)
  }
}

/**
 * `rounds` children, each kill -9'd after a random number of acknowledgements; after each, the
 * home reopened holds everything acknowledged so far (see checkHome).
 */
async function killRounds(t: TestContext, rounds: number, wal: 'reserve' | 'default') {
  const seed = seedFromEnv()
  t.diagnostic(`crash seed ${seed} (replay with SEED=${seed})`)
  const random = prng(seed)
  const dir = tmpDir(t.after.bind(t), 'sdmp-crash-')
  const acked = new Map<string, Uint8Array>()
  // Deferred local records whose following put was acknowledged: key -> value byte.
  const held = new Map<string, number>()
  for (let round = 0; round < rounds; round++) {
    const what = `seed ${seed} round ${round}`
    const { child, lines, exited } = startChild(dir, String(round), wal)
    const target = 1 + Math.floor(random() ** 2 * 600)
    await waitFor(
      () =>
        lines.filter((l) => l.startsWith('ack ')).length >= target ||
        lines.some((l) => l.startsWith('error')),
      {
        timeout: 60_000,
        interval: 1,
        what: `${what}: ${target} acks`,
      },
    )
    child.kill('SIGKILL')
    await exited
    assert.ok(
      !lines.some((l) => l.startsWith('error')),
      `${what}: child failed: ${lines.join(' | ')}`,
    )
    for (const line of lines) {
      if (line.startsWith('held ')) {
        const i = Number(line.slice(5))
        held.set(`${round}:${i}`, i & 255)
      }
      if (!line.startsWith('ack ')) continue
      const item = crashItem(round, Number(line.slice(4)))
      acked.set(item.id, item.bytes)
    }
    // Recovery after the kill happens here, with the child's WAL (and its reserve) on disk.
    const store = new SqliteStore({
      dir,
      sha512,
      ...(wal === 'reserve' && { reserveWal: true, walAutocheckpointPages: 64 }),
    })
    await store.open()
    try {
      await checkHome(store, acked, held, what)
    } finally {
      await store.close()
    }
    checkKeyTables(dir, what)
  }
  assert.ok(acked.size >= rounds, `only ${acked.size} acknowledgements over ${rounds} rounds`)
  assert.ok(held.size > 0, 'no deferred record was acknowledged')
}

// Runs when STORES is unset or names sqlite (scripts/run-tests.mjs prints the set).
if (enabled)
  describe('sqlite crash safety', () => {
    it('sqlite: every acknowledged resource survives kill -9 at random moments', (t) =>
      killRounds(t, 20, 'default'))

    it('sqlite: and so with the WAL reserved at open and wrapping every few commits', (t) =>
      killRounds(t, 10, 'reserve'))

    it('sqlite: a second process opening a held home gets IN_USE until the holder dies', async (t) => {
      const dir = tmpDir(t.after.bind(t), 'sdmp-lock-')
      const holder = startChild(dir, 'hold')
      await waitFor(() => holder.lines.includes('ready'), { timeout: 30_000, what: 'holder ready' })
      // In this process.
      const store = new SqliteStore({ dir, sha512 })
      await assert.rejects(store.open(), (e: unknown) => {
        assert.ok(isProtocolError(e, 'IN_USE'), String(e))
        assert.equal(e.message, `store in use by another process (pid ${holder.child.pid})`)
        return true
      })
      // In a second child process.
      const second = startChild(dir, 'hold')
      await second.exited
      assert.equal(second.child.exitCode, 2)
      assert.ok(
        second.lines.includes(
          `error IN_USE store in use by another process (pid ${holder.child.pid})`,
        ),
        second.lines.join(' | '),
      )
      // kill -9 releases the lock (the kernel drops SQLite's lock); the stale lock file does not block.
      holder.child.kill('SIGKILL')
      await holder.exited
      await store.open()
      assert.equal((await store.journalHead())!.line, CRASH_FP)
      await store.close()
    })
  })
