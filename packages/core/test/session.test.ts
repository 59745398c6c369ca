/**
 * Ratcheted sessions (docs/protocol/sessions.md): start from a prekey message, both
 * directions, replay, reordering, loss, healing after a compromise, reset of a reinstalled
 * device, bounded skipped keys, the vault form, and a delivery-order property (fast-check).
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import {
  decodeSession,
  encodeSession,
  isProtocolError,
  keepSession,
  MAX_SKIPPED_KEYS,
  SESSION_ENTRY_BYTES,
  SESSION_MAX_AGE_MS,
  sendingSession,
  sessionOpen,
  toHex,
} from '../src/index.js'
import { loadPresets, seededRandom } from './envelope-helpers.js'
import { End, startPair } from './session-helpers.js'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`
const presets = await loadPresets()

for (const provider of presets) {
  describe(`sessions (${provider.name})`, () => {
    const random = (n: number) => provider.randomBytes(n)
    const pair = () => {
      const p = startPair(provider, random)
      return { ...p, a: new End(provider, p.a, random), b: new End(provider, p.b, random) }
    }
    const key = () => provider.randomBytes(32)
    const same = (got: Uint8Array | null, want: Uint8Array) =>
      assert.equal(got && toHex(got), toHex(want))

    it('both sides agree after a prekey message; entries are 116 bytes, both ways', () => {
      const { a, b } = pair()
      assert.equal(a.session.id, b.session.id)
      const k1 = key()
      const e1 = a.seal(k1)
      assert.equal(e1.length, SESSION_ENTRY_BYTES)
      same(b.open(e1), k1)
      // The responder can send at once (its DH step ran at the start).
      const k2 = key()
      same(a.open(b.seal(k2)), k2)
      // A's DH step: its next chain, then B's.
      for (let i = 0; i < 3; i++) {
        const k = key()
        same(b.open(a.seal(k)), k)
        const r = key()
        same(a.open(b.seal(r)), r)
      }
    })

    it('a replayed entry does not open again (its key was deleted)', () => {
      const { a, b } = pair()
      const k = key()
      const e = a.seal(k)
      same(b.open(e), k)
      assert.equal(b.open(e), null)
      // A replay of a skipped-then-used key, too.
      const e1 = a.seal(key())
      const k2 = key()
      const e2 = a.seal(k2)
      same(b.open(e2), k2)
      assert.ok(b.open(e1))
      assert.equal(b.open(e1), null)
      assert.equal(b.open(e2), null)
    })

    it('reordered entries all open, across a DH step', () => {
      const { a, b } = pair()
      const keys = [key(), key(), key(), key(), key()]
      const entries = keys.map((k) => a.seal(k))
      for (const i of [4, 0, 3, 1, 2]) same(b.open(entries[i]!), keys[i]!)
      // Chain 2 of A arrives before the end of chain 1.
      const k0 = key()
      const k1 = key()
      const e0 = a.seal(k0)
      const e1 = a.seal(k1)
      const r = key()
      same(a.open(b.seal(r)), r)
      const k2 = key()
      const f0 = a.seal(k2)
      same(b.open(f0), k2)
      same(b.open(e1), k1)
      same(b.open(e0), k0)
    })

    it('a lost message does not stop the others, and its key waits for it', () => {
      const { a, b } = pair()
      const k0 = key()
      const k1 = key()
      const k2 = key()
      const e0 = a.seal(k0)
      const e1 = a.seal(k1)
      const e2 = a.seal(k2)
      same(b.open(e0), k0)
      same(b.open(e2), k2)
      const r = key()
      same(a.open(b.seal(r)), r)
      const k3 = key()
      same(b.open(a.seal(k3)), k3)
      // The lost one arrives after a DH step: its skipped key still opens it, once.
      same(b.open(e1), k1)
      assert.equal(b.open(e1), null)
    })

    it('a stolen state stops opening after a round trip (post-compromise security)', () => {
      const { a, b } = pair()
      // The attacker copies B's whole state now and follows every entry A sends.
      const thief = new End(provider, decodeSession(encodeSession(b.session)), random)
      const k1 = key()
      const e1 = a.seal(k1)
      same(b.open(e1), k1)
      same(thief.open(e1), k1) // compromised: it reads what is in flight
      const r0 = key()
      same(a.open(b.seal(r0)), r0)
      const k2 = key()
      const e2 = a.seal(k2) // A's new chain, on B's old ratchet key: still readable
      same(b.open(e2), k2)
      same(thief.open(e2), k2)
      const r = key()
      same(a.open(b.seal(r)), r) // B's fresh ratchet key reaches A
      const k3 = key()
      const e3 = a.seal(k3)
      same(b.open(e3), k3)
      assert.equal(thief.open(e3), null, 'healed: the old state opens nothing after the round trip')
      const k4 = key()
      const e4 = a.seal(k4)
      assert.equal(thief.open(e4), null)
      same(b.open(e4), k4)
    })

    it('a reinstalled reader opens nothing (uniformly) and the sender resets', () => {
      const { a, b } = pair()
      // Not confirmed yet: the initiator keeps sending prekey messages until B answers.
      assert.equal(sendingSession([a.session], { now: 2_000, peerPrekeyCreated: 0 }), undefined)
      a.open(b.seal(key()))
      const e = a.seal(key())
      // Lost state: no session, or a session from another start.
      assert.equal(sessionOpen(provider, [], e, 5), null)
      const other = startPair(provider, random).b
      assert.equal(sessionOpen(provider, [other], e, 5), null)
      void b
      // The reinstalled device published a new prekey after the session started: A must not
      // send on the old session (its next message is a prekey message, never no FS at all).
      assert.equal(sendingSession([a.session], { now: 2_000, peerPrekeyCreated: 1_500 }), undefined)
      assert.equal(
        sendingSession([a.session], { now: 2_000, peerPrekeyCreated: 500 })?.id,
        a.session.id,
      )
      // And a session never sends past its age (the daily PQ refresh, sessions.md §6).
      assert.equal(
        sendingSession([a.session], { now: 1_000 + SESSION_MAX_AGE_MS, peerPrekeyCreated: 0 }),
        undefined,
      )
    })

    it('prefers the session the peer last used; keeps at most 4 per peer', () => {
      const s1 = { ...startPair(provider, random, 100).a, received: 900 }
      const s2 = { ...startPair(provider, random, 500).a, received: 600 }
      assert.equal(sendingSession([s2, s1], { now: 1_000, peerPrekeyCreated: 0 })?.id, s1.id)
      let kept = [s1]
      for (let i = 0; i < 6; i++) kept = keepSession(kept, startPair(provider, random, 1000 + i).a)
      assert.equal(kept.length, 4)
      assert.ok(!kept.some((s) => s.id === s1.id) || kept.length <= 4)
    })

    it('a hostile counter jump is LIMIT_EXCEEDED; skipped keys stay bounded', () => {
      const { a, b } = pair()
      const entries = Array.from({ length: 1002 }, () => a.seal(key()))
      assert.throws(
        () => b.open(entries[1001]!),
        (e: unknown) => isProtocolError(e, 'LIMIT_EXCEEDED'),
      )
      assert.equal(b.session.ratchet.skipped.length, 0, 'a refused jump changes nothing')
      assert.ok(b.open(entries[999]!)) // 999 skipped: within the bound
      assert.equal(b.session.ratchet.skipped.length, 999)
      assert.ok(a.open(b.seal(key())))
      // Two more chains of 999 skipped each: capped at MAX_SKIPPED_KEYS, oldest evicted.
      for (let chain = 0; chain < 2; chain++) {
        const batch = Array.from({ length: 1000 }, () => a.seal(key()))
        assert.ok(b.open(batch[999]!))
        assert.ok(a.open(b.seal(key())))
      }
      assert.equal(b.session.ratchet.skipped.length, MAX_SKIPPED_KEYS)
    })

    it('the vault form round-trips; a damaged record is SCHEMA_VIOLATION', () => {
      const { a, b } = pair()
      a.seal(key())
      const e = a.seal(key())
      assert.ok(b.open(e))
      const back = decodeSession(encodeSession(b.session))
      assert.equal(encodeSession(back), encodeSession(b.session))
      for (const bad of ['', '{}', '[]', encodeSession(b.session).replace('"rk":"', '"rk":"x')])
        assert.throws(
          () => decodeSession(bad),
          (e: unknown) => isProtocolError(e, 'SCHEMA_VIOLATION'),
        )
    })

    it('any delivery order within the skip bound opens every entry exactly once (property)', () => {
      // Random conversations: 0 = A seals, 1 = B seals, 2 = B receives a random pending entry,
      // 3 = A receives one; at the end every pending entry is delivered in random order. Every
      // entry opens to its key exactly once; a second delivery opens nothing.
      fc.assert(
        fc.property(
          fc.array(fc.nat(3), { minLength: 1, maxLength: 40 }),
          fc.array(fc.nat(1000), { minLength: 40, maxLength: 40 }),
          (steps, picks) => {
            const { a, b } = pair()
            const toB: [Uint8Array, Uint8Array][] = []
            const toA: [Uint8Array, Uint8Array][] = []
            const delivered: [End, Uint8Array][] = []
            let p = 0
            const deliver = (to: End, queue: [Uint8Array, Uint8Array][]) => {
              if (queue.length === 0) return
              const [e, k] = queue.splice(picks[p++ % picks.length]! % queue.length, 1)[0]!
              same(to.open(e), k)
              delivered.push([to, e])
            }
            for (const step of steps) {
              const k = key()
              if (step === 0) toB.push([a.seal(k), k])
              else if (step === 1) toA.push([b.seal(k), k])
              else if (step === 2) deliver(b, toB)
              else deliver(a, toA)
            }
            while (toB.length > 0) deliver(b, toB)
            while (toA.length > 0) deliver(a, toA)
            for (const [to, e] of delivered) assert.equal(to.open(e), null, 'replay')
          },
        ),
        { seed, numRuns: 40 },
      )
      void why
    })
  })
}
