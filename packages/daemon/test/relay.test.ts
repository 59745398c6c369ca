/**
 * Relays (issue 17, docs/protocol/relays.md): Alice's laptop never listens (behind NAT) and stays
 * registered on her host's relay; Bob, who can only dial, reaches the laptop through the relay,
 * and messages flow both ways. The relay forwards only channel frames. A laptop that also
 * listens is dialled directly. Hostile relay requests get coded refusals.
 * @module
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  createAccount,
  inboxHas,
  startDaemon,
  stopDaemons,
  waitPeer,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { openWebSocket } from '@sdmp/transport'
import type { DaemonOptions } from '../src/daemon/index.js'
import { wsRefusal } from './one-port-helpers.js'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }

/**
 * Wait until `d` holds a prekey of each of `users`. Connected is not synced: a send made the
 * moment a contact's node is listed as connected can find no prekey of theirs yet, and is then
 * refused with "sync first" (docs/load.md §5 twelfth pass).
 */
async function holdsPrekeys(d: TestDaemon, users: readonly string[], what: string) {
  await waitFor(
    async () => {
      const prekeys = await d.daemon.account.store.queryResources({ kinds: ['prekey'], limit: 100 })
      return users.every((u) => prekeys.some((m) => m.user === u))
    },
    { ...WAIT, what },
  )
}

/** The host's relay, as the laptop is told: its one-port peer address with its fingerprint. */
async function relayOf(host: TestDaemon): Promise<string> {
  const api = new URL(host.daemon.apiUrl!)
  return `ws://127.0.0.1:${api.port}/v1/peer#${(await host.api.whoami()).node}`
}

/**
 * Alice (her host), her laptop (joined, started with `laptop` options) and Bob, who publishes
 * an address nobody listens on: every connection to him is his own dial.
 */
async function world(dir: string, laptopOptions: (relay: string) => Partial<DaemonOptions>) {
  const seen: Uint8Array[] = []
  const host = await startDaemon(await createAccount(dir, 'alice'), {
    relayOptions: { tap: (chunk) => seen.push(chunk.slice()) },
  })
  const bob = await startDaemon(await createAccount(dir, 'bob'), { advertise: ['127.0.0.1:1'] })
  await host.api.addContact({ invite: (await bob.api.invite()).invite, name: 'bob' })
  await bob.api.addContact({ invite: (await host.api.invite()).invite, name: 'alice' })
  const laptopAccount = await createAccount(dir, 'laptop', true)
  await host.api.authorizeDevice({ request: await laptopAccount.joinRequest() })
  const laptop = await startDaemon(laptopAccount, laptopOptions(await relayOf(host)))
  await laptop.api.join({ invite: (await host.api.invite()).invite })
  const laptopNode = (await laptop.api.whoami()).node
  return { host, bob, laptop, laptopNode, seen }
}

