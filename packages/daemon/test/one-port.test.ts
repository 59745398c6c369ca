/**
 * One port (issue 17, docs/daemon.md "One port"): a daemon without a peer listener of its own
 * takes peers as WebSocket upgrades on its API port at /v1/peer; a contact reaches it there,
 * directly or through a reverse proxy on another port and path, and messages flow both ways.
 * Hostile WebSocket clients get a coded close and the daemon stays up.
 * @module
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { startHttpProxy, tmpDir, waitFor } from '@sdmp/testkit'
import {
  createAccount,
  inboxHas,
  startDaemon,
  stopDaemons,
  waitPeer,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'
import type { IncomingMessage } from 'node:http'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { readApiToken } from '../src/index.js'
import { clientAddress } from '../src/api/index.js'
import { publicPeerAddress } from '../src/daemon/index.js'
import type { DaemonOptions } from '../src/daemon/index.js'
import { wsClose, wsOpen, wsRefusal } from './one-port-helpers.js'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }

async function start(dir: string, name: string, extra: Partial<DaemonOptions> = {}) {
  return startDaemon(await createAccount(dir, name), extra)
}

/** Befriend, then one message each way; bob can only reach alice (alice cannot dial bob). */
async function talk(alice: TestDaemon, bob: TestDaemon, aliceAddress: string): Promise<void> {
  await alice.api.addContact({ invite: (await bob.api.invite()).invite, name: 'bob' })
  await bob.api.addContact({ invite: (await alice.api.invite()).invite, name: 'alice' })
  await waitPeer(bob.api, (p) => p.address === aliceAddress, {
    ...WAIT,
    what: `bob connected to alice at ${aliceAddress}`,
  })
  const toBob = await alice.api.send({ to: ['bob'], body: 'over one port' })
  await inboxHas(bob, toBob.id, 'bob to get alice’s message')
  const toAlice = await bob.api.send({ to: ['alice'], body: 'and back' })
  await inboxHas(alice, toAlice.id, 'alice to get bob’s message')
}

describe('one port: peers on the API port', () => {
  it('a daemon with --one-port is reached at ws://API/v1/peer; messages both ways', async () => {
    const dir = tmpDir(after, 'sdmp-oneport-')
    const alice = await start(dir, 'alice', { peer: null })
    const address = alice.daemon.peerAddress!
    const api = new URL(alice.daemon.apiUrl!)
    assert.equal(address, `ws://127.0.0.1:${api.port}/v1/peer`)
    // Bob publishes an address nobody listens on: the only connection is bob's to alice's API port.
    const bob = await start(dir, 'bob', { advertise: ['127.0.0.1:1'] })
    await talk(alice, bob, address)
    const admission = alice.daemon.network!.manager.externalAdmission!
    assert.equal(admission.dropped, 0)
    assert.equal(alice.daemon.network!.manager.tcpAddress, undefined, 'no TCP listener')
  })

  it('works behind a reverse proxy on another port and path (--public-url)', async () => {
    const dir = tmpDir(after, 'sdmp-oneport-proxy-')
    let target: URL | undefined
    const proxy = await startHttpProxy('/sdmp', () => target!)
    after(() => proxy.close())
    const alice = await start(dir, 'alice', {
      peer: null,
      publicUrl: `http://127.0.0.1:${proxy.port}/sdmp/`,
    })
    target = new URL(alice.daemon.apiUrl!)
    const published = `ws://127.0.0.1:${proxy.port}/sdmp/v1/peer`
    assert.equal(alice.daemon.peerAddress, published)
    // The API answers through the proxy too: one port serves everything.
    const status = await fetch(`http://127.0.0.1:${proxy.port}/sdmp/v1/status`, {
      headers: { authorization: `Bearer ${readApiToken(alice.home)}` },
    })
    assert.equal(status.status, 200)
    await status.arrayBuffer()
    const bob = await start(dir, 'bob', { advertise: ['127.0.0.1:1'] })
    await talk(alice, bob, published)
    assert.ok(proxy.upgrades() >= 1, 'the peer channel went through the proxy')
  })
})

