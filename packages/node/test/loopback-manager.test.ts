/**
 * Peer manager behaviour on loopback: backoff arithmetic and address parsing, a revoked peer is
 * not re-dialled in a tight loop, two nodes that dial each other keep one connection, stop()
 * closes everything.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ErrorCode, isProtocolError, signResource } from '@sdmp/core'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  FAST_BACKOFF,
  befriend,
  introduce,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  provider,
  shutdownAll,
} from '@sdmp/testkit/node-world'
import {
  DEFAULT_BACKOFF,
  backoffDelay,
  formatPeerAddress,
  parsePeerAddress,
  webSocketUrl,
  resolveBackoff,
} from '../src/index.js'
import type { PeerChange } from '../src/index.js'

const post = (body: string) => ({ kind: 'post' as const, data: { body, type: 'text' } })

describe('backoff and peer addresses', () => {
  it('grows by the factor up to the maximum, with jitter below the nominal delay', () => {
    const b = resolveBackoff()
    assert.deepEqual(
      [1, 2, 3, 4, 8, 20].map((n) => backoffDelay(b, n, () => 0)),
      [250, 500, 1000, 2000, 30_000, 30_000],
    )
    assert.equal(
      backoffDelay(b, 1, () => 0.999),
      125,
    )
    assert.equal(Object.isFrozen(DEFAULT_BACKOFF), true)
    assert.throws(() => resolveBackoff({ maxMs: 10 }), RangeError)
    assert.throws(() => resolveBackoff({ jitter: 2 }), RangeError)
  })

  it('parses host:port with an optional scheme and fingerprint', () => {
    const fp = 'A'.repeat(86)
    assert.deepEqual(parsePeerAddress(`127.0.0.1:7000#${fp}`), {
      host: '127.0.0.1',
      port: 7000,
      transport: 'tcp',
      fingerprint: fp,
    })
    assert.deepEqual(parsePeerAddress('ws://[::1]:80/'), {
      host: '::1',
      port: 80,
      transport: 'websocket',
    })
    assert.equal(formatPeerAddress(parsePeerAddress(`ws://[::1]:80#${fp}`)), `ws://[::1]:80#${fp}`)
    for (const bad of ['host', 'host:0', 'host:99999', 'http://h:1', `h:1#${'!'.repeat(20)}`])
      assert.throws(
        () => parsePeerAddress(bad),
        (e) => isProtocolError(e, ErrorCode.BAD_REQUEST),
      )
  })

  it('parses WebSocket addresses with a path, wss and default ports (one port, issue 17)', () => {
    const fp = 'A'.repeat(86)
    const wss = parsePeerAddress(`wss://chat.example.org/v1/peer#${fp}`)
    assert.deepEqual(wss, {
      host: 'chat.example.org',
      port: 443,
      transport: 'websocket',
      tls: true,
      path: '/v1/peer',
      fingerprint: fp,
    })
    assert.equal(formatPeerAddress(wss), `wss://chat.example.org/v1/peer#${fp}`)
    assert.equal(webSocketUrl(wss), 'wss://chat.example.org:443/v1/peer')
    const ws = parsePeerAddress('ws://127.0.0.1:8080/v1/peer')
    assert.equal(formatPeerAddress(ws), 'ws://127.0.0.1:8080/v1/peer')
    assert.equal(webSocketUrl(ws), 'ws://127.0.0.1:8080/v1/peer')
    assert.equal(parsePeerAddress('ws://h').port, 80)
    assert.equal(formatPeerAddress(parsePeerAddress('wss://h:8443/p')), 'wss://h:8443/p')
    for (const bad of ['h:1/path', 'wss://h/a b', 'wss://h/?q=1', 'wss://h:0/x'])
      assert.throws(
        () => parsePeerAddress(bad),
        (e) => isProtocolError(e, ErrorCode.BAD_REQUEST),
      )
  })
})

/** Alice and Bob, mutual contacts, each with one SQLite node that knows both (not started). */
async function mutualPair() {
  const alice = makeUser('alice', 1)
  const bob = makeUser('bob', 2)
  const contact = befriend(alice, bob)
  befriend(bob, alice)
  const a = await openDiskNode(makeNodeIdentity('a', alice, 101), tmpDir(after))
  const b = await openDiskNode(makeNodeIdentity('b', bob, 102), tmpDir(after))
  await introduce(a, alice, bob)
  await introduce(b, alice, bob)
  return { alice, contact, a, b }
}

