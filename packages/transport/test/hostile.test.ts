/** Hostile cases over the in-memory pair with a man-in-the-middle tap (docs/protocol/transport.md §3, §4, §7). @module */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ErrorCode, createNobleProvider, isProtocolError, utf8 } from '@sdmp/core'
import type { ErrorCode as Code } from '@sdmp/core'
import { secureChannel } from '../src/channel.js'
import type { SecureChannel, SecureChannelOptions } from '../src/channel-types.js'
import { collect, makeTestNode } from '../src/conformance.js'
import type { TestNode } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'
import type { Duplex, DuplexTap } from '../src/duplex.js'
import { FrameReader, encodeFrame } from '../src/framing.js'
import { XXhfsHandshake, deriveStaticKey } from '../src/handshake.js'
import { encodeIdentityPayload } from '../src/identity.js'
import type { TransportLimits } from '../src/limits.js'
import { SIZES, TRANSPORT_PROTOCOL_ID } from '../src/transport-domain.js'
import { waitFor } from '@sdmp/testkit'

const provider = createNobleProvider()
const allow = async () => ({ ok: true }) as const

const unhandled: unknown[] = []
const onUnhandled = (e: unknown) => unhandled.push(e)
process.on('unhandledRejection', onUnhandled)
after(() => {
  process.off('unhandledRejection', onUnhandled)
})

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }
/** Observe a promise without ever leaving it unhandled. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  )
}

function options(
  node: TestNode,
  role: 'initiator' | 'responder',
  extra: Partial<SecureChannelOptions> = {},
): SecureChannelOptions {
  return {
    role,
    provider,
    nodeSeed: node.seed,
    fingerprintOf: node.fingerprintOf,
    authorize: allow,
    ...extra,
  }
}

/** Assert a settled handshake failed with a coded ProtocolError of `code`. */
function assertFailed<T>(r: Settled<T>, code: Code, what: string): void {
  assert.equal(r.ok, false, `${what}: expected failure`)
  if (!r.ok)
    assert.ok(isProtocolError(r.error, code), `${what}: expected ${code}, got ${String(r.error)}`)
}

/** Assert a channel ended with a coded error of `code`, not cleanly. */
async function assertEnded(channel: SecureChannel, code: Code): Promise<void> {
  const info = await channel.closed
  assert.equal(info.clean, false)
  assert.ok(isProtocolError(info.error, code), `expected ${code}, got ${String(info.error)}`)
}

/**
 * A connected pair through a tap. Chunks from the initiator ('a'): 0 = message 1, 1 = message
 * 3, 2 = accept, 3.. = data. From the responder ('b'): 0 = message 2, 1 = accept, 2.. = data.
 */
function tapped(
  tap: (chunk: Uint8Array, index: number, from: 'a' | 'b') => Uint8Array[],
  limits?: Partial<TransportLimits>,
) {
  const counts = { a: 0, b: 0 }
  const wrapped: DuplexTap = (chunk, from) => tap(chunk, counts[from]++, from)
  const [a, b] = createDuplexPair({ tap: wrapped })
  const serverNode = makeTestNode(provider)
  const clientNode = makeTestNode(provider)
  const lim = limits ? { limits } : {}
  const server = settle(secureChannel(b, options(serverNode, 'responder', lim)))
  const client = settle(
    secureChannel(
      a,
      options(clientNode, 'initiator', { expectedPeer: serverNode.fingerprint, ...lim }),
    ),
  )
  return { a, b, server, client, serverNode, clientNode }
}

/** Both ends open; returns the channels. */
async function opened(t: ReturnType<typeof tapped>): Promise<[SecureChannel, SecureChannel]> {
  const [c, s] = await Promise.all([t.client, t.server])
  assert.ok(c.ok && s.ok, 'handshake should succeed')
  return [c.value, s.value]
}

/** A tap that rewrites the `n`-th chunk from the initiator. */
const onClientChunk =
  (n: number, f: (c: Uint8Array) => Uint8Array[]) =>
  (chunk: Uint8Array, i: number, from: 'a' | 'b') => (from === 'a' && i === n ? f(chunk) : [chunk])

