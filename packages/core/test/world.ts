/** Test fixture: users, nodes, identities and trusts built from fixed seeds. @module */
import {
  TrustGraph,
  applyToTrustGraph,
  createNobleProvider,
  signResource,
  signingKeyFromSeed,
  validateResource,
} from '../src/index.js'
import type {
  CryptoProvider,
  DecodedResource,
  ResourceDraft,
  SigningKey,
  Verified,
} from '../src/index.js'

export const provider: CryptoProvider = createNobleProvider()
/** 2026-01-01T00:00:00.000Z, the fixed "now" of fixtures. */
export const T0 = Date.UTC(2026, 0, 1)

/** A deterministic key from a one-byte seed pattern. */
export const keyOf = (n: number): SigningKey =>
  signingKeyFromSeed(provider, new Uint8Array(32).fill(n))

/** Sign a draft with the given keys at T0 (unless the draft says otherwise). */
export function sign(
  draft: Omit<ResourceDraft, 'created'> & { created?: number },
  ...keys: SigningKey[]
): DecodedResource {
  return signResource(provider, { created: T0, ...draft } as ResourceDraft, keys)
}

/** A self-signed identity resource. */
export function identityOf(
  key: SigningKey,
  type: 'user' | 'node',
  extra: Record<string, string> = {},
): DecodedResource {
  return sign(
    {
      kind: 'identity',
      user: key.fingerprint,
      data: { type, key: { crv: 'Ed25519', kty: 'OKP', x: b64(key.publicKey) }, ...extra },
    },
    key,
  )
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url')

/** A user with one fully authorized node, fed into a graph. */
export interface Person {
  user: SigningKey
  node: SigningKey
  trust: DecodedResource
}

/** Validate and apply resources to a graph in order; returns the verified values. */
export function feed(graph: TrustGraph, ...resources: DecodedResource[]): Verified[] {
  return resources.map((r) => {
    const v = validateResource(provider, r.bytes, graph, { now: Math.max(T0, r.created) })
    applyToTrustGraph(graph, v)
    return v
  })
}

/** Create a person (user + node) and register them in `graph`. */
export function person(
  graph: TrustGraph,
  seed: number,
  authorization = ['publish_resource', 'read_encrypted', 'read_resource'],
): Person {
  const user = keyOf(seed)
  const node = keyOf(seed + 100)
  const trust = sign(
    { kind: 'trust', user: user.fingerprint, data: { trustee: node.fingerprint, authorization } },
    user,
  )
  feed(graph, identityOf(user, 'user'), identityOf(node, 'node'), trust)
  return { user, node, trust }
}

/** Publish a post by `p`'s node under its trust. */
export function postBy(p: Person, body = 'hello', created = T0): DecodedResource {
  return sign(
    {
      kind: 'post',
      user: p.user.fingerprint,
      trust: p.trust.id,
      data: { body, type: 'text' },
      created,
    },
    p.node,
  )
}

export { TrustGraph }
