/**
 * `sdmp host` as real processes over one PostgreSQL database (docs/scale.md "A host for many
 * users", docs/cli.md "sdmp host"): help and coded usage errors, init/add-user/list/remove-user
 * with --json, and two `sdmp host start` processes (instances) of one host home serving two
 * unrelated users, Alice and Bob, each with a contact of their own who delivers while the user
 * is offline. Each user gets their own message back; the host stores nothing of one user's
 * world in the other's schema; an unknown node is refused before the upgrade.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { after, afterEach, describe, it } from 'node:test'
import { createPgPool } from '@sdmp/store-postgres'
import { TEST_LOG_DIR_ENV, tmpDir, waitFor } from '@sdmp/testkit'
import { befriend, newHome, sdmpJson, startDaemon, stopAllDaemons } from './daemon-proc.js'
import type { DaemonProc } from './daemon-proc.js'
import { BIN, linesOf, runSdmp } from './run-sdmp.js'

const PG_URL = process.env['PG_URL'] || undefined
const T = { timeout: 240_000 }

/** A running `sdmp host start`. */
interface HostProc {
  readonly url: string
  readonly users: { name: string; node: string; user: string; address: string }[]
  stop(): Promise<number | null>
}
const hosts = new Set<HostProc>()
afterEach(async () => {
  await Promise.all([...hosts].map((h) => h.stop()))
  await stopAllDaemons()
})

async function startHost(home: string, extra: readonly string[] = []): Promise<HostProc> {
  const proc = spawn(
    process.execPath,
    [BIN, 'host', 'start', '--home', home, '--listen', '127.0.0.1:0', '--json', ...extra],
    { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' } },
  )
  let out = ''
  let err = ''
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  // Its stderr joins the run's logs, which run-tests.mjs scans for secrets.
  const logDir = process.env[TEST_LOG_DIR_ENV]
  if (logDir && proc.pid !== undefined) {
    const log = createWriteStream(join(logDir, `host-${proc.pid}.log`))
    proc.stderr.on('data', (d: string) => log.write(d))
    proc.stderr.on('end', () => log.end())
  }
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)))
  const first = await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`sdmp host start exited: ${err}`)
      return out.includes('\n') ? JSON.parse(out.split('\n')[0]!) : undefined
    },
    { timeout: 60_000, what: 'the host to start' },
  )
  const h: HostProc = {
    url: first.url,
    users: first.users,
    async stop() {
      if (!hosts.delete(h)) return proc.exitCode
      proc.kill('SIGTERM')
      return exited
    },
  }
  hosts.add(h)
  return h
}

/** An upgrade request to `path`: the status and body it is answered with. */
function upgrade(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    })
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('upgrade', (_r, socket) => {
      socket.destroy()
      reject(new Error('upgraded'))
    })
    req.on('error', reject)
    req.end()
  })
}

const connectedTo = async (d: DaemonProc, node: string) =>
  (await d.client.peers()).peers.some((p) => p.node === node && p.state === 'connected')