describe('relays', () => {
  it('a laptop that never listens is reached through its host; messages both ways', async () => {
    const dir = tmpDir(after, 'sdmp-relay-')
    const w = await world(dir, (relay) => ({ listen: false, relays: [relay] }))
    const { host, bob, laptop, laptopNode } = w
    // The laptop accepts nothing: no TCP listener, no peer path on its API port.
    assert.equal(laptop.daemon.network!.manager.tcpAddress, undefined)
    assert.equal(
      await wsRefusal(`ws://127.0.0.1:${new URL(laptop.daemon.apiUrl!).port}/v1/peer`),
      404,
    )
    // Its record holds only the relay address, under the host's API port.
    const relayed = `ws://127.0.0.1:${new URL(host.daemon.apiUrl!).port}/v1/relay/${laptopNode}`
    assert.deepEqual(laptop.daemon.network!.manager.relayAddresses, [relayed])
    await waitPeer(bob.api, (p) => p.node === laptopNode && p.address === relayed, {
      ...WAIT,
      what: 'bob connected to the laptop through the relay',
    })
    assert.ok(host.daemon.relay!.stats.joined >= 1, 'the relay joined a splice')

    const secret = 'bob to the laptop, never readable by the relay'
    const toAlice = await bob.api.send({ to: ['alice'], body: secret })
    await inboxHas(laptop, toAlice.id, 'the laptop to get bob’s message')
    const bobUser = (await bob.api.whoami()).user!
    const reply = await laptop.api.send({ to: [bobUser], body: 'the laptop answers' })
    await inboxHas(bob, reply.id, 'bob to get the laptop’s reply')

    // The relay forwarded channel frames only: no plaintext of the sync between bob and the
    // laptop (resource ids and user fingerprints travel in clear inside the channel).
    const relayedBytes = Buffer.concat(w.seen)
    assert.ok(relayedBytes.length > 2500, 'the handshake went through the relay')
    for (const clear of [secret, toAlice.id, reply.id, bobUser, laptopNode])
      assert.equal(relayedBytes.indexOf(Buffer.from(clear)), -1, `relay saw ${clear.slice(0, 12)}`)
    assert.equal(relayedBytes.readUInt32BE(0), 1233, 'the first bytes are handshake message 1')
  })

  it('relayed peers are not capped as connections from one address (the relay’s)', async () => {
    const dir = tmpDir(after, 'sdmp-relay-cap-')
    // One connection per source address: every spliced peer comes from the relay's address.
    const w = await world(dir, (relay) => ({
      listen: false,
      relays: [relay],
      transportLimits: { maxConnectionsPerAddress: 1, maxHandshakesPerAddress: 1 },
    }))
    const { host, bob, laptop, laptopNode } = w
    const carol = await startDaemon(await createAccount(dir, 'carol'), {
      advertise: ['127.0.0.1:1'],
    })
    await host.api.addContact({ invite: (await carol.api.invite()).invite, name: 'carol' })
    await carol.api.addContact({ invite: (await host.api.invite()).invite, name: 'alice' })
    const relayed = laptop.daemon.network!.manager.relayAddresses[0]!
    for (const [who, d] of [
      ['bob', bob],
      ['carol', carol],
    ] as const)
      await waitPeer(d.api, (p) => p.node === laptopNode && p.address === relayed, {
        ...WAIT,
        what: `${who} connected to the laptop through the relay`,
      })
    const spliced = laptop.daemon.network!.manager.splicedAdmission!
    assert.equal(spliced.droppedBy.connections_per_address, 0)
    const carolUser = (await carol.api.whoami()).user!
    const bobUser = (await bob.api.whoami()).user!
    await holdsPrekeys(laptop, [bobUser, carolUser], 'the laptop to hold the prekeys of both')
    const hello = await laptop.api.send({ to: [bobUser, carolUser], body: 'both of you' })
    await inboxHas(bob, hello.id, 'bob to get the laptop’s message')
    await inboxHas(carol, hello.id, 'carol to get the laptop’s message')
  })

  it('a node that lists a reachable address is dialled directly, not through its relay', async () => {
    const dir = tmpDir(after, 'sdmp-relay-direct-')
    const w = await world(dir, (relay) => ({ relays: [relay] }))
    const { host, bob, laptop, laptopNode } = w
    const direct = laptop.daemon.network!.listenAddress!
    await waitFor(() => host.daemon.relay!.isRegistered(laptopNode), {
      ...WAIT,
      what: 'the laptop registered on the relay',
    })
    await waitPeer(bob.api, (p) => p.node === laptopNode && p.address === direct, {
      ...WAIT,
      what: 'bob connected to the laptop directly',
    })
    const bobUser = (await bob.api.whoami()).user!
    const hello = await laptop.api.send({ to: [bobUser], body: 'direct' })
    await inboxHas(bob, hello.id, 'bob to get the laptop’s message')
    assert.equal(host.daemon.relay!.stats.joined, 0, 'no splice: the direct address won')
  })

  it('refuses hostile relay requests with coded errors; the host stays up', async () => {
    const dir = tmpDir(after, 'sdmp-relay-hostile-')
    const host = await startDaemon(await createAccount(dir, 'alice'))
    const base = `ws://127.0.0.1:${new URL(host.daemon.apiUrl!).port}/v1/relay`
    const hostNode = (await host.api.whoami()).node
    // Bob is Alice's contact: his node passes the peer gate, but it is not one of Alice's nodes,
    // so her relay refuses to register it.
    const bobAccount = await createAccount(dir, 'bob')
    const bob = await startDaemon(bobAccount, {
      relays: [`${base.replace('/v1/relay', '/v1/peer')}#${hostNode}`],
    })
    await host.api.addContact({ invite: (await bob.api.invite()).invite, name: 'bob' })
    await bob.api.addContact({ invite: (await host.api.invite()).invite, name: 'alice' })
    await waitFor(() => bob.daemon.network!.manager.relayStatus()[0]!.lastError === 'forbidden', {
      ...WAIT,
      what: 'the relay to refuse a node of another user',
    })
    assert.equal(host.daemon.relay!.stats.registered, 0)
    assert.ok((host.daemon.relay!.stats.refused['control_handshake'] ?? 0) >= 1)
    // A node nobody registered: NOT_FOUND with the coded body, before any upgrade.
    const bobNode = (await bob.api.whoami()).node
    await assert.rejects(
      openWebSocket(`${base}/${bobNode}`),
      (e) => isProtocolError(e, ErrorCode.NOT_FOUND) && /target not connected/.test(e.message),
    )
    // Malformed paths, unknown splice ids, browsers.
    assert.equal(await wsRefusal(`${base}/not%20a%20fingerprint`), 404)
    assert.equal(await wsRefusal(`${base}/accept/short`), 404)
    assert.equal(await wsRefusal(base, { Origin: 'https://evil.example' }), 403)
    const unknown = await openWebSocket(`${base}/accept/AAAAAAAAAAAAAAAAAAAAAA`)
    await new Promise<void>((resolve) =>
      unknown.attach({ data: () => {}, end: resolve, error: () => {}, drain: () => {} }),
    )
    assert.equal(host.daemon.relay!.stats.refused['unknown_splice'], 1)
    // Garbage on the control path fails its handshake and registers nothing.
    const garbage = await openWebSocket(base)
    const ended = new Promise<void>((resolve) =>
      garbage.attach({ data: () => {}, end: resolve, error: () => {}, drain: () => {} }),
    )
    garbage.write(new Uint8Array(64).fill(0xff))
    await ended
    assert.equal(host.daemon.relay!.stats.registered, 0)
    assert.equal((await host.api.whoami()).node, hostNode, 'the host still answers')
  })
})
