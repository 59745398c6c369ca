/**
 * Deterministic generator of vectors/resource.json: keys from fixed seeds, resources signed at a
 * fixed time, and invalid cases built by construction with the error code they must produce.
 * `npm run gen-vectors` writes the file; vectors.test.ts checks the committed file is
 * byte-identical to a fresh build and that every case decodes as stated.
 * @module
 */
import { canonicalize, fingerprintOf, toBase64url, toHex } from '../../src/index.js'
import type { DecodedResource, SigningKey } from '../../src/index.js'
import { T0, identityOf, keyOf, provider, sign } from '../world.js'

const te = (s: string) => new TextEncoder().encode(s)
const text = (r: DecodedResource) => new TextDecoder().decode(r.bytes)

/** Rebuild a resource from its inner container with a given signer (for invalid cases). */
function wrap(
  inner: unknown,
  signer: SigningKey,
  mutate: (outer: Record<string, any>) => void = () => {},
): string {
  const payload = toBase64url(te(canonicalize(inner)))
  const identifier = toBase64url(provider.sha512(te(payload)))
  const prot = toBase64url(te(canonicalize({ alg: 'EdDSA', kid: signer.fingerprint })))
  const signature = toBase64url(provider.ed25519.sign(signer.seed, te(`${prot}.${payload}`)))
  const outer: Record<string, any> = {
    sdmp: { schemas: ['signature'], version: '1.0' },
    signature: { identifier, payload, signatures: [{ protected: prot, signature }] },
  }
  mutate(outer)
  return canonicalize(outer)
}

/** Build the whole vector file as a JSON-ready object. */
export function buildResourceVectors() {
  const user = keyOf(1)
  const node = keyOf(101)
  const userId = identityOf(user, 'user')
  const nodeId = identityOf(node, 'node', { name: 'laptop' })
  const trust = sign(
    {
      kind: 'trust',
      user: user.fingerprint,
      data: {
        trustee: node.fingerprint,
        authorization: ['publish_resource', 'read_encrypted', 'read_resource'],
      },
    },
    user,
  )
  const post = sign(
    {
      kind: 'post',
      user: user.fingerprint,
      trust: trust.id,
      data: { body: 'hello, world', type: 'text' },
    },
    node,
  )
  const baseInner = {
    sdmp: { created: new Date(T0).toISOString(), schemas: ['resource', 'post'], version: '1.0' },
    resource: { trust: trust.id, user: user.fingerprint },
    post: { body: 'hello, world', type: 'text' },
  }

  const keys = [user, node].map((k) => ({
    seedHex: toHex(k.seed),
    publicKeyHex: toHex(k.publicKey),
    keyRecord: canonicalize({ crv: 'Ed25519', kty: 'OKP', x: toBase64url(k.publicKey) }),
    fingerprint: fingerprintOf(provider, k.publicKey),
  }))
  const valid = [
    { description: 'self-signed user identity', resource: text(userId), id: userId.id },
    { description: 'self-signed node identity with a name', resource: text(nodeId), id: nodeId.id },
    { description: 'trust from the user to the node', resource: text(trust), id: trust.id },
    { description: 'post signed by the authorized node', resource: text(post), id: post.id },
  ]
  const invalid = [
    {
      description: 'signature by a key that is not the kid',
      code: 'INVALID_SIGNATURE',
      resource: wrap(baseInner, node, (o) => {
        o.signature.signatures[0].signature = toBase64url(
          provider.ed25519.sign(keyOf(7).seed, te('x')),
        )
      }),
    },
    {
      description: 'identifier of another payload',
      code: 'INVALID_ENCODING',
      resource: wrap(baseInner, node, (o) => {
        o.signature.identifier = userId.id
      }),
    },
    {
      description: 'padded base64url payload',
      code: 'INVALID_ENCODING',
      resource: wrap(baseInner, node, (o) => {
        o.signature.payload += '='
      }),
    },
    {
      description: 'unsupported container version (version negotiation: refuse, never guess)',
      code: 'UNSUPPORTED_VERSION',
      resource: wrap(baseInner, node, (o) => {
        o.sdmp.version = '2.0'
      }),
    },
    {
      description: 'unsupported payload version',
      code: 'UNSUPPORTED_VERSION',
      resource: wrap({ ...baseInner, sdmp: { ...baseInner.sdmp, version: '0.12' } }, node),
    },
    {
      description: 'schema fetched by URI is never resolved',
      code: 'UNKNOWN_SCHEMA',
      resource: wrap(
        { ...baseInner, sdmp: { ...baseInner.sdmp, schemas: ['resource', 'sdmp://x/y'] } },
        node,
      ),
    },
    {
      description: 'unlisted property in the payload',
      code: 'SCHEMA_VIOLATION',
      resource: wrap({ ...baseInner, note: 'unsigned?' }, node),
    },
    {
      description: 'resource header missing',
      code: 'SCHEMA_VIOLATION',
      resource: wrap({ sdmp: baseInner.sdmp, post: baseInner.post }, node),
    },
    {
      description: 'post signed by a node without a trust reference',
      code: 'UNAUTHORIZED_SIGNER',
      resource: wrap({ ...baseInner, resource: { user: user.fingerprint } }, node),
    },
    {
      description: 'duplicate key in the outer object',
      code: 'INVALID_ENCODING',
      resource: text(post).replace('{"sdmp":', '{"sdmp":{},"sdmp":'),
    },
    {
      description: 'whitespace (not canonical)',
      code: 'INVALID_ENCODING',
      resource: text(post).replace('":', '": '),
    },
    {
      description: 'created time without milliseconds',
      code: 'SCHEMA_VIOLATION',
      resource: wrap(
        { ...baseInner, sdmp: { ...baseInner.sdmp, created: '2026-01-01T00:00:00Z' } },
        node,
      ),
    },
  ]
  return {
    description:
      'sdmp profile 1.0 signed resources: keys from fixed seeds, valid resources (byte-exact) and invalid ones with the error code a validator must return. Validate the valid ones in order: later ones need the earlier identities and trust.',
    version: '1.0',
    now: new Date(T0).toISOString(),
    keys,
    valid,
    invalid,
  }
}