describe('sdmp host', () => {
  it('has help for every subcommand and refuses bad input with codes', async () => {
    for (const sub of ['', 'init', 'add-user', 'list', 'remove-user', 'start']) {
      const r = await runSdmp(['host', ...(sub ? [sub] : []), '--help'])
      assert.equal(r.code, 0, sub)
      assert.match(r.stdout, /host/)
    }
    const home = join(tmpDir(after, 'sdmp-host-bad-'), 'home')
    for (const args of [
      ['init'],
      ['init', '--store', 'postgres://u:secret@127.0.0.1/db'],
      ['init', '--store', 'http://127.0.0.1/db'],
      ['init', '--store', 'postgres://u@127.0.0.1/db', '--domain', 'not a domain'],
      ['init', '--store', 'postgres://u@127.0.0.1/db', '--quota-bytes', '-1'],
      ['init', '--store', 'postgres://u@127.0.0.1/db', '--schema-prefix', 'Bad'],
    ]) {
      const r = await runSdmp(['host', ...args, '--home', home, '--json'])
      assert.notEqual(r.code, 0, args.join(' '))
      assert.ok(JSON.parse(linesOf(r.stderr).at(-1)!).error.code, r.stderr)
      assert.ok(!r.stderr.includes('u:secret'), 'the password is never echoed')
    }
    // No host home there yet.
    const r = await runSdmp(['host', 'list', '--home', home, '--json'])
    assert.equal(r.code, 66)
    assert.equal(JSON.parse(linesOf(r.stderr).at(-1)!).error.code, 'NOT_FOUND')
  })

  it(
    'two host processes serve two unrelated users, each with a contact delivering offline',
    { ...T, skip: PG_URL ? false : 'PG_URL is unset' },
    async () => {
      const prefix = `hc${randomBytes(5).toString('hex')}_`
      const admin = createPgPool({ url: PG_URL!, maxConnections: 2 })
      after(async () => {
        for (const n of ['alice', 'bob', 'gone'])
          await admin.query(`DROP SCHEMA IF EXISTS "${prefix}${n}" CASCADE`)
        await admin.end()
      })
      const sealedBy = async (name: string, user: string): Promise<number> => {
        const sql = `SELECT count(*) AS n FROM "${prefix}${name}".resources WHERE kind = 'encrypted' AND user_fp = $1`
        return Number(((await admin.query(sql, [user])).rows[0] as { n: string }).n)
      }
      const authors = async (name: string, users: string[]): Promise<readonly unknown[]> => {
        const sql = `SELECT id FROM "${prefix}${name}".resources WHERE user_fp = ANY($1::text[])`
        return (await admin.query(sql, [users])).rows
      }
      const home = join(tmpDir(after, 'sdmp-host-'), 'host')
      const init = await sdmpJson(home, [
        'host',
        'init',
        '--store',
        PG_URL!,
        '--schema-prefix',
        prefix,
        '--domain',
        'example.test',
      ])
      assert.equal(init.domain, 'example.test')
      assert.equal(init.store, undefined, 'the URL is not echoed')
      assert.deepEqual((await sdmpJson(home, ['host', 'list'])).users, [])

      const laptop = await startDaemon(await newHome(after, 'alice'))
      const phone = await startDaemon(await newHome(after, 'bob'))
      const nodes: Record<string, string> = {}
      for (const [name, device] of [
        ['alice', laptop],
        ['bob', phone],
      ] as const) {
        const made = await sdmpJson(home, ['host', 'add-user', '--name', name])
        assert.equal(made.name, name)
        await device.client.authorizeDevice({ request: made.request, hostOnly: true })
        const { invite } = await device.client.invite()
        const joined = await sdmpJson(home, ['host', 'add-user', invite])
        assert.deepEqual([joined.name, joined.node], [name, made.node])
        nodes[name] = made.node
      }
      const gone = await sdmpJson(home, ['host', 'add-user', '--name', 'gone'])
      const dup = await runSdmp(['host', 'add-user', '--name', 'gone', '--home', home, '--json'])
      assert.equal(JSON.parse(linesOf(dup.stderr).at(-1)!).error.code, 'CONFLICT')
      assert.equal((await sdmpJson(home, ['host', 'remove-user', gone.node])).name, 'gone')
      const listed = (await sdmpJson(home, ['host', 'list'])).users
      assert.deepEqual(
        listed.map((u: { name: string; node: string }) => [u.name, u.node]),
        [
          ['alice', nodes['alice']],
          ['bob', nodes['bob']],
        ],
      )

      // Two instances of the host, as two processes over the same database.
      const one = await startHost(home)
      const two = await startHost(home, ['--instance', 'two'])
      for (const h of [one, two])
        assert.deepEqual(
          h.users.map((u) => [u.name, u.address]),
          [
            ['alice', `ws://127.0.0.1:${new URL(h.url).port}/v1/peer/${nodes['alice']}`],
            ['bob', `ws://127.0.0.1:${new URL(h.url).port}/v1/peer/${nodes['bob']}`],
          ],
        )
      const again = await runSdmp([
        'host',
        'start',
        '--home',
        home,
        '--listen',
        '127.0.0.1:0',
        '--json',
      ])
      assert.equal(JSON.parse(linesOf(again.stderr).at(-1)!).error.code, 'IN_USE')
      const unknown = await upgrade(one.url, `/v1/peer/${'A'.repeat(43)}`)
      assert.equal(unknown.status, 404)
      assert.equal(JSON.parse(unknown.body).error.code, 'NOT_FOUND')

      await waitFor(() => connectedTo(laptop, nodes['alice']!), {
        timeout: 60_000,
        what: 'alice connected to her host node',
      })
      await waitFor(() => connectedTo(phone, nodes['bob']!), {
        timeout: 60_000,
        what: 'bob connected to his host node',
      })
      // The contacts never listen: they dial the host, so no instance dials them (both
      // instances are the same node, and a peer keeps one session per node).
      const carol = await startDaemon(await newHome(after, 'carol'), ['--no-listen'])
      const dave = await startDaemon(await newHome(after, 'dave'), ['--no-listen'])
      await befriend(laptop, 'alice', carol, 'carol')
      await befriend(phone, 'bob', dave, 'dave')
      await waitFor(() => connectedTo(carol, nodes['alice']!), {
        timeout: 60_000,
        what: "carol connected to alice's host node",
      })
      await waitFor(() => connectedTo(dave, nodes['bob']!), {
        timeout: 60_000,
        what: "dave connected to bob's host node",
      })

      // The users go offline; their contacts write; the host keeps each message.
      const aliceUser = (await laptop.client.whoami()).user!
      const bobUser = (await phone.client.whoami()).user!
      await laptop.stop()
      await phone.stop()
      const toAlice = await carol.client.send({ to: ['alice'], body: 'for alice' })
      const toBob = await dave.client.send({ to: ['bob'], body: 'for bob' })
      const users = {
        alice: aliceUser,
        bob: bobUser,
        carol: (await carol.client.whoami()).user!,
        dave: (await dave.client.whoami()).user!,
      }
      for (const [name, from] of [
        ['alice', users.carol],
        ['bob', users.dave],
      ] as const)
        await waitFor(async () => (await sealedBy(name, from)) > 0, {
          timeout: 60_000,
          what: `${name}'s host node to hold the contact's message`,
        })
      await carol.stop()
      await dave.stop()
      // Nothing of Bob's world in Alice's schema, nothing of Alice's in Bob's.
      assert.deepEqual(await authors('alice', [users.bob, users.dave]), [])
      assert.deepEqual(await authors('bob', [users.alice, users.carol]), [])

      // Back online: each gets their own message from the host (whichever instance).
      const laptop2 = await startDaemon(laptop.home, ['--no-listen'])
      const phone2 = await startDaemon(phone.home, ['--no-listen'])
      for (const [d, id, what] of [
        [laptop2, toAlice.id, 'alice'],
        [phone2, toBob.id, 'bob'],
      ] as const)
        await waitFor(async () => (await d.client.inbox()).messages.some((m) => m.id === id), {
          timeout: 60_000,
          what: `the message at ${what}`,
        })
      const aliceInbox = (await laptop2.client.inbox()).messages.map((m) => m.id)
      assert.ok(!aliceInbox.includes(toBob.id))

      const withUsage = (await sdmpJson(home, ['host', 'list'])).users
      for (const u of withUsage) assert.ok(u.resources > 0 && u.bytes > 0, u.name)
      assert.equal(await one.stop(), 0)
      assert.equal(await two.stop(), 0)
    },
  )
})
