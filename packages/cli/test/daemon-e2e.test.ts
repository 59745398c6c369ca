/**
 * Issue 5 end to end, with real processes on loopback: `sdmp init`, `sdmp start`, contacts by
 * invite, messages through the daemon's API and the `sdmp` command, receipts, offline delivery
 * through a host-only node, and a user who was never trusted.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import type { Message } from '@sdmp/client'
import { waitFor } from '@sdmp/testkit'
import {
  befriend,
  journalIds,
  newHome,
  newJoinedHome,
  sdmpJson,
  startDaemon,
  stopAllDaemons,
  waitConnected,
} from './daemon-proc.js'
import type { DaemonProc } from './daemon-proc.js'

const T = { timeout: 120_000 }
afterEach(stopAllDaemons)

async function inboxOf(d: DaemonProc, all = false): Promise<readonly Message[]> {
  return (await d.client.inbox({ all })).messages
}

async function waitMessage(d: DaemonProc, id: string): Promise<Message> {
  return waitFor(async () => (await inboxOf(d)).find((m) => m.id === id), {
    timeout: 30_000,
    what: `message ${id.slice(0, 8)} in ${d.home}`,
  })
}

describe('daemons on loopback', () => {
  it(
    'two users exchange messages both ways; replies thread; receipts; three recipients',
    T,
    async () => {
      const names = ['alice', 'bob', 'carol', 'dave']
      const homes = await Promise.all(names.map((n) => newHome(after, n)))
      const [a, b, c, d] = await Promise.all(homes.map((h) => startDaemon(h)))
      const user = await Promise.all(
        [a!, b!, c!, d!].map(async (x) => (await x.client.whoami()).user!),
      )
      await befriend(a!, 'alice', b!, 'bob')
      // Read receipts are off by default (issue 16): Bob sends them, so Alice sees read below.
      await b!.client.updateSettings({ readReceipts: true })
      await befriend(a!, 'alice', c!, 'carol')
      await befriend(a!, 'alice', d!, 'dave')
      await waitConnected(a!, user[1]!)
      await waitConnected(b!, user[0]!)

      // Alice -> Bob through the command line (it goes through Alice's daemon API).
      const sent = await sdmpJson(a!.home, ['send', 'bob', 'hello bob', '--subject', 'hi'])
      const got = await waitMessage(b!, sent.id)
      assert.equal(got.from, user[0])
      assert.deepEqual(got.to, [user[1]])
      assert.equal(got.subject, 'hi')
      assert.equal(got.body, 'hello bob')
      assert.equal(got.type, 'text')
      assert.equal(got.direction, 'in')
      assert.equal(got.conversation, sent.id)
      assert.equal(got.replyTo, null)

      // Bob's node sends a delivered receipt by itself; Alice's `show` lists who has it.
      await waitFor(
        async () => {
          const shown = await sdmpJson(a!.home, ['show', sent.id])
          return shown.message.state === 'delivered' && shown.message.receipts.length === 1
        },
        { timeout: 30_000, what: 'the delivered receipt at alice' },
      )

      // Bob replies: the reply threads into Alice's conversation.
      const reply = await b!.client.send({ to: ['alice'], body: 'hi alice', replyTo: sent.id })
      const r = await waitMessage(a!, reply.id)
      assert.equal(r.replyTo, sent.id)
      assert.equal(r.conversation, sent.id)
      assert.equal(r.from, user[1])

      // Bob reads Alice's message: Alice sees it read.
      await sdmpJson(b!.home, ['show', sent.id])
      await waitFor(
        async () => {
          const shown = await a!.client.show(sent.id)
          return 'message' in shown && shown.message.state === 'read'
        },
        { timeout: 30_000, what: 'the read receipt at alice' },
      )

      // Three recipients at once.
      await waitConnected(a!, user[2]!)
      await waitConnected(a!, user[3]!)
      const multi = await a!.client.send({ to: ['bob', 'carol', 'dave'], body: 'to all three' })
      for (const x of [b!, c!, d!]) {
        const m = await waitMessage(x, multi.id)
        assert.deepEqual([...m.to].sort(), [user[1], user[2], user[3]].sort())
        assert.equal(m.body, 'to all three')
      }
      const mine = (await inboxOf(a!, true)).find((m) => m.id === multi.id)
      assert.equal(mine?.direction, 'out')
      // Without --all, the inbox holds only what Alice received.
      assert.ok(!(await inboxOf(a!)).some((m) => m.id === multi.id))
    },
  )

  it('a host-only node gives offline delivery without being able to read', T, async () => {
    const laptopHome = await newHome(after, 'alice')
    const server = await newJoinedHome(after, 'server')
    const bobHome = await newHome(after, 'bob')
    const laptop = await startDaemon(laptopHome)
    await laptop.client.authorizeDevice({ request: server.request, hostOnly: true })
    const { invite: withServer } = await laptop.client.invite()
    await sdmpJson(server.home, ['device', 'join', withServer])
    const host = await startDaemon(server.home)
    const alice = (await laptop.client.whoami()).user!
    await waitConnected(host, alice)
    // The server's address record reaches the laptop, so the next invite carries it.
    const serverNode = (await host.client.whoami()).node
    await waitFor(async () => (await laptop.client.invite()).invite.length > withServer.length, {
      timeout: 20_000,
      what: 'the server address in the invite',
    })
    let bob = await startDaemon(bobHome)
    await befriend(laptop, 'alice', bob, 'bob')
    const bobUser = (await bob.client.whoami()).user!
    await waitConnected(bob, alice)
    await waitFor(
      async () =>
        (await bob.client.peers()).peers.some(
          (p) => p.node === serverNode && p.state === 'connected',
        ),
      { timeout: 30_000, what: 'bob connected to the host node' },
    )
    await bob.stop()

    const sent = await laptop.client.send({ to: ['bob'], body: 'while you were away' })
    const laptopIds = await journalIds(laptop)
    await waitFor(
      async () => {
        const hostIds = await journalIds(host)
        return [...laptopIds].every((id) => hostIds.has(id))
      },
      { timeout: 30_000, what: 'the host node to hold everything the laptop journaled' },
    )
    await laptop.stop()

    bob = await startDaemon(bobHome)
    const got = await waitMessage(bob, sent.id)
    assert.equal(got.body, 'while you were away')
    assert.equal(got.from, alice)
    assert.deepEqual(got.to, [bobUser])

    // The host stores the sealed message but cannot open it.
    assert.deepEqual(await inboxOf(host, true), [])
    await assert.rejects(host.client.show(sent.id), { code: 'NOT_FOUND' })
  })

  it('a user Alice never trusted cannot connect and receives nothing', T, async () => {
    const [aliceHome, malloryHome] = await Promise.all([
      newHome(after, 'alice'),
      newHome(after, 'mallory'),
    ])
    const alice = await startDaemon(aliceHome)
    const mallory = await startDaemon(malloryHome)
    const { invite } = await alice.client.invite()
    await mallory.client.addContact({ invite, name: 'alice' })
    const post = await alice.client.post({ body: 'for my contacts only' })
    // Mallory dials Alice's node (its address is in the invite) and is refused on trust.
    await waitFor(
      async () =>
        (await mallory.client.peers()).peers.some(
          (p) => p.state === 'backoff' && p.lastError !== null,
        ),
      { timeout: 30_000, what: "mallory's refusal" },
    )
    const peers = (await mallory.client.peers()).peers
    assert.ok(
      peers.every((p) => p.state !== 'connected'),
      JSON.stringify(peers),
    )
    await assert.rejects(mallory.client.show(post.id), { code: 'NOT_FOUND' })
    assert.ok(!(await journalIds(mallory)).has(post.id))
    assert.ok((await alice.client.peers()).peers.every((p) => p.state !== 'connected'))
  })
})
