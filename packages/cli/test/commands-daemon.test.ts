/**
 * Commands routed through a running daemon (`sdmp start`), with the real executable: while the
 * daemon holds the store lock, post, inbox, status, journal and whoami answer through its
 * client API (direct mode would fail with IN_USE, which the test shows by hiding daemon.json);
 * two daemons deliver a message with `sdmp sync --wait`. Stopping the daemon hands the home
 * back to direct mode.
 */
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { BIN } from './run-sdmp.js'
import { newUser, sdmpFails, sdmpJson } from './messaging-helpers.js'

interface Running {
  readonly pid: number
  readonly api: string
  readonly peer: string
  /** SIGTERM, then resolves with the exit code once the process has ended. */
  stop(): Promise<number | null>
}

/** `sdmp start --peer 127.0.0.1:PORT --api 127.0.0.1:0 --json` on `home`; its first JSON line. */
async function startDaemon(t: TestContext, home: string, peerPort = '0'): Promise<Running> {
  const listen = `127.0.0.1:${peerPort}`
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--peer', listen, '--api', '127.0.0.1:0', '--json', '--home', home],
    {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  let stdout = ''
  const first = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      const end = stdout.indexOf('\n')
      if (end >= 0) resolve(stdout.slice(0, end))
    })
    void closed.then((code) => reject(new Error(`sdmp start exited ${code}: ${stderr}`)))
  })
  const { api, peer } = JSON.parse(first) as { api: string; peer: string }
  let stopping: Promise<number | null> | undefined
  const stop = () => {
    if (stopping === undefined) {
      child.kill('SIGTERM')
      stopping = closed
    }
    return stopping
  }
  t.after(stop)
  return { pid: child.pid!, api, peer, stop }
}

describe('commands through a running daemon', () => {
  it('post, inbox, status, journal and whoami go through the API while it holds the store', async (t) => {
    const { home } = await newUser(tmpDir(t.after.bind(t)), 'Alice')
    const daemon = await startDaemon(t, home)
    assert.match(daemon.api, /^http:\/\/127\.0\.0\.1:\d+$/)

    const who = await sdmpJson(home, ['whoami'])
    assert.deepEqual(who['running'], { peer: daemon.peer, api: daemon.api, pid: daemon.pid })
    const status = await sdmpJson(home, ['status'])
    assert.equal(status['daemon']['pid'], daemon.pid, 'the status came from the daemon')
    const { id } = await sdmpJson(home, ['post', 'hello from the daemon'])
    assert.equal((await sdmpJson(home, ['show', id]))['post']['body'], 'hello from the daemon')
    assert.deepEqual((await sdmpJson(home, ['inbox', '--messages']))['messages'], [])
    const journal = (await sdmpJson(home, ['journal'])) as unknown as { line: string }[]
    assert.ok(journal.at(-1)!.line.endsWith(`/${id}`), 'the post ends the journal')

    // Without daemon.json the same command opens the store, which the daemon holds.
    const announce = join(home, 'daemon.json')
    renameSync(announce, `${announce}.hidden`)
    const locked = await sdmpFails(home, ['status'])
    assert.equal(locked.code, 75)
    assert.equal(locked.error, 'IN_USE')
    renameSync(`${announce}.hidden`, announce)

    assert.equal(await daemon.stop(), 0)
    assert.equal(existsSync(announce), false, 'daemon.json removed on stop')
    const after = await sdmpJson(home, ['status'])
    assert.equal(after['daemon'], undefined, 'direct mode again')
    assert.equal(after['counts']['resources'], status['counts']['resources'] + 1)
  })

  it('without a daemon, sync --wait delivers to a contact over a one-shot network', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    // Each first run publishes its node's peer address, so the invites carry it.
    const da0 = await startDaemon(t, alice.home)
    const db = await startDaemon(t, bob.home)
    const { invite: ia } = await sdmpJson(alice.home, ['invite'])
    const { invite: ib } = await sdmpJson(bob.home, ['invite'])
    await sdmpJson(bob.home, ['contact', 'add', ia])
    await sdmpJson(alice.home, ['contact', 'add', ib])
    await waitFor(
      async () =>
        ((await sdmpJson(alice.home, ['contact', 'list']))['contacts'] as { status: string }[])[0]
          ?.status === 'mutual',
      { timeout: 30_000, interval: 100, what: 'alice and bob mutual' },
    )
    assert.equal(await da0.stop(), 0)
    // Alice's node is not running: send seals and journals directly, sync dials Bob once.
    const { id } = await sdmpJson(alice.home, ['send', 'Bob', 'over the wire'])
    const synced = await sdmpJson(alice.home, ['sync', '--wait'])
    assert.equal(synced['synced'], true)
    const m = await waitFor(
      async () =>
        (
          (await sdmpJson(bob.home, ['inbox', '--messages']))['messages'] as Record<string, any>[]
        ).find((x) => x['id'] === id),
      { timeout: 30_000, interval: 200, what: 'the message in bob’s inbox' },
    )
    assert.equal(m['from'], alice.user)
    assert.equal(m['body'], 'over the wire')
    assert.equal(synced['peers'].length, 1, 'the one-shot network dialled bob')
    // Without a daemon, peers lists whom the node would dial, offline.
    const peers = (await sdmpJson(alice.home, ['peers']))['peers'] as {
      node: string
      state: string
      address: string
    }[]
    assert.deepEqual(
      peers.map((p) => [p.state, p.address]),
      [['offline', db.peer]],
    )
    assert.equal(await db.stop(), 0)
  })
})
