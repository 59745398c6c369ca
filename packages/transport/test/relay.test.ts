/**
 * The relay (docs/protocol/relays.md) over in-memory streams: a node registers over a control
 * channel, a dialler asks for it, the relay joins the streams and the end-to-end channel runs
 * through; the relay sees only frames; refusals are coded; limits hold.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, createNobleProvider, isProtocolError, utf8 } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import { secureChannel } from '../src/channel.js'
import type { SecureChannel } from '../src/channel-types.js'
import { collect, makeTestNode } from '../src/conformance.js'
import type { TestNode } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'
import { createRelay, decodeRelayIncoming } from '../src/relay.js'
import type { RelayLimits } from '../src/relay.js'

const provider = createNobleProvider()
const allow = async () => ({ ok: true }) as const

const options = (n: TestNode) => ({
  provider,
  nodeSeed: n.seed,
  fingerprintOf: n.fingerprintOf,
  authorize: allow,
})

/** A relay, a node registered on it that answers splices, and what the relay forwarded. */
async function world(relayLimits: Partial<RelayLimits> = {}, authorizeNode = allow) {
  const relayNode = makeTestNode(provider)
  const target = makeTestNode(provider)
  const seen: Uint8Array[] = []
  const relay = createRelay({
    ...options(relayNode),
    authorize: authorizeNode,
    relayLimits,
    tap: (chunk) => seen.push(chunk.slice()),
  })
  const [nodeEnd, relayEnd] = createDuplexPair({ addresses: ['mem:relay', 'mem:node'] })
  relay.register(relayEnd)
  const control = await secureChannel(nodeEnd, {
    ...options(target),
    role: 'initiator',
    expectedPeer: relayNode.fingerprint,
  })
  await waitFor(() => relay.isRegistered(target.fingerprint))
  // The node: every `incoming` opens a stream back to the relay and runs the responder there.
  const accepted: SecureChannel[] = []
  control.onMessage((m) => {
    const id = decodeRelayIncoming(m)
    const [mine, theirs] = createDuplexPair({ addresses: ['mem:relay', 'mem:node'] })
    relay.take(theirs, id)
    void secureChannel(mine, { ...options(target), role: 'responder' }).then(
      (c) => void accepted.push(c),
      () => undefined, // the dialler's failures are asserted on its side
    )
  })
  /** A dialler asking the relay for the target. */
  const dial = async (who = makeTestNode(provider)) => {
    const [mine, theirs] = createDuplexPair({ addresses: ['mem:relay', 'mem:dialler'] })
    relay.connect(theirs, target.fingerprint)
    return secureChannel(mine, {
      ...options(who),
      role: 'initiator',
      expectedPeer: target.fingerprint,
    })
  }
  return { relay, relayNode, target, control, accepted, seen, dial }
}

describe('relay', () => {
  it('joins a dialler to a registered node; the channel runs end to end through it', async () => {
    const w = await world()
    const bob = await w.dial()
    assert.equal(bob.peer.fingerprint, w.target.fingerprint, 'bob authenticated the node itself')
    const node = await waitFor(() => w.accepted[0])
    const secret = 'the relay must never read this sentence'
    const got = collect(node, 1)
    await bob.send(utf8(secret))
    assert.deepEqual(await got, [utf8(secret)])
    const back = collect(bob, 1)
    await node.send(utf8('and the reply'))
    assert.deepEqual(await back, [utf8('and the reply')])
    // The relay forwarded frames, none holding the plaintext: it has no key of this channel.
    const all = Buffer.concat(w.seen)
    assert.ok(all.length > 2500, 'the handshake went through the relay')
    assert.equal(all.indexOf(Buffer.from(secret)), -1)
    assert.equal(all.indexOf(Buffer.from('and the reply')), -1)
    // What it forwarded parses as transport frames: the first is handshake message 1 (1233).
    assert.equal(Buffer.from(w.seen[0]!).readUInt32BE(0), 1233)
    assert.equal(w.relay.stats.joined, 1)
    await bob.close()
    await waitFor(() => w.relay.stats.active === 0)
    assert.ok(w.relay.stats.bytes >= all.length)
    await w.relay.close()
  })

  it('refuses a target that is not connected, with NOT_FOUND', async () => {
    const w = await world()
    assert.throws(
      () => w.relay.check(makeTestNode(provider).fingerprint),
      (e) => isProtocolError(e, ErrorCode.NOT_FOUND) && /target not connected/.test(e.message),
    )
    await w.control.close()
    await waitFor(() => !w.relay.isRegistered(w.target.fingerprint))
    assert.throws(
      () => w.relay.check(w.target.fingerprint),
      (e) => isProtocolError(e, ErrorCode.NOT_FOUND),
    )
    await w.relay.close()
  })

  it('bounds splices per target (LIMIT_EXCEEDED) and drops unknown splice ids', async () => {
    const w = await world({ maxSplicesPerTarget: 1 })
    const bob = await w.dial()
    assert.throws(
      () => w.relay.check(w.target.fingerprint),
      (e) => isProtocolError(e, ErrorCode.LIMIT_EXCEEDED),
    )
    const [mine, theirs] = createDuplexPair()
    let ended = false
    mine.attach({ data: () => {}, end: () => (ended = true), error: () => {}, drain: () => {} })
    w.relay.take(theirs, 'AAAAAAAAAAAAAAAAAAAAAA')
    await waitFor(() => ended)
    assert.equal(w.relay.stats.refused['unknown_splice'], 1)
    await bob.close()
    await w.relay.close()
  })

  it('refuses a node its gate does not serve; nothing is registered', async () => {
    const relayNode = makeTestNode(provider)
    const relay = createRelay({
      ...options(relayNode),
      authorize: async () => ({ ok: false, reason: 'not_own_node' }),
    })
    const stranger = makeTestNode(provider)
    const [a, b] = createDuplexPair()
    relay.register(b)
    await assert.rejects(secureChannel(a, { ...options(stranger), role: 'initiator' }), (e) =>
      isProtocolError(e, ErrorCode.FORBIDDEN),
    )
    assert.equal(relay.isRegistered(stranger.fingerprint), false)
    await relay.close()
  })

  it('drops a splice whose dialler sends more than maxPendingBytes before the node takes it', async () => {
    const w = await world({ maxPendingBytes: 100, acceptTimeoutMs: 60_000 })
    // The node never takes it: its control handler is replaced by one that ignores incoming.
    w.control.onMessage(() => undefined)
    const [mine, theirs] = createDuplexPair()
    let ended = false
    mine.attach({ data: () => {}, end: () => (ended = true), error: () => {}, drain: () => {} })
    w.relay.connect(theirs, w.target.fingerprint)
    mine.write(new Uint8Array(200))
    await waitFor(() => ended)
    assert.equal(w.relay.stats.refused['pending_limit'], 1)
    await w.relay.close()
  })

  it('rejects malformed control messages with BAD_REQUEST', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(17), new Uint8Array(18).fill(1)])
      assert.throws(
        () => decodeRelayIncoming(bad),
        (e) => isProtocolError(e, ErrorCode.BAD_REQUEST),
      )
  })
})