describe('hostile: key substitution', () => {
  it('fails with DECRYPT_FAILED when a man in the middle rewrites the responder static key', async () => {
    const offset = SIZES.lengthPrefix + SIZES.dh + SIZES.kemCipherText + 3
    const t = tapped((chunk, i, from) => {
      if (from === 'b' && i === 0) chunk[offset]! ^= 0x01
      return [chunk]
    })
    assertFailed(await t.client, ErrorCode.DECRYPT_FAILED, 'initiator')
    assertFailed(await t.server, ErrorCode.CLOSED, 'responder')
  })

  it("fails with INVALID_SIGNATURE when a man in the middle relays the real node's identity from another session", async () => {
    const realServer = makeTestNode(provider)
    const client = makeTestNode(provider)
    const mitm = makeTestNode(provider)
    const [a, m1] = createDuplexPair()
    const [m2, b] = createDuplexPair()
    const server = settle(secureChannel(b, options(realServer, 'responder')))
    const clientResult = settle(
      secureChannel(a, options(client, 'initiator', { expectedPeer: realServer.fingerprint })),
    )
    // The MITM reads framed messages from both sides.
    const frames = (d: Duplex) => {
      const reader = new FrameReader(4096)
      const queue: Uint8Array[] = []
      d.attach({
        data: (c) => reader.push(c, (f) => void queue.push(f.slice())),
        end() {},
        error() {},
        drain() {},
      })
      return async () => waitFor(() => queue.shift(), { what: 'mitm frame' })
    }
    const fromClient = frames(m1)
    const fromServer = frames(m2)
    const toServer = new XXhfsHandshake(provider, 'initiator', deriveStaticKey(provider, mitm.seed))
    m2.write(encodeFrame(toServer.writeMessage1()))
    const realIdentity = toServer.readMessage2(await fromServer()).payload
    const toClient = new XXhfsHandshake(provider, 'responder', deriveStaticKey(provider, mitm.seed))
    toClient.readMessage1(await fromClient())
    m1.write(encodeFrame(toClient.writeMessage2(() => realIdentity)))
    assertFailed(await clientResult, ErrorCode.INVALID_SIGNATURE, 'initiator')
    m2.destroy()
    assertFailed(await server, ErrorCode.CLOSED, 'real responder')
  })

  it('fails with UNAUTHORIZED when another valid node answers in place of the expected one', async () => {
    const expected = makeTestNode(provider)
    const impostor = makeTestNode(provider)
    const client = makeTestNode(provider)
    const [a, b] = createDuplexPair()
    const server = settle(secureChannel(b, options(impostor, 'responder')))
    const r = await settle(
      secureChannel(a, options(client, 'initiator', { expectedPeer: expected.fingerprint })),
    )
    assertFailed(r, ErrorCode.UNAUTHORIZED, 'initiator')
    // The initiator stops before message 3: its identity never reaches the impostor.
    assertFailed(await server, ErrorCode.CLOSED, 'impostor')
  })

  it('fails with UNSUPPORTED_VERSION when message 1 names another protocol version', async () => {
    const t = tapped((chunk, i, from) => {
      if (from === 'a' && i === 0) chunk[chunk.length - 1] = '2'.charCodeAt(0) // .../v2
      return [chunk]
    })
    assertFailed(await t.server, ErrorCode.UNSUPPORTED_VERSION, 'responder')
    assertFailed(await t.client, ErrorCode.CLOSED, 'initiator')
    assert.ok(TRANSPORT_PROTOCOL_ID.endsWith('1'))
  })
})

describe('hostile: invalid handshake keys', () => {
  it('ends with BAD_REQUEST when message 1 carries a low-order X25519 ephemeral key', async () => {
    const t = tapped((chunk, i, from) => {
      if (from === 'a' && i === 0) chunk.fill(0, SIZES.lengthPrefix, SIZES.lengthPrefix + SIZES.dh)
      return [chunk]
    })
    assertFailed(await t.server, ErrorCode.BAD_REQUEST, 'responder')
    assertFailed(await t.client, ErrorCode.CLOSED, 'initiator')
  })

  it('ends with BAD_REQUEST when message 1 carries an invalid ML-KEM-768 key', async () => {
    const start = SIZES.lengthPrefix + SIZES.dh
    const t = tapped((chunk, i, from) => {
      if (from === 'a' && i === 0) chunk.fill(0xff, start, start + SIZES.kemPublicKey)
      return [chunk]
    })
    assertFailed(await t.server, ErrorCode.BAD_REQUEST, 'responder')
    assertFailed(await t.client, ErrorCode.CLOSED, 'initiator')
  })
})

