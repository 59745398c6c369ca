/** Listener limits under abuse: many connections from one address, many stalled handshakes, garbage; other peers are still served (docs/protocol/transport.md §8). @module */
import assert from 'node:assert/strict'
import { connect as netConnect } from 'node:net'
import { describe, it } from 'node:test'
import { ErrorCode, createNobleProvider, isProtocolError, utf8 } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import { secureChannel } from '../src/channel.js'
import type { SecureChannel } from '../src/channel-types.js'
import { collect, makeTestNode } from '../src/conformance.js'
import type { TestNode } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'
import type { Duplex } from '../src/duplex.js'
import { createListener } from '../src/listener.js'
import type { TransportLimits } from '../src/limits.js'
import { connectTcp, listenTcp } from '../src/tcp.js'

const provider = createNobleProvider()
const allow = async () => ({ ok: true }) as const

function startListener(limits: Partial<TransportLimits>) {
  const server = makeTestNode(provider)
  const channels: SecureChannel[] = []
  const errors: { error: Error; address: string }[] = []
  const listener = createListener({
    provider,
    nodeSeed: server.seed,
    fingerprintOf: server.fingerprintOf,
    authorize: allow,
    limits,
    onChannel: (c) => channels.push(c),
    onError: (error, address) => errors.push({ error, address }),
  })
  return { server, listener, channels, errors }
}

/** Connect a well-behaved peer from `address` and check one message crosses. */
async function goodPeer(
  listener: ReturnType<typeof createListener>,
  server: TestNode,
  channels: SecureChannel[],
  address: string,
): Promise<void> {
  const me = makeTestNode(provider)
  const [a, b] = createDuplexPair({ addresses: ['mem:server', address] })
  listener.accept(b)
  const client = await secureChannel(a, {
    role: 'initiator',
    provider,
    nodeSeed: me.seed,
    fingerprintOf: me.fingerprintOf,
    authorize: allow,
    expectedPeer: server.fingerprint,
  })
  const serverSide = await waitFor(() =>
    channels.find((c) => c.peer.fingerprint === me.fingerprint),
  )
  const got = collect(serverSide, 1)
  await client.send(utf8('hello'))
  assert.deepEqual(await got, [utf8('hello')])
  await client.close()
}

/** A connection that never speaks. */
function stalled(listener: ReturnType<typeof createListener>, address: string): Duplex {
  const [a, b] = createDuplexPair({ addresses: ['mem:server', address] })
  a.attach({ data() {}, end() {}, error() {}, drain() {} })
  listener.accept(b)
  return a
}

describe('listener limits', () => {
  it('refuses connections above maxConnectionsPerAddress and still serves other peers', async () => {
    const { server, listener, channels, errors } = startListener({ maxConnectionsPerAddress: 3 })
    const attackers = Array.from({ length: 10 }, () => stalled(listener, 'mem:attacker'))
    await waitFor(() => errors.length === 7, { what: '7 refusals' })
    for (const { error, address } of errors) {
      assert.equal(address, 'mem:attacker')
      assert.ok(isProtocolError(error, ErrorCode.LIMIT_EXCEEDED), String(error))
    }
    assert.equal(listener.handshaking, 3)
    await goodPeer(listener, server, channels, 'mem:good')
    for (const a of attackers) a.destroy()
    await waitFor(() => listener.handshaking === 0, { what: 'attacker handshakes end' })
    assert.ok(errors.slice(7).every((e) => isProtocolError(e.error, ErrorCode.CLOSED)))
    await listener.close()
  })

  it('refuses handshakes above maxConcurrentHandshakes, then serves peers once stalled ones time out', async () => {
    const { server, listener, channels, errors } = startListener({
      maxConcurrentHandshakes: 4,
      handshakeTimeoutMs: 200,
    })
    for (let i = 0; i < 4; i++) stalled(listener, `mem:attacker${i}`)
    stalled(listener, 'mem:attacker4')
    await waitFor(() => errors.length === 1, { what: 'one refusal' })
    assert.ok(isProtocolError(errors[0]!.error, ErrorCode.LIMIT_EXCEEDED))
    await waitFor(() => listener.handshaking === 0, { what: 'stalled handshakes time out' })
    assert.equal(errors.filter((e) => isProtocolError(e.error, ErrorCode.TIMEOUT)).length, 4)
    await goodPeer(listener, server, channels, 'mem:good')
    await listener.close()
  })

  it('keeps serving after garbage, oversize frames and failed handshakes', async () => {
    const { server, listener, channels, errors } = startListener({})
    for (const bytes of [
      utf8('GET / HTTP/1.1\r\n\r\n'),
      Uint8Array.of(0xff, 0xff, 0xff, 0xff),
      Uint8Array.of(0, 0, 0, 3, 1, 2, 3),
    ]) {
      const a = stalled(listener, 'mem:garbage')
      a.write(bytes)
    }
    await waitFor(() => errors.length === 3, { what: 'three failures' })
    assert.ok(
      errors.every((e) => isProtocolError(e.error)),
      'every failure is coded',
    )
    await goodPeer(listener, server, channels, 'mem:good')
    await listener.close()
  })

  it('tcp: drops excess connections from one address and serves a well-behaved peer', async (t) => {
    const server = makeTestNode(provider)
    const errors: Error[] = []
    const channels: SecureChannel[] = []
    const tcp = await listenTcp(
      { host: '127.0.0.1', port: 0 },
      {
        provider,
        nodeSeed: server.seed,
        fingerprintOf: server.fingerprintOf,
        authorize: allow,
        limits: { maxConnectionsPerAddress: 4 },
        onChannel: (c) => channels.push(c),
        onError: (e) => errors.push(e),
      },
    )
    t.after(() => tcp.close())
    const sockets = Array.from({ length: 6 }, () => {
      const s = netConnect({ host: '127.0.0.1', port: tcp.port })
      s.on('error', () => {})
      return s
    })
    t.after(() => sockets.forEach((s) => s.destroy()))
    await waitFor(() => errors.length === 2, { what: 'refusals' })
    assert.ok(errors.every((e) => isProtocolError(e, ErrorCode.LIMIT_EXCEEDED)))
    // All 127.0.0.1: free the address by dropping the stalled sockets, then connect properly.
    sockets.forEach((s) => s.destroy())
    await waitFor(() => tcp.listener.handshaking === 0, { what: 'stalled sockets released' })
    const me = makeTestNode(provider)
    const client = await connectTcp(
      { host: '127.0.0.1', port: tcp.port },
      { provider, nodeSeed: me.seed, fingerprintOf: me.fingerprintOf, authorize: allow },
    )
    const got = collect(await waitFor(() => channels[0]), 1)
    await client.send(utf8('still here'))
    assert.deepEqual(await got, [utf8('still here')])
    await client.close()
  })
})
