/**
 * Prekeys: generation, sealing to a prekey, selection of the newest valid prekey per node, and
 * the rotation and deletion policy (docs/protocol/envelope.md §7).
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createNobleProvider,
  DEFAULT_PREKEY_POLICY,
  generatePrekey,
  isPrekeyValidAt,
  openEnvelope,
  prekeyId,
  prekeyNeedsRotation,
  prekeySecretsToDelete,
  prekeyValidity,
  sealEnvelope,
  selectPrekeys,
  toBase64url,
  toHex,
} from '../src/index.js'
import type { PrekeyRecord } from '../src/index.js'

const provider = createNobleProvider()
const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 1)

/** A record with a synthetic key (selection never looks inside the key). */
const rec = (node: string, keyId: string, created: number, expires: number): PrekeyRecord => ({
  node,
  keyId,
  publicKey: new Uint8Array(1216),
  created,
  expires,
})

describe('generatePrekey', () => {
  it('makes a 1216-byte hybrid key whose id is base64url(SHA-512(key)) and which opens envelopes', () => {
    const pk = generatePrekey(provider, prekeyValidity(T0))
    assert.equal(pk.publicKey.length, 1216)
    assert.equal(pk.secret.suite, 'pq-kyber768-x25519')
    assert.equal(pk.keyId, toBase64url(provider.sha512(pk.publicKey)))
    assert.equal(pk.keyId.length, 86)
    assert.equal(pk.expires - pk.created, 14 * DAY)
    const sealed = sealEnvelope(provider, new Uint8Array([1, 2, 3]), [pk])
    assert.deepEqual([...openEnvelope(provider, sealed, [pk.secret])], [1, 2, 3])
  })
  it('is deterministic for a seed and fresh without one', () => {
    const seed = new Uint8Array(96).fill(9)
    const a = generatePrekey(provider, { created: T0, expires: T0 + DAY, seed })
    const b = generatePrekey(provider, { created: T0, expires: T0 + DAY, seed })
    assert.equal(toHex(a.publicKey), toHex(b.publicKey))
    assert.equal(a.keyId, prekeyId(provider, b.publicKey))
    const c = generatePrekey(provider, { created: T0, expires: T0 + DAY })
    assert.notEqual(c.keyId, a.keyId)
  })
  it('refuses times that are not integers with created < expires (a bug)', () => {
    for (const [created, expires] of [
      [T0, T0],
      [T0, T0 - 1],
      [NaN, T0],
      [T0, 1.5],
    ]) {
      assert.throws(
        () => generatePrekey(provider, { created: created!, expires: expires! }),
        RangeError,
      )
    }
  })
})

describe('selectPrekeys', () => {
  const records = [
    rec('node-b', 'k-b1', T0, T0 + 14 * DAY),
    rec('node-b', 'k-b2', T0 + 7 * DAY, T0 + 21 * DAY),
    rec('node-a', 'k-a-old', T0 - 20 * DAY, T0 - 6 * DAY), // expired
    rec('node-a', 'k-a', T0 + 1 * DAY, T0 + 15 * DAY),
    rec('node-c', 'k-c-future', T0 + 30 * DAY, T0 + 44 * DAY), // not yet valid
    rec('node-d', 'zz', T0, T0 + DAY),
    rec('node-d', 'aa', T0, T0 + DAY), // same created: the smaller keyId wins
  ]
  it('picks the newest valid prekey per node, breaks ties by keyId, sorts by node', () => {
    const now = T0 + 8 * DAY - 1
    const chosen = selectPrekeys(records, now).map((r) => [r.node, r.keyId])
    assert.deepEqual(chosen, [
      ['node-a', 'k-a'],
      ['node-b', 'k-b2'],
    ])
    assert.deepEqual(
      selectPrekeys(records, T0 + 1).map((r) => [r.node, r.keyId]),
      [
        ['node-b', 'k-b1'],
        ['node-d', 'aa'],
      ],
    )
  })
  it('gives the same answer for any input order', () => {
    const now = T0 + DAY / 2
    const want = selectPrekeys(records, now)
    assert.deepEqual(selectPrekeys([...records].reverse(), now), want)
  })
  it('treats created as inclusive and expires as exclusive', () => {
    const r = rec('n', 'k', T0, T0 + DAY)
    assert.equal(isPrekeyValidAt(r, T0), true)
    assert.equal(isPrekeyValidAt(r, T0 + DAY - 1), true)
    assert.equal(isPrekeyValidAt(r, T0 + DAY), false)
    assert.equal(isPrekeyValidAt(r, T0 - 1), false)
  })
})

describe('rotation policy', () => {
  it('has the documented defaults: rotate 7 days, valid 14 days, delete 7 days after expiry', () => {
    assert.deepEqual(
      { ...DEFAULT_PREKEY_POLICY },
      {
        rotateEveryMs: 7 * DAY,
        validForMs: 14 * DAY,
        deleteAfterExpiryMs: 7 * DAY,
      },
    )
    assert.ok(Object.isFrozen(DEFAULT_PREKEY_POLICY))
  })
  it('needs rotation with no valid prekey, and once the newest is rotateEvery old', () => {
    assert.equal(prekeyNeedsRotation([], T0), true)
    const own = [rec('me', 'k1', T0, T0 + 14 * DAY)]
    assert.equal(prekeyNeedsRotation(own, T0 + 7 * DAY - 1), false)
    assert.equal(prekeyNeedsRotation(own, T0 + 7 * DAY), true)
    own.push(rec('me', 'k2', T0 + 7 * DAY, T0 + 21 * DAY))
    assert.equal(prekeyNeedsRotation(own, T0 + 7 * DAY), false)
    assert.equal(prekeyNeedsRotation(own, T0 + 14 * DAY), true)
    assert.equal(prekeyNeedsRotation([rec('me', 'k', T0 - 15 * DAY, T0 - DAY)], T0), true)
    const fast = { ...DEFAULT_PREKEY_POLICY, rotateEveryMs: DAY }
    assert.equal(prekeyNeedsRotation([rec('me', 'k', T0, T0 + 14 * DAY)], T0 + DAY, fast), true)
  })
  it('lists secrets to delete only after expiry plus the grace period', () => {
    const own = [
      rec('me', 'old', T0 - 30 * DAY, T0 - 16 * DAY),
      rec('me', 'grace', T0 - 20 * DAY, T0 - 6 * DAY),
      rec('me', 'live', T0, T0 + 14 * DAY),
      rec('me', 'edge', T0 - 21 * DAY, T0 - 7 * DAY),
    ]
    assert.deepEqual(prekeySecretsToDelete(own, T0), ['edge', 'old'])
    assert.deepEqual(prekeySecretsToDelete(own, T0 - DAY), ['old'])
  })
})