describe('hostile: frames after the handshake', () => {
  it('ends with DECRYPT_FAILED on a replayed frame, after delivering the original once', async () => {
    const t = tapped(onClientChunk(3, (c) => [c, c]))
    const [client, server] = await opened(t)
    const got = collect(server, 1)
    await client.send(utf8('pay 10'))
    assert.deepEqual(await got, [utf8('pay 10')])
    await assertEnded(server, ErrorCode.DECRYPT_FAILED)
    assert.equal(server.stats.messagesReceived, 1)
    await assertEnded(client, ErrorCode.CLOSED)
  })

  it('ends with DECRYPT_FAILED on reordered frames and delivers neither', async () => {
    let held: Uint8Array | undefined
    const t = tapped((chunk, i, from) => {
      if (from !== 'a') return [chunk]
      if (i === 3) return ((held = chunk), [])
      if (i === 4) return [chunk, held!]
      return [chunk]
    })
    const [client, server] = await opened(t)
    await client.send(utf8('first'))
    await client.send(utf8('second'))
    await assertEnded(server, ErrorCode.DECRYPT_FAILED)
    assert.equal(server.stats.messagesReceived, 0)
  })

  it('ends with DECRYPT_FAILED on a dropped frame', async () => {
    const t = tapped(onClientChunk(3, () => []))
    const [client, server] = await opened(t)
    await client.send(utf8('dropped'))
    await client.send(utf8('next'))
    await assertEnded(server, ErrorCode.DECRYPT_FAILED)
    assert.equal(server.stats.messagesReceived, 0)
  })

  it('ends with DECRYPT_FAILED on a truncated frame followed by more bytes', async () => {
    const t = tapped(onClientChunk(3, (c) => [c.subarray(0, c.length - 5)]))
    const [client, server] = await opened(t)
    await client.send(utf8('truncated message'))
    await client.send(utf8('next one'))
    await assertEnded(server, ErrorCode.DECRYPT_FAILED)
    assert.equal(server.stats.messagesReceived, 0)
  })

  it('ends with CLOSED (not a clean close) when the stream ends mid-frame', async () => {
    const t = tapped(onClientChunk(3, (c) => [c.subarray(0, c.length - 5)]))
    const [client, server] = await opened(t)
    await client.send(utf8('cut'))
    t.a.end()
    const info = await server.closed
    assert.equal(info.clean, false)
    assert.ok(isProtocolError(info.error, ErrorCode.CLOSED))
    assert.equal(info.error?.message, 'connection ended mid-frame')
  })

  it('reports a dropped close frame as an abrupt close, never as an orderly one', async () => {
    const t = tapped(onClientChunk(3, () => []))
    const [client, server] = await opened(t)
    assert.equal((await client.close('bye')).clean, true)
    const info = await server.closed
    assert.equal(info.clean, false)
    assert.equal(info.error?.message, 'connection ended without close frame')
  })

  it('ends with DECRYPT_FAILED on a bit-flipped frame', async () => {
    const t = tapped(onClientChunk(3, (c) => ((c[c.length - 20]! ^= 0x80), [c])))
    const [client, server] = await opened(t)
    await client.send(new Uint8Array(64))
    await assertEnded(server, ErrorCode.DECRYPT_FAILED)
    assert.equal(server.stats.messagesReceived, 0)
  })

  it('ends with LIMIT_EXCEEDED on an oversize length prefix, before any body byte arrives', async () => {
    const t = tapped(onClientChunk(3, () => [Uint8Array.of(0x7f, 0xff, 0xff, 0xff)]))
    const [client, server] = await opened(t)
    await client.send(utf8('x'))
    await assertEnded(server, ErrorCode.LIMIT_EXCEEDED)
    // The responder told the initiator why, in an authenticated close frame.
    const info = await client.closed
    assert.equal(info.reason, 'limit_exceeded')
  })

  for (const [name, plain] of [
    ['an unknown frame type', Uint8Array.of(0x7f)],
    ['a close frame with an invalid reason code', Uint8Array.of(0x03, 0x41, 0x20)],
    ['a second accept', Uint8Array.of(0x01)],
  ] as const) {
    it(`ends with BAD_REQUEST when an authenticated peer sends ${name}`, async () => {
      const { server, send, write } = await rawInitiator()
      send(Uint8Array.of(0x01)) // accept
      const channel = await server
      assert.ok(channel.ok)
      write(plain)
      await assertEnded(channel.value, ErrorCode.BAD_REQUEST)
    })
  }
})

