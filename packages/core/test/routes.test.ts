/**
 * Routing tags of envelopes (docs/protocol/envelope.md §12): one tag per reader user other than
 * the author, padded to the recipient bucket, unlinkable across envelopes, strictly decoded.
 * @module
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  ErrorCode,
  TrustGraph,
  decodeEncryptedData,
  fromBase64url,
  generatePrekey,
  isProtocolError,
  openResource,
  prekeyRecordOf,
  routeTag,
  sealResource,
  selectPrekeys,
  toBase64url,
  validateResource,
} from '../src/index.js'
import type { EncryptedData, PrekeyRecord, Prekey } from '../src/index.js'
import { T0, feed, person, provider, sign } from './world.js'
import type { Person } from './world.js'

function prekeyOf(g: TrustGraph, p: Person): { prekey: Prekey; record: PrekeyRecord } {
  const prekey = generatePrekey(provider, { created: T0, expires: T0 + 86_400_000 })
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
      created: T0,
    },
    p.node,
  )
  return { prekey, record: prekeyRecordOf(provider, feed(g, r)[0]!) }
}

describe('envelope routing tags', () => {
  it('are SHA-512("sdmp/route/v1" || 0x00 || nonce || UTF-8(user)), first 16 bytes (§12.1)', () => {
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => i * 17)
    const user = 'u'.repeat(86)
    const digest = createHash('sha512')
      .update('sdmp/route/v1')
      .update(Uint8Array.of(0))
      .update(nonce)
      .update(user, 'utf8')
      .digest()
    const want = toBase64url(digest.subarray(0, 16))
    assert.equal(routeTag(provider, nonce, user), want)
    assert.equal(routeTag(provider, nonce, user), want, 'the same again')
  })

  const g = new TrustGraph()
  const [alice, bob, carol, dave, eve] = [1, 2, 3, 4, 5].map((n) => person(g, n)) as [
    Person,
    Person,
    Person,
    Person,
    Person,
  ]
  const keys = [alice, bob, carol, dave].map((p) => prekeyOf(g, p))
  const seal = (to: Person[], readers?: Person[]) =>
    sealResource(
      provider,
      sign(
        {
          kind: 'message',
          user: alice.user.fingerprint,
          trust: alice.trust.id,
          data: { body: 'hi', type: 'text', to: to.map((p) => p.user.fingerprint) },
        },
        alice.node,
      ),
      selectPrekeys(
        keys.map((k) => k.record),
        T0,
      ),
      { key: alice.node, user: alice.user.fingerprint, trust: alice.trust.id },
      readers === undefined ? {} : { readers: readers.map((p) => p.user.fingerprint) },
    )
  const dataOf = (bytes: Uint8Array): EncryptedData =>
    decodeEncryptedData(validateResource(provider, bytes, g, { now: T0 }).data)
  const tagged = (d: EncryptedData, p: Person) =>
    d.routes!.includes(routeTag(provider, fromBase64url(d.nonce), p.user.fingerprint))

  it('tags every reader but the author, pads to the bucket, and still opens', () => {
    const one = dataOf(seal([bob], [alice, bob]).bytes)
    assert.equal(one.routes!.length, 2, 'one real tag and one dummy')
    assert.ok(tagged(one, bob))
    for (const p of [alice, carol, dave, eve]) assert.equal(tagged(one, p), false)

    const outer = seal([bob, carol, dave], [alice, bob, carol, dave])
    const three = dataOf(outer.bytes)
    assert.equal(three.routes!.length, 4)
    for (const p of [bob, carol, dave]) assert.ok(tagged(three, p))
    assert.equal(tagged(three, eve), false)
    assert.deepEqual([...three.routes!].sort(), three.routes, 'sorted')
    const v = validateResource(provider, outer.bytes, g, { now: T0 })
    const opened = openResource(provider, v, [keys[2]!.prekey.secret], g, {
      now: T0,
      reader: carol.user.fingerprint,
    })
    assert.equal((opened.data as { body: string }).body, 'hi')
    const text = new TextDecoder().decode(outer.bytes)
    for (const p of [bob, carol, dave]) assert.equal(text.includes(p.user.fingerprint), false)
  })

  it('gives the same reader a different tag in every envelope', () => {
    const a = dataOf(seal([bob], [alice, bob]).bytes)
    const b = dataOf(seal([bob], [alice, bob]).bytes)
    assert.equal(
      a.routes!.some((t) => b.routes!.includes(t)),
      false,
    )
  })

  it('leaves envelopes sealed without readers untagged (profile 1.0)', () => {
    assert.equal(dataOf(seal([bob]).bytes).routes, undefined)
  })

  it('refuses malformed routes with a coded error', () => {
    const base = { ...dataOf(seal([bob], [alice, bob]).bytes) } as Record<string, unknown>
    const tag = (n: number) => toBase64url(new Uint8Array(16).fill(n))
    const cases: [unknown, ErrorCode][] = [
      ['x', ErrorCode.SCHEMA_VIOLATION],
      [[tag(1)], ErrorCode.SCHEMA_VIOLATION],
      [[tag(1), tag(2), tag(3)], ErrorCode.SCHEMA_VIOLATION],
      [[tag(2), tag(1)], ErrorCode.SCHEMA_VIOLATION],
      [[tag(1), tag(1)], ErrorCode.SCHEMA_VIOLATION],
      [[tag(1), 7], ErrorCode.SCHEMA_VIOLATION],
      [[tag(1), tag(2) + 'A'], ErrorCode.INVALID_ENCODING],
      [[tag(1), 'B'.repeat(21) + '='], ErrorCode.INVALID_ENCODING],
      [Array.from({ length: 2048 }, (_, i) => tag(i % 256)), ErrorCode.LIMIT_EXCEEDED],
    ]
    for (const [routes, code] of cases)
      assert.throws(
        () => decodeEncryptedData({ ...base, routes }),
        (e) => isProtocolError(e, code),
        JSON.stringify(routes).slice(0, 60),
      )
    assert.deepEqual(decodeEncryptedData({ ...base, routes: [tag(1), tag(2)] }).routes, [
      tag(1),
      tag(2),
    ])
  })
})
