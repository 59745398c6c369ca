/** Private resources: sealing to prekeys, opening, host-only nodes, binding checks. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ErrorCode,
  TrustGraph,
  generatePrekey,
  isProtocolError,
  openResource,
  prekeyRecordOf,
  sealResource,
  selectPrekeys,
  toBase64url,
  validateResource,
} from '../src/index.js'
import type { Prekey, PrekeyRecord } from '../src/index.js'
import { T0, feed, person, provider, sign } from './world.js'
import type { Person } from './world.js'

const DAY = 86_400_000

/** Generate and publish a prekey for a person's node; returns the secret and the record. */
function publishPrekey(
  g: TrustGraph,
  p: Person,
  created = T0,
): { prekey: Prekey; record: PrekeyRecord } {
  const prekey = generatePrekey(provider, { created, expires: created + 14 * DAY })
  const r = sign(
    {
      kind: 'prekey',
      user: p.user.fingerprint,
      trust: p.trust.id,
      data: {
        suite: 'pq-kyber768-x25519',
        key: toBase64url(prekey.publicKey),
        expires: new Date(prekey.expires).toISOString(),
      },
      created,
    },
    p.node,
  )
  const [v] = feed(g, r)
  return { prekey, record: prekeyRecordOf(provider, v!) }
}

function message(from: Person, to: Person[], body = 'secret') {
  return sign(
    {
      kind: 'message',
      user: from.user.fingerprint,
      trust: from.trust.id,
      data: { body, type: 'text', to: to.map((p) => p.user.fingerprint) },
    },
    from.node,
  )
}

