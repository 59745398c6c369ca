/** Resource signing, decoding and ingest validation. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  CONTENT_SCHEMAS,
  ErrorCode,
  TrustGraph,
  canonicalize,
  checkResource,
  decodeResource,
  isProtocolError,
  toBase64url,
  validateResource,
} from '../src/index.js'
import type { CryptoProvider, SigningKey } from '../src/index.js'
import { T0, feed, identityOf, keyOf, person, postBy, provider, sign } from './world.js'

const code = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    if (isProtocolError(e)) return e.code
    throw e
  }
  return 'no error'
}
const enc = (o: unknown) => new TextEncoder().encode(canonicalize(o))
const b64json = (o: unknown) => toBase64url(enc(o))

/** A signature container over any payload object, signed by `key` (bypasses the builders). */
function signedBy(key: ReturnType<typeof keyOf>, inner: unknown): Uint8Array {
  const payload = b64json(inner)
  const identifier = toBase64url(provider.sha512(new TextEncoder().encode(payload)))
  const prot = b64json({ alg: 'EdDSA', kid: key.fingerprint })
  const sig = toBase64url(
    provider.ed25519.sign(key.seed, new TextEncoder().encode(`${prot}.${payload}`)),
  )
  return enc({
    sdmp: { schemas: ['signature'], version: '1.0' },
    signature: { identifier, payload, signatures: [{ protected: prot, signature: sig }] },
  })
}