/** An initiator driven by hand (a peer that holds valid keys but may break the protocol). */
async function rawInitiator() {
  const serverNode = makeTestNode(provider)
  const me = makeTestNode(provider)
  const [a, b] = createDuplexPair()
  const server = settle(secureChannel(b, options(serverNode, 'responder')))
  const reader = new FrameReader(4096)
  const queue: Uint8Array[] = []
  a.attach({
    data: (c) => reader.push(c, (f) => void queue.push(f.slice())),
    end() {},
    error() {},
    drain() {},
  })
  const hs = new XXhfsHandshake(provider, 'initiator', deriveStaticKey(provider, me.seed))
  a.write(encodeFrame(hs.writeMessage1()))
  hs.readMessage2(await waitFor(() => queue.shift(), { what: 'message 2' }))
  a.write(
    encodeFrame(
      hs.writeMessage3((ctx) => encodeIdentityPayload(provider, me.seed, 'initiator', ctx, 65536)),
    ),
  )
  const { send: cipher } = hs.split()
  const write = (plain: Uint8Array) =>
    a.write(encodeFrame(cipher.encryptWithAd(new Uint8Array(0), plain)))
  return { server, send: write, write }
}

describe('hostile: handshake abuse', () => {
  it('times out a stalled handshake with TIMEOUT on the responder', async () => {
    const [a, b] = createDuplexPair()
    const r = settle(
      secureChannel(
        b,
        options(makeTestNode(provider), 'responder', { limits: { handshakeTimeoutMs: 50 } }),
      ),
    )
    assertFailed(await r, ErrorCode.TIMEOUT, 'responder')
    a.destroy()
  })

  it('times out with TIMEOUT on the initiator when the responder never answers', async () => {
    const [a, b] = createDuplexPair()
    b.attach({ data() {}, end() {}, error() {}, drain() {} })
    const r = settle(
      secureChannel(
        a,
        options(makeTestNode(provider), 'initiator', { limits: { handshakeTimeoutMs: 50 } }),
      ),
    )
    assertFailed(await r, ErrorCode.TIMEOUT, 'initiator')
  })

  it('ends with ABORTED when the caller aborts the handshake', async () => {
    const [a, b] = createDuplexPair()
    b.attach({ data() {}, end() {}, error() {}, drain() {} })
    const controller = new AbortController()
    const r = settle(
      secureChannel(a, options(makeTestNode(provider), 'initiator', { signal: controller.signal })),
    )
    controller.abort()
    assertFailed(await r, ErrorCode.ABORTED, 'initiator')
  })

  for (const [name, bytes, code] of [
    ['an HTTP request', utf8('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), ErrorCode.LIMIT_EXCEEDED],
    [
      'a short frame of garbage',
      Uint8Array.of(0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
      ErrorCode.BAD_REQUEST,
    ],
    ['a zero-length frame', Uint8Array.of(0, 0, 0, 0), ErrorCode.LIMIT_EXCEEDED],
    ['an oversize handshake frame', Uint8Array.of(0, 0, 0x10, 0x01), ErrorCode.LIMIT_EXCEEDED],
  ] as const) {
    it(`ends with ${code} on ${name} before the handshake`, async () => {
      const [a, b] = createDuplexPair()
      const r = settle(secureChannel(b, options(makeTestNode(provider), 'responder')))
      a.attach({ data() {}, end() {}, error() {}, drain() {} })
      a.write(bytes)
      assertFailed(await r, code, 'responder')
    })
  }
})

after(() => {
  assert.deepEqual(unhandled, [], 'no unhandled rejections')
})