describe('sealResource / openResource', () => {
  const g = new TrustGraph()
  const alice = person(g, 1)
  const bob = person(g, 2)
  const carol = person(g, 3)
  const host = person(g, 4, ['read_resource'])
  const a = publishPrekey(g, alice)
  const b = publishPrekey(g, bob)
  const c = publishPrekey(g, carol)

  it('lets every recipient node and the sender open, and hides recipients and exact size', () => {
    const inner = message(alice, [bob, carol])
    const outer = sealResource(provider, inner, selectPrekeys([a.record, b.record, c.record], T0), {
      key: alice.node,
      user: alice.user.fingerprint,
      trust: alice.trust.id,
    })
    const v = validateResource(provider, outer.bytes, g, { now: T0 })
    for (const [p, pk] of [
      [bob, b],
      [carol, c],
      [alice, a],
    ] as const) {
      const opened = openResource(provider, v, [pk.prekey.secret], g, {
        now: T0,
        reader: p.user.fingerprint,
      })
      assert.equal(opened.id, inner.id)
    }
    // Opening reads the validated data (whose bytes its decoding kept), not the raw JSON.
    const noRaw = Object.freeze({ ...v, raw: null }) as unknown as typeof v
    const again = openResource(provider, noRaw, [b.prekey.secret], g, {
      now: T0,
      reader: bob.user.fingerprint,
    })
    assert.equal(again.id, inner.id)
    const text = new TextDecoder().decode(outer.bytes)
    for (const p of [bob, carol]) {
      assert.equal(text.includes(p.user.fingerprint), false)
      assert.equal(text.includes(p.node.fingerprint), false)
    }
    const shorter = sealResource(
      provider,
      message(alice, [bob, carol], 's'),
      selectPrekeys([a.record, b.record, c.record], T0),
      { key: alice.node, user: alice.user.fingerprint, trust: alice.trust.id },
    )
    assert.equal(shorter.bytes.length, outer.bytes.length)
  })

  it('refuses a host-only node as a prekey publisher, and it cannot open', () => {
    assert.throws(
      () => publishPrekey(g, host),
      (e) => isProtocolError(e, ErrorCode.UNAUTHORIZED_SIGNER),
    )
    const outer = sealResource(provider, message(alice, [bob]), selectPrekeys([b.record], T0), {
      key: alice.node,
      user: alice.user.fingerprint,
      trust: alice.trust.id,
    })
    const v = validateResource(provider, outer.bytes, g, { now: T0 })
    const hostKey = generatePrekey(provider, { created: T0, expires: T0 + DAY })
    assert.throws(
      () => openResource(provider, v, [hostKey.secret], g, { now: T0 }),
      (e) => isProtocolError(e, ErrorCode.DECRYPT_FAILED),
    )
  })

  it('refuses a message re-sealed by someone else and one not addressed to the reader', () => {
    const inner = message(alice, [bob])
    const resealed = sealResource(provider, inner, selectPrekeys([c.record], T0), {
      key: carol.node,
      user: carol.user.fingerprint,
      trust: carol.trust.id,
    })
    const v = validateResource(provider, resealed.bytes, g, { now: T0 })
    assert.throws(
      () =>
        openResource(provider, v, [c.prekey.secret], g, {
          now: T0,
          reader: carol.user.fingerprint,
        }),
      (e) => isProtocolError(e, ErrorCode.FORBIDDEN),
    )
    const misaddressed = sealResource(provider, inner, selectPrekeys([c.record], T0), {
      key: alice.node,
      user: alice.user.fingerprint,
      trust: alice.trust.id,
    })
    const m = validateResource(provider, misaddressed.bytes, g, { now: T0 })
    assert.throws(
      () =>
        openResource(provider, m, [c.prekey.secret], g, {
          now: T0,
          reader: carol.user.fingerprint,
        }),
      (e) => isProtocolError(e, ErrorCode.FORBIDDEN),
    )
  })

  it('opens a contact list only for its own user (issue 11), and checks its schema', () => {
    const list = (from: Person, entries: unknown) =>
      sign(
        {
          kind: 'contacts',
          user: from.user.fingerprint,
          trust: from.trust.id,
          data: { entries } as never,
        },
        from.node,
      )
    const entry = { user: bob.user.fingerprint, name: 'bob', at: new Date(T0).toISOString() }
    const inner = list(alice, [entry, { ...entry, user: carol.user.fingerprint, removed: true }])
    const seal = (to: PrekeyRecord[]) =>
      validateResource(
        provider,
        sealResource(provider, inner, selectPrekeys(to, T0), {
          key: alice.node,
          user: alice.user.fingerprint,
          trust: alice.trust.id,
        }).bytes,
        g,
        { now: T0 },
      )
    const own = openResource(provider, seal([a.record]), [a.prekey.secret], g, {
      now: T0,
      reader: alice.user.fingerprint,
    })
    assert.equal(own.kind, 'contacts')
    // Sealed (wrongly, or by a forger) to Bob's node: Bob's node refuses to take it as his.
    assert.throws(
      () =>
        openResource(provider, seal([b.record]), [b.prekey.secret], g, {
          now: T0,
          reader: bob.user.fingerprint,
        }),
      (e) => isProtocolError(e, ErrorCode.FORBIDDEN),
    )
    for (const bad of [
      [entry, entry],
      [{ ...entry, removed: false }],
      [{ ...entry, name: '' }],
      [{ ...entry, at: 'yesterday' }],
      [{ user: 'x', name: 'bob', at: entry.at }],
      [{ ...entry, extra: 1 }],
    ])
      assert.throws(
        () => list(alice, bad),
        (e) => isProtocolError(e, ErrorCode.SCHEMA_VIOLATION),
        JSON.stringify(bad),
      )
  })

  it('picks the newest valid prekey of each node', () => {
    const newer = publishPrekey(g, bob, T0 + DAY)
    const chosen = selectPrekeys([b.record, newer.record, a.record], T0 + 2 * DAY)
    assert.deepEqual(chosen.map((r) => r.keyId).sort(), [newer.record.keyId, a.record.keyId].sort())
    const outer = sealResource(
      provider,
      message(alice, [bob]),
      chosen,
      { key: alice.node, user: alice.user.fingerprint, trust: alice.trust.id },
      { created: T0 + 2 * DAY },
    )
    const v = validateResource(provider, outer.bytes, g, { now: T0 + 2 * DAY })
    assert.throws(
      () => openResource(provider, v, [b.prekey.secret], g, { now: T0 + 2 * DAY }),
      (e) => isProtocolError(e, ErrorCode.DECRYPT_FAILED),
    )
    assert.equal(
      openResource(provider, v, [newer.prekey.secret], g, { now: T0 + 2 * DAY }).kind,
      'message',
    )
  })

  it('refuses to seal a kind that is not private', () => {
    const post = sign(
      {
        kind: 'post',
        user: alice.user.fingerprint,
        trust: alice.trust.id,
        data: { body: 'x', type: 'text' },
      },
      alice.node,
    )
    assert.throws(
      () =>
        sealResource(provider, post, [a.record], { key: alice.node, user: alice.user.fingerprint }),
      (e) => isProtocolError(e, ErrorCode.BAD_REQUEST),
    )
  })
})
