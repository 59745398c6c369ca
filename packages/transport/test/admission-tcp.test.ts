/**
 * Handshake admission over real TCP on loopback (docs/protocol/transport.md §8.1, docs/security.md
 * "Hardening (issue 12)"): silent sockets from many source addresses no longer lock a trusted
 * node out, and the handshake deadline closes a silent socket.
 * @module
 */
import assert from 'node:assert/strict'
import { connect as netConnect } from 'node:net'
import type { Socket } from 'node:net'
import { describe, it } from 'node:test'
import { ErrorCode, createNobleProvider, isProtocolError, utf8 } from '@sdmp/core'
import { loopbackRange, startSilentFlood, waitFor } from '@sdmp/testkit'
import type { SecureChannel } from '../src/channel-types.js'
import { collect, makeTestNode } from '../src/conformance.js'
import type { ListenerOptions } from '../src/listener.js'
import { connectTcp, listenTcp } from '../src/tcp.js'

const provider = createNobleProvider()
const allow = async () => ({ ok: true }) as const

/** A TCP listener on 127.0.0.1:0 that treats 127.0.0.1 (the trusted node) as known. */
async function start(t: { after: (fn: () => unknown) => void }, extra: Partial<ListenerOptions>) {
  const server = makeTestNode(provider)
  const channels: SecureChannel[] = []
  const errors: Error[] = []
  const tcp = await listenTcp(
    { host: '127.0.0.1', port: 0 },
    {
      provider,
      nodeSeed: server.seed,
      fingerprintOf: server.fingerprintOf,
      authorize: allow,
      isKnownAddress: (a) => a === '127.0.0.1',
      onChannel: (c) => channels.push(c),
      onError: (e) => errors.push(e),
      ...extra,
    },
  )
  t.after(() => tcp.close())
  return { server, tcp, channels, errors }
}

/** Dial from 127.0.0.1 with a real handshake and deliver one message. */
async function deliver(port: number, channels: SecureChannel[], text: string): Promise<void> {
  const me = makeTestNode(provider)
  const client = await connectTcp(
    { host: '127.0.0.1', port },
    { provider, nodeSeed: me.seed, fingerprintOf: me.fingerprintOf, authorize: allow },
  )
  const serverSide = await waitFor(() =>
    channels.find((c) => c.peer.fingerprint === me.fingerprint),
  )
  const got = collect(serverSide, 1)
  await client.send(utf8(text))
  assert.deepEqual(await got, [utf8(text)])
  await client.close()
}

describe('handshake admission (tcp)', () => {
  it('lets a trusted node connect while 64 silent sockets from 127.0.0.2..9 are held', async (t) => {
    // The finding of issue 12: 8 sockets from each of 8 addresses filled all 64 slots and the
    // trusted node was refused for as long as they were held.
    // A random that never early-drops, so the counts below show the per-address cap alone.
    const { tcp, channels } = await start(t, { random: () => 0.999 })
    const sockets: Socket[] = []
    t.after(() => sockets.forEach((s) => s.destroy()))
    for (const source of loopbackRange(2, 9))
      for (let j = 0; j < 8; j++) {
        const s = netConnect({ host: '127.0.0.1', port: tcp.port, localAddress: source })
        s.on('error', () => {})
        sockets.push(s)
      }
    const { listener } = tcp
    await waitFor(() => listener.handshaking + listener.admission.dropped === 64, {
      what: '64 accepted or dropped',
    })
    // The per-address cap holds each source to 4 half-open handshakes.
    assert.equal(listener.admission.general, 32)
    assert.equal(listener.admission.droppedBy.handshakes_per_address, 32)
    await deliver(tcp.port, channels, 'through')
  })

  it('lets a trusted node connect and deliver under a sustained flood from 127.0.0.2..41', async (t) => {
    const { tcp, channels, errors } = await start(t, { limits: { handshakeTimeoutMs: 1000 } })
    // 40 sources x 2 connections = 80 > 64 half-open slots; each is re-opened 50 ms after the
    // server drops it or its deadline closes it.
    const flood = startSilentFlood({
      port: tcp.port,
      sources: loopbackRange(2, 41),
      perSource: 2,
      reopenDelayMs: 50,
      maxOpens: 5000,
    })
    t.after(() => flood.stop())
    const { listener } = tcp
    await waitFor(
      () => listener.admission.general === 64 && listener.admission.droppedBy.full > 0,
      {
        what: 'the general pool full',
      },
    )
    // Let one deadline pass so the flood has been re-filling the pool, not just filling it once.
    await waitFor(() => errors.some((e) => isProtocolError(e, ErrorCode.TIMEOUT)), {
      what: 'a flood socket timed out',
    })
    await waitFor(() => listener.admission.general >= 60, { what: 'the pool re-filled' })
    const before = flood.opened
    await deliver(tcp.port, channels, 'delivered under flood')
    // The pool was full when the trusted node connected (above); the flood still runs after it.
    // (A check at this instant failed once in CI: a delivery quicker than the flood's 50 ms
    // re-open delay sees no new socket.)
    await waitFor(() => flood.opened > before, { what: 'the flood to keep going' })
    assert.ok(flood.opened < 5000, `the flood stayed within its bound (${flood.opened})`)
    assert.ok(listener.admission.dropped > 0)
  })

  it('closes a silent socket at the handshake deadline', async (t) => {
    const { tcp, errors } = await start(t, { limits: { handshakeTimeoutMs: 300 } })
    const s = netConnect({ host: '127.0.0.1', port: tcp.port, localAddress: '127.0.0.2' })
    s.on('error', () => {})
    t.after(() => s.destroy())
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()))
    await waitFor(() => tcp.listener.handshaking === 1, { what: 'the handshake starts' })
    await closed
    assert.equal(tcp.listener.handshaking, 0)
    assert.ok(
      errors.some((e) => isProtocolError(e, ErrorCode.TIMEOUT)),
      'the listener reports TIMEOUT',
    )
  })
})