describe('one port: hostile WebSocket clients', () => {
  it('garbage, text, oversized frames, browsers and floods are refused; the daemon stays up', async () => {
    const dir = tmpDir(after, 'sdmp-oneport-hostile-')
    const alice = await start(dir, 'alice', {
      peer: null,
      // Two connections per address, and handshakes that would wait long enough to be counted.
      transportLimits: { maxConnectionsPerAddress: 2, handshakeTimeoutMs: 60_000 },
    })
    const url = `ws://127.0.0.1:${new URL(alice.daemon.apiUrl!).port}/v1/peer`
    // A frame prefix far above the handshake limit: refused at once, 1008.
    assert.equal((await wsClose(url, (ws) => ws.send(Buffer.alloc(64, 0xff)))).code, 1008)
    // Text is not the binding (transport.md §9): 1003.
    assert.equal((await wsClose(url, (ws) => ws.send('hello'))).code, 1003)
    // One WebSocket message above the largest frame: 1009 before it is buffered.
    assert.equal((await wsClose(url, (ws) => ws.send(Buffer.alloc(3 * 1024 * 1024)))).code, 1009)
    // Browsers send Origin: refused before the upgrade; other paths are not peers.
    assert.equal(await wsRefusal(url, { Origin: 'https://evil.example' }), 403)
    assert.equal(await wsRefusal(url.replace('/v1/peer', '/v1/other')), 404)
    // Two silent connections from 127.0.0.1 hold the per-address cap; the third is dropped.
    const silent = await Promise.all([wsOpen(url), wsOpen(url)])
    after(() => silent.forEach((ws) => ws.terminate()))
    await waitFor(() => alice.daemon.network!.manager.externalAdmission!.general === 2, {
      ...WAIT,
      what: 'two half-open handshakes',
    })
    assert.equal((await wsClose(url, () => undefined)).code, 1008)
    const admission = alice.daemon.network!.manager.externalAdmission!
    assert.ok(admission.droppedBy.connections_per_address >= 1)
    // Still up: the API answers.
    assert.equal((await alice.api.peers()).peers.length, 0)
  })
})

describe('one port: addresses and the proxy header', () => {
  it('publishes the wss form of a public URL; refuses what a node record cannot hold', () => {
    assert.equal(publicPeerAddress('https://chat.example.org'), 'wss://chat.example.org/v1/peer')
    assert.equal(
      publicPeerAddress('https://chat.example.org:443/'),
      'wss://chat.example.org/v1/peer',
    )
    assert.equal(publicPeerAddress('http://h:8080/sdmp/'), 'ws://h:8080/sdmp/v1/peer')
    for (const bad of [
      'ftp://h',
      'https://h/?q=1',
      'https://u:p@h',
      'not a url',
      'https://h/a%20b',
    ])
      assert.throws(
        () => publicPeerAddress(bad),
        (e) => isProtocolError(e, ErrorCode.BAD_REQUEST),
        bad,
      )
  })

  it('counts the X-Forwarded-For client only from a trusted loopback proxy', () => {
    const request = (remoteAddress: string, xff?: string) =>
      ({
        socket: { remoteAddress },
        headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
      }) as unknown as IncomingMessage
    assert.equal(clientAddress(request('127.0.0.1', '203.0.113.9'), false), '127.0.0.1')
    assert.equal(clientAddress(request('127.0.0.1', '1.2.3.4, 203.0.113.9'), true), '203.0.113.9')
    assert.equal(clientAddress(request('::ffff:127.0.0.1', '2001:db8::1'), true), '2001:db8::1')
    // Not from loopback: the header is anyone's to write.
    assert.equal(clientAddress(request('198.51.100.7', '203.0.113.9'), true), '198.51.100.7')
    assert.equal(clientAddress(request('127.0.0.1', 'garbage'), true), '127.0.0.1')
    assert.equal(clientAddress(request('127.0.0.1'), true), '127.0.0.1')
  })
})
