/** Channel behaviour beyond the conformance suite: keepalive, idle timeout, time-based rekey, limits validation, framing. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, createNobleProvider, isProtocolError, utf8 } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import { secureChannel } from '../src/channel.js'
import type { SecureChannel } from '../src/channel-types.js'
import type { Duplex } from '../src/duplex.js'
import { collect, makeTestNode } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'
import { FrameReader, encodeFrame } from '../src/framing.js'
import { DEFAULT_LIMITS, resolveLimits } from '../src/limits.js'
import type { TransportLimits } from '../src/limits.js'
import { CipherState, noiseNonce } from '../src/noise.js'

const provider = createNobleProvider()
const allow = async () => ({ ok: true }) as const

async function open(
  clientLimits: Partial<TransportLimits>,
  serverLimits: Partial<TransportLimits>,
): Promise<[SecureChannel, SecureChannel]> {
  const c = makeTestNode(provider)
  const s = makeTestNode(provider)
  const [a, b] = createDuplexPair()
  return Promise.all([
    secureChannel(a, {
      role: 'initiator',
      provider,
      nodeSeed: c.seed,
      fingerprintOf: c.fingerprintOf,
      authorize: allow,
      limits: clientLimits,
    }),
    secureChannel(b, {
      role: 'responder',
      provider,
      nodeSeed: s.seed,
      fingerprintOf: s.fingerprintOf,
      authorize: allow,
      limits: serverLimits,
    }),
  ])
}

describe('keepalive and idle timeout', () => {
  it('ends a channel whose peer stays silent with TIMEOUT', async () => {
    const [client, server] = await open(
      { keepaliveMs: 0, idleTimeoutMs: 0 },
      { keepaliveMs: 0, idleTimeoutMs: 60 },
    )
    const info = await server.closed
    assert.ok(isProtocolError(info.error, ErrorCode.TIMEOUT), String(info.error))
    // The courtesy close frame tells the silent peer why.
    assert.equal((await client.closed).reason, 'timeout')
  })

  it('keeps an idle channel open with pings for several idle periods', async () => {
    const [client, server] = await open(
      { keepaliveMs: 50, idleTimeoutMs: 0 },
      { keepaliveMs: 0, idleTimeoutMs: 400 },
    )
    // 25 pings at >= 50 ms apart span more than three idle timeouts of the server. The idle
    // timeout is 8 ping periods, so a loaded machine's event-loop stall does not end it.
    await waitFor(() => server.stats.framesReceived >= 26, { what: 'pings', timeout: 30_000 })
    assert.equal(server.isOpen, true)
    assert.equal(server.stats.messagesReceived, 0)
    await client.close()
  })
})

describe('delivery', () => {
  it('ends async iteration when the peer closes, after the queued messages', async () => {
    const [client, server] = await open({}, {})
    await client.send(utf8('last words'))
    await client.close('bye')
    const got: Uint8Array[] = []
    for await (const m of server) got.push(m)
    assert.deepEqual(got, [utf8('last words')])
    assert.equal((await server.closed).reason, 'bye')
  })

  it('delivers everything in order to a late consumer while pausing the stream (flow control)', async () => {
    const [client, server] = await open({}, { highWaterMarkBytes: 1000 })
    const n = 200
    for (let i = 0; i < n; i++) void client.send(new Uint8Array(100).fill(i & 0xff))
    await waitFor(() => server.stats.messagesReceived > 10, { what: 'some messages queued' })
    const got = await collect(server, n)
    assert.deepEqual(
      got.map((m) => m[0]),
      Array.from({ length: n }, (_, i) => i & 0xff),
    )
    await client.close()
  })

  it('ends the channel with the error when the message handler throws', async () => {
    const [client, server] = await open({}, {})
    const boom = new Error('handler bug')
    server.onMessage(() => {
      throw boom
    })
    await client.send(utf8('x'))
    const info = await server.closed
    assert.equal(info.error, boom)
    assert.equal(info.clean, false)
    assert.equal((await client.closed).reason, 'internal_error')
  })
})

describe('trust gate', () => {
  it("reads the peer's refusal that came with its end of stream while our verdict was pending", async () => {
    const c = makeTestNode(provider)
    const s = makeTestNode(provider)
    const [a, b] = createDuplexPair()
    // The initiator's stream, noting when the end of stream has reached the channel.
    let ended = false
    const watched: Duplex = {
      remoteAddress: a.remoteAddress,
      attach: (h) =>
        a.attach({
          ...h,
          end: () => {
            ended = true
            h.end()
          },
        }),
      write: (chunk) => a.write(chunk),
      end: () => a.end(),
      destroy: () => a.destroy(),
      pause: () => a.pause(),
      resume: () => a.resume(),
    }
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const client = secureChannel(watched, {
      role: 'initiator',
      provider,
      nodeSeed: c.seed,
      fingerprintOf: c.fingerprintOf,
      authorize: async () => {
        await released
        return { ok: true }
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    const server = secureChannel(b, {
      role: 'responder',
      provider,
      nodeSeed: s.seed,
      fingerprintOf: s.fingerprintOf,
      authorize: async () => ({ ok: false, reason: 'expired' }),
    })
    await assert.rejects(server, (e) => isProtocolError(e, ErrorCode.FORBIDDEN))
    // The refusal and the end both arrived before our own verdict: the refusal still counts.
    await waitFor(() => ended, { what: 'the end of stream at the initiator' })
    release()
    const err = await client
    assert.ok(
      isProtocolError(err, ErrorCode.FORBIDDEN) && err.message === 'rejected: expired',
      String(err),
    )
  })
})

describe('rekey', () => {
  it('rekeys by time when rekeyAfterMs has passed since the last rekey', async () => {
    const [client, server] = await open({ rekeyAfterMs: 1 }, {})
    const got = collect(server, 3)
    for (const m of ['a', 'b']) await client.send(utf8(m))
    const sent = Date.now()
    await waitFor(() => Date.now() - sent >= 2, { interval: 1, what: 'the rekey interval to pass' })
    await client.send(utf8('c'))
    assert.deepEqual(await got, [utf8('a'), utf8('b'), utf8('c')])
    assert.ok(client.stats.rekeysSent >= 1)
    await waitFor(() => server.stats.rekeysReceived === client.stats.rekeysSent)
    await client.close()
  })

  it('REKEY changes the key and keeps the counter (Noise §11.3)', () => {
    const key = new Uint8Array(32).fill(9)
    const a = new CipherState(provider, key)
    const b = new CipherState(provider, key)
    const before = a.encryptWithAd(new Uint8Array(0), utf8('x'))
    b.decryptWithAd(new Uint8Array(0), before)
    a.rekey()
    const after = a.encryptWithAd(new Uint8Array(0), utf8('x'))
    assert.equal(a.nonce, 2)
    assert.throws(
      () => b.decryptWithAd(new Uint8Array(0), after),
      (e: unknown) => isProtocolError(e, ErrorCode.DECRYPT_FAILED),
    )
    b.rekey()
    assert.deepEqual(b.decryptWithAd(new Uint8Array(0), after), utf8('x'))
  })

  it('encodes the nonce as 4 zero bytes and a 64-bit little-endian counter', () => {
    assert.deepEqual([...noiseNonce(0x0102_0304_0506)], [0, 0, 0, 0, 6, 5, 4, 3, 2, 1, 0, 0])
  })
})

describe('limits', () => {
  it('has frozen documented defaults', () => {
    assert.equal(Object.isFrozen(DEFAULT_LIMITS), true)
    assert.equal(DEFAULT_LIMITS.maxMessageBytes, 65_536)
    assert.equal(Object.isFrozen(resolveLimits({ maxMessageBytes: 10 })), true)
  })

  for (const [name, value] of [
    ['NaN', { handshakeTimeoutMs: Number.NaN }],
    ['a negative number', { maxMessageBytes: -1 }],
    ['a fraction', { rekeyAfterFrames: 1.5 }],
    ['a string', { idleTimeoutMs: '10' }],
    ['more than 16 MiB', { maxMessageBytes: 16 * 1024 * 1024 + 1 }],
    ['zero handshake timeout', { handshakeTimeoutMs: 0 }],
  ] as const) {
    it(`rejects ${name}`, () => {
      assert.throws(() => resolveLimits(value as unknown as Partial<TransportLimits>), RangeError)
    })
  }

  it('rejects unknown keys', () => {
    assert.throws(
      () => resolveLimits({ maxFrame: 1 } as unknown as Partial<TransportLimits>),
      TypeError,
    )
  })
})

describe('FrameReader', () => {
  it('reassembles frames split at every byte boundary', () => {
    const frames = [utf8('one'), new Uint8Array(300).fill(1), utf8('three')]
    const wire = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0))
    let o = 0
    for (const f of frames) {
      wire.set(encodeFrame(f), o)
      o += 4 + f.length
    }
    for (let step = 1; step <= 7; step++) {
      const reader = new FrameReader(1000)
      const out: Uint8Array[] = []
      for (let i = 0; i < wire.length; i += step)
        reader.push(wire.subarray(i, i + step), (b) => void out.push(b.slice()))
      assert.deepEqual(out, frames, `step ${step}`)
      assert.equal(reader.pendingBytes, 0)
    }
  })

  it('rejects a length above the maximum as soon as the prefix is complete', () => {
    const reader = new FrameReader(100)
    reader.push(Uint8Array.of(0, 0), () => assert.fail('no frame'))
    assert.throws(
      () => reader.push(Uint8Array.of(0, 101), () => assert.fail('no frame')),
      (e: unknown) => isProtocolError(e, ErrorCode.LIMIT_EXCEEDED),
    )
  })
})