describe('peer manager on loopback', () => {
  after(shutdownAll)

  it('backs off to the maximum when a connected peer is revoked', async () => {
    const { alice, contact, a, b } = await mutualPair()
    await a.start()
    await b.start({ peers: [a.address()], listen: false })
    await waitFor(() => b.manager!.status()[0]!.state === 'connected', { what: 'connected' })
    const revoke = signResource(
      provider,
      {
        kind: 'revoke',
        user: alice.key.fingerprint,
        data: { resource: contact.id },
        created: Date.now(),
      },
      [alice.key],
    )
    const t0 = Date.now()
    await a.ingestor.ingest([revoke.bytes])
    const st = await waitFor(
      () => {
        const s = b.manager!.status()[0]!
        return s.state === 'backoff' ? s : undefined
      },
      { what: 'b backing off' },
    )
    assert.equal(st.lastError, 'revoked')
    const floor = FAST_BACKOFF.maxMs! * (1 - DEFAULT_BACKOFF.jitter)
    assert.ok(st.nextAttemptAt! - t0 >= floor, `re-dial after ${st.nextAttemptAt! - t0} ms`)
    const later = await a.publish(post('after the revocation'))
    assert.equal(await b.has(later.id), false)
  })

  it('keeps exactly one connection when two nodes dial each other', async () => {
    const { a, b } = await mutualPair()
    await a.start()
    await b.start()
    // Without fingerprints neither dialer can tell the other connection exists before dialling.
    const { fingerprint: _fa, ...toA } = a.address()
    const { fingerprint: _fb, ...toB } = b.address()
    a.manager!.addPeer(toB)
    b.manager!.addPeer(toA)
    await waitFor(
      () =>
        a.manager!.status()[0]!.state === 'connected' &&
        b.manager!.status()[0]!.state === 'connected' &&
        a.engine.sessions.size === 1 &&
        b.engine.sessions.size === 1,
      { what: 'both dialers settled on one connection' },
    )
    const inbound = [a.manager!.status()[0]!.inbound, b.manager!.status()[0]!.inbound]
    assert.deepEqual(
      inbound.sort(),
      [false, true],
      'one side uses the connection the other dialled',
    )
    const r = await a.publish(post('over the surviving connection'))
    await waitFor(() => b.has(r.id), { what: 'push over the kept connection' })
    const [sa] = [...a.engine.sessions.values()]
    assert.equal(sa!.isOpen, true)
  })

  it('reports connections, disconnections and backoff as typed changes', async () => {
    const { a, b } = await mutualPair()
    await a.start()
    await b.start({ listen: false })
    const changes: PeerChange[] = []
    const stop = b.manager!.onPeerChange((c) => changes.push(c))
    b.manager!.addPeer(a.address())
    await waitFor(() => changes.length >= 1, { what: 'connected' })
    const address = formatPeerAddress(a.address())
    const peer = a.address().fingerprint
    await a.manager!.stop()
    await waitFor(() => changes.length >= 3, { what: 'disconnected, then backoff' })
    stop()
    assert.deepEqual(changes[0], { type: 'connected', peer, role: 'initiator', address })
    assert.deepEqual(changes[1], { type: 'disconnected', peer, reason: 'shutdown', address })
    const backoff = changes[2]
    assert.ok(backoff?.type === 'backoff' && backoff.code === 'shutdown')
    assert.equal(backoff.address, address)
  })

  it('stop() closes the listener and every channel', async () => {
    const { a, b } = await mutualPair()
    await a.start()
    await b.start({ peers: [a.address()], listen: false })
    await waitFor(() => a.engine.sessions.size === 1, { what: 'connected' })
    const [session] = [...a.engine.sessions.values()]
    await a.manager!.stop()
    assert.equal((await session!.channel.closed).reason, 'shutdown')
    assert.equal(a.manager!.status().length, 0)
    await waitFor(() => b.manager!.status()[0]!.state === 'backoff', { what: 'b backs off' })
    assert.equal(b.manager!.status()[0]!.lastError, 'shutdown')
  })
})