describe('signResource / decodeResource', () => {
  it('produces the documented wire form with a JWS signing input', () => {
    const alice = keyOf(1)
    const r = identityOf(alice, 'user')
    const outer = JSON.parse(new TextDecoder().decode(r.bytes))
    assert.deepEqual(Object.keys(outer), ['sdmp', 'signature'])
    assert.deepEqual(outer.sdmp, { schemas: ['signature'], version: '1.0' })
    assert.equal(
      outer.signature.identifier,
      toBase64url(provider.sha512(new TextEncoder().encode(outer.signature.payload))),
    )
    const header = JSON.parse(
      Buffer.from(outer.signature.signatures[0].protected, 'base64url').toString(),
    )
    assert.deepEqual(header, { alg: 'EdDSA', kid: alice.fingerprint })
    const input = new TextEncoder().encode(
      `${outer.signature.signatures[0].protected}.${outer.signature.payload}`,
    )
    assert.equal(
      provider.ed25519.verify(
        Buffer.from(outer.signature.signatures[0].signature, 'base64url'),
        input,
        alice.publicKey,
      ),
      true,
    )
    assert.equal(r.kind, 'identity')
    assert.equal(r.created, T0)
  })

  it('round-trips through decode with identical bytes and id', () => {
    const r = identityOf(keyOf(2), 'node', { name: 'laptop' })
    const d = decodeResource(provider, r.bytes)
    assert.equal(d.id, r.id)
    assert.deepEqual(d.raw, r.raw)
  })

  it('refuses an identifier that does not match the payload', () => {
    const r = identityOf(keyOf(1), 'user')
    const outer = JSON.parse(new TextDecoder().decode(r.bytes))
    outer.signature.identifier = 'A'.repeat(86)
    assert.equal(
      code(() => decodeResource(provider, enc(outer))),
      ErrorCode.INVALID_ENCODING,
    )
  })

  it('refuses non-canonical JSON, duplicate keys and __proto__ keys', () => {
    const r = identityOf(keyOf(1), 'user')
    const text = new TextDecoder().decode(r.bytes)
    assert.equal(
      code(() => decodeResource(provider, new TextEncoder().encode(' ' + text))),
      ErrorCode.INVALID_ENCODING,
    )
    const dup = text.replace(
      '{"sdmp":',
      '{"sdmp":{"schemas":["signature"],"version":"1.0"},"sdmp":',
    )
    assert.equal(
      code(() => decodeResource(provider, new TextEncoder().encode(dup))),
      ErrorCode.INVALID_ENCODING,
    )
    const proto = text.replace('{"sdmp":', '{"__proto__":{},"sdmp":')
    assert.equal(
      code(() => decodeResource(provider, new TextEncoder().encode(proto))),
      ErrorCode.INVALID_ENCODING,
    )
  })

  it('refuses unknown schemas, extra properties and unsupported versions in the payload', () => {
    const alice = keyOf(1)
    const base = {
      sdmp: { created: '2026-01-01T00:00:00.000Z', schemas: ['resource', 'post'], version: '1.0' },
      resource: { user: alice.fingerprint },
      post: { body: 'x', type: 'text' },
    }
    const wrap = (inner: unknown) => signedBy(alice, inner)
    assert.equal(
      code(() => decodeResource(provider, wrap(base))),
      'no error',
    )
    assert.equal(
      code(() =>
        decodeResource(
          provider,
          wrap({ ...base, sdmp: { ...base.sdmp, schemas: ['resource', 'sdmp://x/y'] } }),
        ),
      ),
      ErrorCode.UNKNOWN_SCHEMA,
    )
    assert.equal(
      code(() => decodeResource(provider, wrap({ ...base, extra: 1 }))),
      ErrorCode.SCHEMA_VIOLATION,
    )
    assert.equal(
      code(() =>
        decodeResource(provider, wrap({ ...base, sdmp: { ...base.sdmp, version: '9.9' } })),
      ),
      ErrorCode.UNSUPPORTED_VERSION,
    )
    assert.equal(
      code(() =>
        decodeResource(provider, wrap({ ...base, post: { body: 'x', type: 'text', evil: true } })),
      ),
      ErrorCode.SCHEMA_VIOLATION,
    )
    assert.equal(
      code(() =>
        decodeResource(
          provider,
          wrap({ ...base, sdmp: { ...base.sdmp, created: '2026-02-30T00:00:00.000Z' } }),
        ),
      ),
      ErrorCode.SCHEMA_VIOLATION,
    )
  })

  it('accepts a receipt naming 1..256 distinct messages and refuses any other list', () => {
    const alice = keyOf(1)
    const id = (n: number) => toBase64url(provider.sha512(new Uint8Array([n, n >> 8])))
    const receipt = (data: unknown) =>
      signedBy(alice, {
        sdmp: {
          created: '2026-01-01T00:00:00.000Z',
          schemas: ['resource', 'receipt'],
          version: '1.0',
        },
        resource: { user: alice.fingerprint },
        receipt: data,
      })
    const ids = (n: number) => Array.from({ length: n }, (_, i) => id(i))
    const got = decodeResource(provider, receipt({ resources: ids(256), status: 'delivered' }))
    assert.deepEqual((got.data as { resources: string[] }).resources, ids(256))
    assert.equal(
      code(() => decodeResource(provider, receipt({ resources: ids(1), status: 'read' }))),
      'no error',
    )
    for (const bad of [
      { resources: [], status: 'read' },
      { resources: ids(257), status: 'read' },
      { resources: [id(1), id(1)], status: 'read' },
      { resources: ['not-an-id'], status: 'read' },
      { resources: ids(1), status: 'seen' },
      { resource: id(1), status: 'read' },
    ])
      assert.equal(
        code(() => decodeResource(provider, receipt(bad))),
        ErrorCode.SCHEMA_VIOLATION,
      )
  })

  it('refuses oversize input before parsing', () => {
    assert.equal(
      code(() => decodeResource(provider, new Uint8Array(2 * 1024 * 1024))),
      ErrorCode.LIMIT_EXCEEDED,
    )
  })

  it('carries several signatures', () => {
    const a = keyOf(1)
    const b = keyOf(2)
    const r = sign(
      { kind: 'post', user: a.fingerprint, data: { body: 'co-signed', type: 'text' } },
      a,
      b,
    )
    assert.deepEqual(
      r.signatures.map((s) => s.kid),
      [a.fingerprint, b.fingerprint],
    )
  })
})

