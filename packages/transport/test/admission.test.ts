/**
 * Half-open admission (docs/protocol/transport.md §8.1): the MaxStartups-style drop curve with a
 * seeded random, the per-address cap, and the share reserved for known addresses, both as a pure
 * policy and through a listener over in-memory duplexes.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, createNobleProvider, isProtocolError, utf8 } from '@sdmp/core'
import { seededRandom, waitFor } from '@sdmp/testkit'
import { decideAdmission, earlyDropProbability, randomFrom } from '../src/admission.js'
import type { AdmissionCounts, DropReason } from '../src/admission.js'
import { secureChannel } from '../src/channel.js'
import type { SecureChannel } from '../src/channel-types.js'
import { collect, makeTestNode } from '../src/conformance.js'
import { createDuplexPair } from '../src/duplex.js'
import { createListener } from '../src/listener.js'
import { DEFAULT_LIMITS, resolveLimits } from '../src/limits.js'

const provider = createNobleProvider()
const allow = async () => ({ ok: true }) as const
/** start 10, rate 30%, full 100 (OpenSSH's example), reserve 8, 4 per address. */
const limits = resolveLimits({
  handshakeDropStart: 10,
  handshakeDropRatePercent: 30,
  maxConcurrentHandshakes: 100,
  reservedKnownHandshakes: 8,
  maxHandshakesPerAddress: 4,
})
const counts = (general: number, more: Partial<AdmissionCounts> = {}): AdmissionCounts => ({
  general,
  reserved: 0,
  handshakesFromAddress: 0,
  connectionsFromAddress: 0,
  ...more,
})

/** Fraction of `n` decisions at `general` that drop, with a seeded random. */
function dropRate(general: number, seed: number, n = 20_000): number {
  const random = seededRandom(seed)
  let dropped = 0
  for (let i = 0; i < n; i++)
    if (!decideAdmission(counts(general), false, limits, random).admit) dropped++
  return dropped / n
}

describe('earlyDropProbability', () => {
  it('is 0 below start, rate at start, linear in between and 1 at full', () => {
    assert.equal(earlyDropProbability(0, limits), 0)
    assert.equal(earlyDropProbability(9, limits), 0)
    assert.equal(earlyDropProbability(10, limits), 0.3)
    assert.equal(earlyDropProbability(55, limits), 0.65)
    assert.ok(Math.abs(earlyDropProbability(99, limits) - (0.3 + (0.7 * 89) / 90)) < 1e-12)
    assert.equal(earlyDropProbability(100, limits), 1)
    assert.equal(earlyDropProbability(1000, limits), 1)
  })

  it('reads a start above full as full', () => {
    const l = resolveLimits({ maxConcurrentHandshakes: 4, handshakeDropStart: 16 })
    assert.equal(earlyDropProbability(3, l), 0)
    assert.equal(earlyDropProbability(4, l), 1)
  })
})

describe('decideAdmission', () => {
  it('admits all below start without drawing, and drops about rate% at start (seeded)', () => {
    let draws = 0
    const counting = () => (draws++, 0)
    for (let n = 0; n < 10; n++)
      assert.deepEqual(decideAdmission(counts(n), false, limits, counting), {
        admit: true,
        pool: 'general',
      })
    assert.equal(draws, 0)
    const atStart = dropRate(10, 1)
    assert.ok(atStart > 0.28 && atStart < 0.32, `drop rate at start ${atStart}`)
    const middle = dropRate(55, 2)
    assert.ok(middle > 0.63 && middle < 0.67, `drop rate half way ${middle}`)
  })

  it('drops every unknown connection at full, whatever the random says', () => {
    for (const r of [0, 0.5, 0.999999])
      assert.deepEqual(
        decideAdmission(counts(100), false, limits, () => r),
        {
          admit: false,
          reason: 'full',
        },
      )
  })

  it('gives a known address a reserved slot when the general pool is full, until the reserve is taken', () => {
    assert.deepEqual(
      decideAdmission(counts(100), true, limits, () => 0),
      {
        admit: true,
        pool: 'reserved',
      },
    )
    assert.deepEqual(
      decideAdmission(counts(100, { reserved: 7 }), true, limits, () => 0),
      {
        admit: true,
        pool: 'reserved',
      },
    )
    // Reserve taken: a known address competes in the general pool like everyone else.
    assert.deepEqual(
      decideAdmission(counts(100, { reserved: 8 }), true, limits, () => 0),
      {
        admit: false,
        reason: 'full',
      },
    )
    assert.deepEqual(
      decideAdmission(counts(0, { reserved: 8 }), true, limits, () => 0),
      {
        admit: true,
        pool: 'general',
      },
    )
  })

  it('caps half-open handshakes and connections per address, known or not', () => {
    for (const known of [false, true]) {
      assert.deepEqual(
        decideAdmission(counts(0, { handshakesFromAddress: 4 }), known, limits, () => 0.99),
        { admit: false, reason: 'handshakes_per_address' },
      )
      assert.deepEqual(
        decideAdmission(counts(0, { connectionsFromAddress: 8 }), known, limits, () => 0.99),
        { admit: false, reason: 'connections_per_address' },
      )
    }
    assert.deepEqual(
      decideAdmission(counts(0, { handshakesFromAddress: 3 }), false, limits, () => 0.99),
      {
        admit: true,
        pool: 'general',
      },
    )
  })

  it('has defaults that start early dropping below full and keep a reserve', () => {
    assert.equal(DEFAULT_LIMITS.handshakeTimeoutMs, 5000)
    assert.ok(DEFAULT_LIMITS.handshakeDropStart < DEFAULT_LIMITS.maxConcurrentHandshakes)
    assert.ok(DEFAULT_LIMITS.reservedKnownHandshakes > DEFAULT_LIMITS.maxHandshakesPerAddress)
    assert.throws(() => resolveLimits({ handshakeDropRatePercent: 101 }), RangeError)
  })

  it('draws uniform values in [0, 1) from CSPRNG bytes', () => {
    assert.equal(randomFrom(() => Uint8Array.of(0, 0, 0, 0))(), 0)
    assert.equal(randomFrom(() => Uint8Array.of(0x80, 0, 0, 0))(), 0.5)
    const top = randomFrom(() => Uint8Array.of(255, 255, 255, 255))()
    assert.ok(top < 1 && top > 0.999999)
  })
})