/** Canonical encoding vectors: input JSON text -> canonical text (RFC 8785), and refusals. */
export function buildEncodingVectors() {
  const cases = [
    '{"b":1,"a":[true,false,null]}',
    '{"\\u00e9":1,"e":2,"\\ud83d\\ude00":3,"z":4}',
    '[1e3,0.1,-0,1.5e-7,123456789012345680000,3.0]',
    '"\\u0000\\u001f\\"\\\\/\\u2028"',
    '{"nested":{"y":{"b":2,"a":1},"x":[]}}',
  ]
  return {
    description:
      'RFC 8785 canonical JSON: each valid case gives the exact canonical text; base64url cases give bytes (hex) or the error code.',
    version: '1.0',
    canonical: cases.map((input) => ({ input, canonical: canonicalize(JSON.parse(input)) })),
    base64url: {
      valid: [
        { text: '', hex: '' },
        { text: 'AA', hex: '00' },
        { text: 'AAE', hex: '0001' },
        { text: '_-8', hex: 'ffef' },
      ],
      invalid: [
        { text: 'AA==', code: 'INVALID_ENCODING', why: 'padding' },
        { text: 'AB', code: 'INVALID_ENCODING', why: 'non-zero trailing bits' },
        { text: 'A', code: 'INVALID_ENCODING', why: 'impossible length' },
        { text: 'A+/A', code: 'INVALID_ENCODING', why: 'standard alphabet' },
        { text: 'AA A', code: 'INVALID_ENCODING', why: 'whitespace' },
      ],
    },
  }
}

/** Journal vectors: a node journal over the valid resources, and broken variants. */
export function buildJournalVectors() {
  const v = buildResourceVectors()
  const [, nodeKey] = v.keys
  const lines = [nodeKey!.fingerprint]
  // Each line names the user the resource is published for (resource.user): for an identity,
  // that is the identity's own key.
  const userOf = (resource: string) =>
    JSON.parse(
      new TextDecoder().decode(Buffer.from(JSON.parse(resource).signature.payload, 'base64url')),
    ).resource.user as string
  for (const r of v.valid) {
    const prev = lines[lines.length - 1]!
    lines.push(`${toBase64url(provider.sha512(te(prev)))}@${userOf(r.resource)}/${r.id}`)
  }
  const tampered = [...lines]
  tampered[2] = tampered[2]!.replace(/\/.{86}$/, '/' + 'A'.repeat(86))
  return {
    description:
      'Journal chains: line 1 is the node fingerprint, each later line is lineId@userFingerprint/resourceId with lineId = base64url(SHA-512(previous line)).',
    version: '1.0',
    valid: [{ lines }],
    invalid: [
      {
        lines: tampered,
        badLine: 4,
        code: 'BROKEN_CHAIN',
        why: 'line 3 changed after line 4 was chained to it',
      },
      { lines: [lines[0]!, lines[2]!], badLine: 2, code: 'BROKEN_CHAIN', why: 'a line removed' },
      {
        lines: ['not-a-fingerprint', ...lines.slice(1)],
        badLine: 1,
        code: 'BROKEN_CHAIN',
        why: 'line 1 is not a fingerprint',
      },
    ],
  }
}
