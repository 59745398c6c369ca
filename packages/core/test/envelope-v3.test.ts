/**
 * Profile 3 envelopes (docs/protocol/compact.md §5): the inner resource is sealed in the compact
 * form and opens to its exact JSON bytes; the version is bound in the AAD; profile 2 resources
 * (old stores and peers) still verify and open; an authentic plaintext that is no compact
 * resource is refused with a code.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  SUITE_HYBRID,
  decodeEncryptedData,
  encodeCompactResource,
  generateRecipientKeyPair,
  isProtocolError,
  openSessionEnvelope,
  openSessionResource,
  sealSessionEnvelope,
  sealSessionResource,
  selfEntryKey,
  signResource,
  utf8,
  validateResource,
} from '../src/index.js'
import type { EncryptedData, JsonObject } from '../src/index.js'
import { sealPadded } from '../src/envelope/envelope.js'
import { padPlaintext } from '../src/envelope/padding.js'
import { T0, TrustGraph, person, provider, sign } from './world.js'

const code = (f: () => unknown) => {
  try {
    f()
    return 'ok'
  } catch (e) {
    return isProtocolError(e) ? e.code : String(e)
  }
}

describe('profile 3 envelopes', () => {
  const g = new TrustGraph()
  const alice = person(g, 1)
  const bob = person(g, 2)
  const message = sign(
    {
      kind: 'message',
      user: alice.user.fingerprint,
      trust: alice.trust.id,
      data: { body: 'hello '.repeat(20), type: 'text', to: [bob.user.fingerprint] },
    },
    alice.node,
  )
  const bobPrekey = generateRecipientKeyPair(provider)
  const own = generateRecipientKeyPair(provider)
  const sender = { key: alice.node, user: alice.user.fingerprint, trust: alice.trust.id }
  const base = {
    self: alice.node.fingerprint,
    now: T0,
    selfKey: selfEntryKey(provider, own.secret),
  }
  const prekeys = [{ node: bob.node.fingerprint, publicKey: bobPrekey.publicKey }]
  const bobOpens = (bytes: Uint8Array) =>
    openSessionResource(
      provider,
      validateResource(provider, bytes, g, { now: T0 }),
      { self: bob.node.fingerprint, secrets: [bobPrekey.secret], sessions: [] },
      g,
      { now: T0, reader: bob.user.fingerprint },
    )

  it('sealSessionResource seals v 3; the reader gets the exact signed inner bytes', () => {
    const { outer } = sealSessionResource(
      provider,
      message,
      { ...base, prekeys, sessions: [] },
      sender,
    )
    assert.equal((outer.data as unknown as EncryptedData).v, 3)
    const opened = bobOpens(outer.bytes)
    assert.deepEqual(opened.inner.bytes, message.bytes)
    assert.equal(opened.inner.id, message.id)
    assert.ok(opened.session, 'the prekey wrap starts a session')
  })

  it('a validated resource opens from the envelope bytes its validation decoded', () => {
    const { outer } = sealSessionResource(
      provider,
      message,
      { ...base, prekeys, sessions: [] },
      sender,
    )
    const verified = validateResource(provider, outer.bytes, g, { now: T0 })
    // Without its raw JSON it opens all the same: the decoded data is what opening reads (its
    // base64 was decoded once, by validation; docs/load.md §5 "Fifteenth pass").
    const noRaw = Object.freeze({ ...verified, raw: null }) as unknown as typeof verified
    const opened = openSessionResource(
      provider,
      noRaw,
      { self: bob.node.fingerprint, secrets: [bobPrekey.secret], sessions: [] },
      g,
      { now: T0, reader: bob.user.fingerprint },
    )
    assert.deepEqual(opened.inner.bytes, message.bytes)
  })

  it('the sealed plaintext is the compact inner: a smaller padded bucket than profile 2', () => {
    const input = { ...base, prekeys, sessions: [] }
    const v2 = sealSessionEnvelope(provider, message.bytes, { ...input, version: 2 }).data
    const v3 = sealSessionEnvelope(provider, message.bytes, { ...input, version: 3 }).data
    assert.ok(v3.ciphertext.length < v2.ciphertext.length)
    assert.ok(encodeCompactResource(provider, message.bytes).length < message.bytes.length / 2)
  })

  it('a profile 2 resource (an old store or peer) still verifies and opens', () => {
    const sealed = sealSessionEnvelope(provider, message.bytes, { ...base, prekeys, sessions: [] })
    assert.equal(sealed.data.v, 2)
    const outer = signResource(
      provider,
      {
        kind: 'encrypted',
        user: alice.user.fingerprint,
        trust: alice.trust.id,
        data: sealed.data as unknown as JsonObject,
        created: T0,
      },
      [alice.node],
    )
    assert.deepEqual(bobOpens(outer.bytes).inner.bytes, message.bytes)
  })

  it('the version is bound: v 3 relabelled 2 (or 2 relabelled 3) fails uniformly', () => {
    const input = { ...base, prekeys, sessions: [] }
    const open = (data: unknown) =>
      openSessionEnvelope(provider, data, {
        self: bob.node.fingerprint,
        peer: alice.node.fingerprint,
        now: T0,
        secrets: [bobPrekey.secret],
        sessions: [],
      })
    const v3 = sealSessionEnvelope(provider, message.bytes, { ...input, version: 3 }).data
    const v2 = sealSessionEnvelope(provider, message.bytes, { ...input, version: 2 }).data
    assert.equal(
      code(() => open(v3)),
      'ok',
    )
    assert.equal(
      code(() => open({ ...v3, v: 2 })),
      'DECRYPT_FAILED',
    )
    assert.equal(
      code(() => open({ ...v2, v: 3 })),
      'DECRYPT_FAILED',
    )
    assert.equal(
      code(() => decodeEncryptedData({ ...v3, v: 4 })),
      'SCHEMA_VIOLATION',
    )
  })

  it('refuses to seal bytes that are no resource as v 3', () => {
    const input = { ...base, prekeys, sessions: [], version: 3 as const }
    assert.equal(
      code(() => sealSessionEnvelope(provider, utf8('hello'), input)),
      'INVALID_ENCODING',
    )
  })

  it('an authentic v 3 plaintext that is not compact is INVALID_ENCODING, not an inner', () => {
    // The sender itself sealed the JSON text under v 3 (only a sender can: it needs K).
    const data = sealPadded(
      provider,
      padPlaintext(message.bytes, 3),
      [bobPrekey.publicKey],
      SUITE_HYBRID,
      (n) => provider.randomBytes(n),
      3,
    )
    const r = code(() =>
      openSessionEnvelope(provider, data, {
        self: bob.node.fingerprint,
        peer: alice.node.fingerprint,
        now: T0,
        secrets: [bobPrekey.secret],
        sessions: [],
      }),
    )
    assert.equal(r, 'INVALID_ENCODING')
  })
})