describe('listener admission', () => {
  it('serves a known address from the reserve while unknown ones fill the pool, and reports drops', async () => {
    const server = makeTestNode(provider)
    const channels: SecureChannel[] = []
    const drops: { reason: DropReason; address: string }[] = []
    const errors: Error[] = []
    const listener = createListener({
      provider,
      nodeSeed: server.seed,
      fingerprintOf: server.fingerprintOf,
      authorize: allow,
      limits: { maxConcurrentHandshakes: 6, handshakeDropStart: 6, maxHandshakesPerAddress: 2 },
      isKnownAddress: (a) => a === 'mem:friend',
      random: seededRandom(7),
      onChannel: (c) => channels.push(c),
      onError: (e) => errors.push(e),
      onDrop: (reason, address) => drops.push({ reason, address }),
    })
    const held = []
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++) {
        const [a, b] = createDuplexPair({ addresses: ['mem:server', `mem:attacker${i}`] })
        a.attach({ data() {}, end() {}, error() {}, drain() {} })
        listener.accept(b)
        held.push(a)
      }
    // Per address: 2 admitted, the 3rd dropped by the per-address cap, until the pool holds 6;
    // the 4th address then meets a full pool on every attempt.
    assert.equal(listener.admission.general, 6)
    assert.deepEqual(listener.admission.droppedBy, {
      closed: 0,
      connections_per_address: 0,
      handshakes_per_address: 3,
      early_drop: 0,
      full: 3,
    })
    assert.equal(listener.admission.dropped, 6)
    assert.equal(drops.length, 6)
    assert.ok(errors.every((e) => isProtocolError(e, ErrorCode.LIMIT_EXCEEDED)))
    // An unknown good peer is dropped; the known one gets through.
    const [sa, sb] = createDuplexPair({ addresses: ['mem:server', 'mem:stranger'] })
    const stranger = makeTestNode(provider)
    listener.accept(sb)
    await assert.rejects(
      secureChannel(sa, {
        role: 'initiator',
        provider,
        nodeSeed: stranger.seed,
        fingerprintOf: stranger.fingerprintOf,
        authorize: allow,
      }),
      (e) => isProtocolError(e, ErrorCode.CLOSED),
    )
    assert.deepEqual(drops.at(-1), { reason: 'full', address: 'mem:stranger' })
    const me = makeTestNode(provider)
    const [fa, fb] = createDuplexPair({ addresses: ['mem:server', 'mem:friend'] })
    listener.accept(fb)
    assert.equal(listener.admission.reserved, 1)
    const client = await secureChannel(fa, {
      role: 'initiator',
      provider,
      nodeSeed: me.seed,
      fingerprintOf: me.fingerprintOf,
      authorize: allow,
      expectedPeer: server.fingerprint,
    })
    const got = collect(await waitFor(() => channels[0]), 1)
    await client.send(utf8('reserved'))
    assert.deepEqual(await got, [utf8('reserved')])
    assert.equal(listener.admission.reserved, 0, 'the reserved slot is freed after the handshake')
    for (const a of held) a.destroy()
    await waitFor(() => listener.handshaking === 0, { what: 'held handshakes end' })
    await client.close()
    await listener.close()
  })
})