describe('validateResource', () => {
  it('accepts a post by an authorized node and names the authorizing trust', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const v = validateResource(provider, postBy(alice).bytes, g, { now: T0 })
    assert.equal(v.authorizedBy, alice.trust.id)
    assert.ok(Object.isFrozen(v))
  })

  it('refuses a signer nobody authorized, an unknown signer, and a forged signature', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const mallory = keyOf(9)
    feed(g, identityOf(mallory, 'node'))
    const forged = sign(
      {
        kind: 'post',
        user: alice.user.fingerprint,
        trust: alice.trust.id,
        data: { body: 'x', type: 'text' },
      },
      mallory,
    )
    assert.equal(
      code(() => validateResource(provider, forged.bytes, g, { now: T0 })),
      ErrorCode.UNAUTHORIZED_SIGNER,
    )
    const stranger = sign(
      { kind: 'post', user: alice.user.fingerprint, data: { body: 'x', type: 'text' } },
      keyOf(10),
    )
    assert.equal(
      code(() => validateResource(provider, stranger.bytes, g, { now: T0 })),
      ErrorCode.UNAUTHORIZED_SIGNER,
    )
    const text = new TextDecoder().decode(postBy(alice).bytes)
    const m = /"signature":"([A-Za-z0-9_-]+)"/.exec(text)!
    const flipped = m[1]!.slice(0, 10) + (m[1]![10] === 'A' ? 'B' : 'A') + m[1]!.slice(11)
    assert.equal(
      code(() =>
        validateResource(provider, new TextEncoder().encode(text.replace(m[1]!, flipped)), g, {
          now: T0,
        }),
      ),
      ErrorCode.INVALID_SIGNATURE,
    )
  })

  it('signed here: a signature signResource made is not verified again, bytes always are', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    let verifies = 0
    const counting: CryptoProvider = {
      ...provider,
      ed25519: {
        ...provider.ed25519,
        verify: (...a) => (verifies++, provider.ed25519.verify(...a)),
      },
    }
    const post = postBy(alice)
    const v = checkResource(counting, post, g, { now: T0 })
    assert.equal(v.authorizedBy, alice.trust.id)
    assert.equal(verifies, 0, 'the object signResource returned')
    // The same bytes, decoded: verified (once per signature).
    checkResource(counting, decodeResource(provider, post.bytes), g, { now: T0 })
    assert.equal(verifies, 1, 'the same bytes decoded again')
    // A copy of the object with another signature is not signResource's: verified and refused.
    const other = sign(
      { kind: 'post', user: alice.user.fingerprint, data: { body: 'y', type: 'text' } },
      alice.node,
    )
    const spliced = {
      ...post,
      signatures: [{ ...post.signatures[0]!, signature: other.signatures[0]!.signature }],
    }
    assert.equal(
      code(() => checkResource(counting, spliced, g, { now: T0 })),
      ErrorCode.INVALID_SIGNATURE,
    )
    assert.equal(verifies, 2)
    // A hand-built key pairing a seed with another public key gets no shortcut: the signature
    // is made with the seed, so it is verified under the claimed key and refused.
    const posing: SigningKey = {
      ...keyOf(9),
      publicKey: alice.node.publicKey,
      fingerprint: alice.node.fingerprint,
    }
    const forged = sign(
      {
        kind: 'post',
        user: alice.user.fingerprint,
        trust: alice.trust.id,
        data: { body: 'z', type: 'text' },
      },
      posing,
    )
    assert.equal(
      code(() => checkResource(counting, forged, g, { now: T0 })),
      ErrorCode.INVALID_SIGNATURE,
    )
    assert.equal(verifies, 3)
  })

  it('refuses an identity not signed by its own key or published for another user', () => {
    const a = keyOf(1)
    const b = keyOf(2)
    const g = new TrustGraph()
    const wrongSigner = sign(
      {
        kind: 'identity',
        user: a.fingerprint,
        data: { type: 'user', key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(a.publicKey) } },
      },
      b,
    )
    assert.equal(
      code(() => validateResource(provider, wrongSigner.bytes, g, { now: T0 })),
      ErrorCode.INVALID_SIGNATURE,
    )
    const wrongUser = sign(
      {
        kind: 'identity',
        user: b.fingerprint,
        data: { type: 'user', key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(a.publicKey) } },
      },
      a,
    )
    assert.equal(
      code(() => validateResource(provider, wrongUser.bytes, g, { now: T0 })),
      ErrorCode.SCHEMA_VIOLATION,
    )
  })

  it('refuses resources created after the trust expired, and from the future', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const bob = keyOf(3)
    const bobNode = keyOf(103)
    const trust = sign(
      {
        kind: 'trust',
        user: bob.fingerprint,
        data: {
          trustee: bobNode.fingerprint,
          authorization: ['publish_resource'],
          expires: new Date(T0 + 1000).toISOString(),
        },
      },
      bob,
    )
    feed(g, identityOf(bob, 'user'), identityOf(bobNode, 'node'), trust)
    const late = sign(
      {
        kind: 'post',
        user: bob.fingerprint,
        trust: trust.id,
        data: { body: 'late', type: 'text' },
        created: T0 + 2000,
      },
      bobNode,
    )
    assert.equal(
      code(() => validateResource(provider, late.bytes, g, { now: T0 + 3000 })),
      ErrorCode.EXPIRED,
    )
    const onTime = sign(
      {
        kind: 'post',
        user: bob.fingerprint,
        trust: trust.id,
        data: { body: 'ok', type: 'text' },
        created: T0 + 500,
      },
      bobNode,
    )
    assert.equal(
      code(() => validateResource(provider, onTime.bytes, g, { now: T0 + 3000 })),
      'no error',
    )
    const future = postBy(alice, 'future', T0 + 10 * 60 * 1000)
    assert.equal(
      code(() => validateResource(provider, future.bytes, g, { now: T0 })),
      ErrorCode.BAD_REQUEST,
    )
  })

  it('refuses a trust whose signer lacks create_trust, and accepts a delegated one', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const newNode = keyOf(150)
    feed(g, identityOf(newNode, 'node'))
    const byNode = sign(
      {
        kind: 'trust',
        user: alice.user.fingerprint,
        trust: alice.trust.id,
        data: { trustee: newNode.fingerprint, authorization: ['publish_resource'] },
      },
      alice.node,
    )
    assert.equal(
      code(() => validateResource(provider, byNode.bytes, g, { now: T0 })),
      ErrorCode.UNAUTHORIZED_SIGNER,
    )
    const admin = person(g, 5, ['create_trust', 'publish_resource'])
    const delegated = sign(
      {
        kind: 'trust',
        user: admin.user.fingerprint,
        trust: admin.trust.id,
        data: { trustee: newNode.fingerprint, authorization: ['publish_resource'] },
      },
      admin.node,
    )
    const [v] = feed(g, delegated)
    assert.equal(v!.authorizedBy, admin.trust.id)
    assert.equal(g.mayAct(newNode.fingerprint, admin.user.fingerprint, 'publish', T0), true)
    // Revoking the delegating trust withdraws the delegated one too.
    feed(
      g,
      sign(
        { kind: 'revoke', user: admin.user.fingerprint, data: { resource: admin.trust.id } },
        admin.user,
      ),
    )
    assert.equal(g.mayAct(newNode.fingerprint, admin.user.fingerprint, 'publish', T0), false)
  })
})

describe('node addresses (schemas.md "node")', () => {
  const node = (address: string) => CONTENT_SCHEMAS.node({ addresses: [address] }, 'data')
  it('accepts host:port and WebSocket addresses with a path (one port, issue 17)', () => {
    for (const ok of [
      '127.0.0.1:7420',
      '[::1]:7420',
      'ws://127.0.0.1:8080/v1/peer',
      'wss://chat.example.org/v1/peer',
      'wss://chat.example.org:8443/sdmp/v1/peer',
      'ws://[::1]:80',
    ])
      assert.deepEqual(node(ok).addresses, [ok])
  })
  it('refuses other schemes, queries, bad ports and paths', () => {
    for (const bad of [
      'http://h/x',
      'wss://h/a?b',
      'wss://h:0/x',
      'ws://h:70000',
      'h:1/path',
      'wss://h/a b',
      'wss://h/#frag',
    ])
      assert.throws(
        () => node(bad),
        (e) => isProtocolError(e, ErrorCode.SCHEMA_VIOLATION),
      )
  })
})
