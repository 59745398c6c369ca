/**
 * One host node run as two real `sdmp start` processes over one PostgreSQL schema (docs/scale.md
 * "Instances as daemon processes", issue 17): `init --join --store` makes the host, `init
 * --attach` a second home of the same node, each daemon with its own ports, api.sock and
 * mailbox index. Alice's laptop is connected to instance 1, Bob to instance 2; a message
 * Alice's laptop hands to instance 1 is served to Bob by instance 2 after instance 1 was killed
 * with SIGKILL and the laptop stopped.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, afterEach, describe, it } from 'node:test'
import { createPgPool } from '@sdmp/store-postgres'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriend,
  journalIds,
  newHome,
  sdmpJson,
  startDaemon,
  stopAllDaemons,
  waitConnected,
} from './daemon-proc.js'
import type { DaemonProc } from './daemon-proc.js'
import { runSdmp } from './run-sdmp.js'

const PG_URL = process.env['PG_URL'] || undefined
const T = { timeout: 180_000 }
afterEach(stopAllDaemons)

const connectedTo = async (d: DaemonProc, node: string) =>
  (await d.client.peers()).peers.some((p) => p.node === node && p.state === 'connected')

describe('host instances as daemon processes', { skip: PG_URL ? false : 'PG_URL is unset' }, () => {
  const schema = `sdmp_test_${randomBytes(6).toString('hex')}`
  after(async () => {
    const admin = createPgPool({ url: PG_URL!, maxConnections: 1 })
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end()
  })

  it('init --store/--attach refuse bad input with usage errors', async () => {
    const home = join(tmpDir(after, 'sdmp-bad-'), 'home')
    for (const args of [
      ['--store', PG_URL!],
      ['--schema', 'x'],
      ['--store', 'postgres://u:secret@127.0.0.1/db', '--schema', 'x'],
      ['--store', 'http://127.0.0.1/db', '--schema', 'x'],
      ['--store', PG_URL!, '--schema', 'Bad Name'],
      ['--attach'],
      ['--store', PG_URL!, '--schema', 'x', '--attach', '--instance', 'UPPER'],
    ]) {
      const r = await runSdmp(['init', '--join', ...args, '--home', home, '--json'])
      assert.notEqual(r.code, 0, args.join(' '))
      assert.ok(!r.stderr.includes('u:secret'), 'the password is never echoed')
    }
    // Attaching to a schema that holds no node yet.
    const r = await runSdmp([
      'init',
      '--store',
      PG_URL!,
      '--schema',
      `${schema}_empty`,
      '--attach',
      '--home',
      home,
      '--json',
    ])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /holds no node/)
    const admin = createPgPool({ url: PG_URL!, maxConnections: 1 })
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}_empty" CASCADE`)
    await admin.end()
  })

  it(
    "users on different instances get each other's deliveries; a killed instance's lines are served by the other",
    T,
    async () => {
      const store = ['--store', PG_URL!, '--schema', schema]
      const home1 = join(tmpDir(after, 'sdmp-host1-'), 'home')
      const { request } = await sdmpJson(home1, ['init', '--join', '--name', 'server', ...store])
      const config1 = JSON.parse(readFileSync(join(home1, 'config.json'), 'utf8'))
      assert.deepEqual(config1.store, { kind: 'postgres', url: PG_URL, schema })

      const laptop = await startDaemon(await newHome(after, 'alice'))
      const alice = (await laptop.client.whoami()).user!
      await laptop.client.authorizeDevice({ request, hostOnly: true })
      const { invite } = await laptop.client.invite()
      await sdmpJson(home1, ['device', 'join', invite])

      // Instance 2: a second home of the same node, made from the shared store alone.
      const home2 = join(tmpDir(after, 'sdmp-host2-'), 'home')
      const attached = await sdmpJson(home2, ['init', ...store, '--attach', '--instance', 'two'])
      const hostNode = (await sdmpJson(home1, ['whoami'])).node
      // whoami without a daemon reads the profile from the home's own (PostgreSQL) store.
      assert.equal(existsSync(join(home1, 'store', 'store.db')), false, 'no SQLite store made')
      assert.equal(attached.node, hostNode)
      assert.equal(attached.instance, 'two')
      // A second init of the node itself on that schema is refused.
      const again = await runSdmp([
        'init',
        '--join',
        ...store,
        '--home',
        join(tmpDir(after, 'sdmp-host3-'), 'home'),
      ])
      assert.notEqual(again.code, 0)

      const i1 = await startDaemon(home1)
      await waitFor(() => connectedTo(laptop, hostNode), {
        timeout: 30_000,
        what: 'the laptop connected to instance 1',
      })
      const i2 = await startDaemon(home2)
      assert.equal((await i2.client.whoami()).user, alice)
      assert.notEqual(i1.peer, i2.peer)
      // The instance holding the dial lease (the first: it started first) publishes its
      // address; the laptop's invite carries it for Bob.
      await waitFor(async () => (await laptop.client.invite()).invite.length > invite.length, {
        timeout: 30_000,
        what: "the host's address in the laptop's invite",
      })
      const bobHome = await newHome(after, 'bob')
      let bob = await startDaemon(bobHome)
      await befriend(laptop, 'alice', bob, 'bob')
      const { user: bobUser, node: bobNode } = await bob.client.whoami()
      await waitFor(() => connectedTo(bob, hostNode), {
        timeout: 30_000,
        what: 'bob connected to the host node',
      })
      await waitFor(async () => (await connectedTo(i1, bobNode)) || connectedTo(i2, bobNode), {
        timeout: 30_000,
        what: 'an instance connected to bob',
      })
      await waitConnected(bob, alice)
      // One instance dials (the dial lease, docs/scale.md §8); the other only accepts.
      const dials = async (d: DaemonProc) =>
        (await d.client.peers()).peers.some((p) => p.direction !== 'inbound')
      assert.deepEqual([await dials(i1), await dials(i2)], [true, false])

      const first = await laptop.client.send({ to: ['bob'], body: 'through the host' })
      await waitFor(
        async () => (await bob.client.inbox()).messages.some((m) => m.id === first.id),
        {
          timeout: 30_000,
          what: 'the first message at bob',
        },
      )

      // Bob offline: the laptop hands the next message to the instance it is connected to
      // (which one depends on who dialled whom: sessions are one per node), and the other
      // instance sees the line at once through the shared store.
      await bob.stop()
      const laptopNode = (await laptop.client.whoami()).node
      const held = await waitFor(
        async (): Promise<DaemonProc | undefined> =>
          (await connectedTo(i1, laptopNode))
            ? i1
            : (await connectedTo(i2, laptopNode))
              ? i2
              : undefined,
        { timeout: 30_000, what: 'an instance connected to the laptop' },
      )
      const other = held === i1 ? i2 : i1
      const sent = await laptop.client.send({ to: ['bob'], body: 'while you were away' })
      // The laptop's journal (the sealed message among it) reaches the instance it is
      // connected to, and the other instance sees the same lines through the shared store.
      const laptopIds = await journalIds(laptop)
      for (const [d, what] of [
        [held, 'the instance the laptop is connected to'],
        [other, 'the other instance'],
      ] as const)
        await waitFor(
          async () => {
            const ids = await journalIds(d)
            return [...laptopIds].every((id) => ids.has(id))
          },
          { timeout: 30_000, what: `${what} to hold everything the laptop journaled` },
        )
      await laptop.stop()
      await held.kill()
      // What the killed instance acknowledged stays served by the other one.
      const served = await journalIds(other)
      assert.ok([...laptopIds].every((id) => served.has(id)))
      assert.ok(sent.id)
      assert.equal((await other.client.whoami()).node, hostNode)
      assert.deepEqual((await other.client.inbox({ all: true })).messages, [], 'sealed, unread')
      // Killed with the lease or not, the survivor holds it now and dials.
      await waitFor(() => dials(other), { timeout: 30_000, what: 'the survivor dials' })
      assert.ok(bobUser)
    },
  )
})
