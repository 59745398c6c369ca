/**
 * verifyForwarded (docs/protocol/forwarding.md): an embedded message verifies from its proof
 * alone, for a receiver who knows nothing of the author; any change to the embedded bytes, a
 * missing or foreign proof, a non-message or a nested forward is refused with its code.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  ErrorCode,
  LIMITS,
  decodeResource,
  isProtocolError,
  verifyForwarded,
} from '../src/index.js'
import type { DecodedResource, ForwardedData } from '../src/index.js'
import { T0, TrustGraph, identityOf, keyOf, person, postBy, provider, sign } from './world.js'

const text = (r: DecodedResource) => new TextDecoder().decode(r.bytes)
const graph = new TrustGraph()
const alice = person(graph, 1)
const bob = person(graph, 2)
const proof = [identityOf(alice.user, 'user'), identityOf(alice.node, 'node'), alice.trust].map(
  text,
)

function messageBy(
  p: typeof alice,
  data: Record<string, unknown> = {},
  created = T0,
): DecodedResource {
  return sign(
    {
      kind: 'message',
      user: p.user.fingerprint,
      trust: p.trust.id,
      data: { body: 'the plan: **ship**', type: 'markdown', to: [bob.user.fingerprint], ...data },
      created,
    },
    p.node,
  )
}

const refuses = (forwarded: ForwardedData, code: ErrorCode) =>
  assert.throws(
    () => verifyForwarded(provider, forwarded, { now: T0 }),
    (e) => isProtocolError(e, code) && e.message.startsWith('message.forwarded: '),
  )

/** The same resource text with its body replaced and the identifier recomputed. */
function altered(r: DecodedResource, body: string): string {
  const outer = JSON.parse(text(r))
  const inner = JSON.parse(Buffer.from(outer.signature.payload, 'base64url').toString('utf8'))
  inner.message.body = body
  const payload = Buffer.from(JSON.stringify(sortKeys(inner))).toString('base64url')
  outer.signature.payload = payload
  outer.signature.identifier = Buffer.from(
    provider.sha512(new TextEncoder().encode(payload)),
  ).toString('base64url')
  return JSON.stringify(sortKeys(outer))
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v === null || typeof v !== 'object') return v
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  )
}

describe('verifyForwarded', () => {
  it("verifies alice's message from the proof alone, in any proof order", () => {
    const original = messageBy(alice)
    for (const order of [proof, [...proof].reverse()]) {
      const v = verifyForwarded(provider, { resource: text(original), proof: order }, { now: T0 })
      assert.equal(v.author, alice.user.fingerprint)
      assert.equal(v.id, original.id)
      assert.equal(v.created, T0)
      assert.equal(v.data.body, 'the plan: **ship**')
      assert.equal(v.authorizedBy, alice.trust.id)
    }
  })

  it('refuses an embedded body changed after signing', () => {
    const forged = altered(messageBy(alice), 'send the money to bob')
    // Still a well-formed resource: only the signature tells.
    assert.equal(decodeResource(provider, new TextEncoder().encode(forged)).kind, 'message')
    refuses({ resource: forged, proof }, ErrorCode.INVALID_SIGNATURE)
  })

  it('refuses a payload whose identifier was not recomputed', () => {
    const outer = JSON.parse(text(messageBy(alice)))
    outer.signature.identifier = messageBy(alice, { body: 'other' }).id
    refuses({ resource: JSON.stringify(outer), proof }, ErrorCode.INVALID_ENCODING)
  })

  it('refuses without the proof, or with the proof of someone else', () => {
    const original = text(messageBy(alice))
    refuses({ resource: original, proof: [] }, ErrorCode.UNAUTHORIZED_SIGNER)
    refuses({ resource: original, proof: proof.slice(0, 2) }, ErrorCode.UNAUTHORIZED_SIGNER)
    const bobs = [identityOf(bob.user, 'user'), identityOf(bob.node, 'node'), bob.trust].map(text)
    refuses({ resource: original, proof: bobs }, ErrorCode.UNAUTHORIZED_SIGNER)
  })

  it('refuses a message signed by a node the proof does not authorize (bob claims alice)', () => {
    // Bob's node signs a message "for" alice, citing alice's trust: the trust names another node.
    const forged = sign(
      {
        kind: 'message',
        user: alice.user.fingerprint,
        trust: alice.trust.id,
        data: { body: 'forged', type: 'text', to: [bob.user.fingerprint] },
      },
      bob.node,
    )
    const withBobNode = [...proof, text(identityOf(bob.node, 'node'))]
    refuses({ resource: text(forged), proof: withBobNode }, ErrorCode.UNAUTHORIZED_SIGNER)
  })

  it('refuses a trust that lacks publish_resource', () => {
    const g = new TrustGraph()
    const carol = person(g, 3, ['read_encrypted'])
    const m = messageBy(carol)
    const p = [identityOf(carol.user, 'user'), identityOf(carol.node, 'node'), carol.trust].map(
      text,
    )
    refuses({ resource: text(m), proof: p }, ErrorCode.UNAUTHORIZED_SIGNER)
  })

  it('refuses a post, a nested forward, a proof of another kind and too many proofs', () => {
    refuses({ resource: text(postBy(alice)), proof }, ErrorCode.SCHEMA_VIOLATION)
    const inner = { resource: text(messageBy(alice)), proof }
    const nested = messageBy(alice, { forwarded: inner })
    refuses({ resource: text(nested), proof }, ErrorCode.SCHEMA_VIOLATION)
    refuses(
      { resource: inner.resource, proof: [...proof, text(postBy(alice))] },
      ErrorCode.SCHEMA_VIOLATION,
    )
    const many = Array.from({ length: LIMITS.maxForwardProof + 1 }, () => proof[0]!)
    refuses({ resource: inner.resource, proof: many }, ErrorCode.LIMIT_EXCEEDED)
  })

  it('refuses garbage text with a coded error, never a crash', () => {
    refuses({ resource: 'not json', proof }, ErrorCode.INVALID_ENCODING)
    refuses({ resource: text(messageBy(alice)), proof: ['{}'] }, ErrorCode.SCHEMA_VIOLATION)
  })

  it('a message carrying a forward passes the message schema', () => {
    const fwd = messageBy(bob, { body: '', forwarded: { resource: text(messageBy(alice)), proof } })
    assert.equal(fwd.kind, 'message')
    assert.throws(
      () => messageBy(bob, { forwarded: { resource: '', proof } }),
      (e) => isProtocolError(e, ErrorCode.SCHEMA_VIOLATION),
    )
    assert.throws(
      () => messageBy(bob, { forwarded: { resource: 'x', proof, extra: 1 } }),
      (e) => isProtocolError(e, ErrorCode.SCHEMA_VIOLATION),
    )
  })
})
