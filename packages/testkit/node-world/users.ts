/**
 * Users and node identities of a test world, from fixed one-byte seeds: keys, self-signed
 * identities, contact trusts and device trusts (docs/protocol/resource.md). What a user
 * publishes out of band (its invite) is collected in `User.published`.
 * @module
 */
import { signResource, signingKeyFromSeed, toBase64url } from '@sdmp/core'
import type { CryptoProvider, DecodedResource, ResourceDraft, SigningKey } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'

/** The native provider every world uses (the daemon's own preset). */
export const provider: CryptoProvider = createNodeProvider()

/** Every authorization a full device holds. */
export const FULL_DEVICE: readonly string[] = Object.freeze([
  'publish_resource',
  'read_encrypted',
  'read_resource',
])

/** A deterministic key from a one-byte seed pattern. */
export const keyOf = (n: number): SigningKey =>
  signingKeyFromSeed(provider, new Uint8Array(32).fill(n))

/** Sign a draft with one key, created a second ago (so clock skew never matters). */
export const sign = (draft: ResourceDraft, k: SigningKey): DecodedResource =>
  signResource(provider, { created: Date.now() - 1000, ...draft }, [k])

/** A self-signed identity resource of a key. */
export const identityOf = (k: SigningKey, type: 'user' | 'node'): DecodedResource =>
  sign(
    {
      kind: 'identity',
      user: k.fingerprint,
      data: { type, key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(k.publicKey) } },
    },
    k,
  )

/** A user: key and the resources that introduce it (identity). */
export interface User {
  readonly name: string
  readonly key: SigningKey
  readonly identity: DecodedResource
  /** Public resources to hand to contacts out of band (identity, device trusts, contact trusts). */
  readonly published: DecodedResource[]
}

/** Create a user from a seed byte. */
export function makeUser(name: string, seed: number): User {
  const k = keyOf(seed)
  const identity = identityOf(k, 'user')
  return { name, key: k, identity, published: [identity] }
}

/** `a` trusts `b` as a contact (read_resource); the trust joins a's published resources. */
export function befriend(a: User, b: User): DecodedResource {
  const t = sign(
    {
      kind: 'trust',
      user: a.key.fingerprint,
      data: { trustee: b.key.fingerprint, authorization: ['read_resource'] },
    },
    a.key,
  )
  a.published.push(t)
  return t
}

/** The keys of a node of a user, kept across restarts of its store and manager. */
export interface NodeIdentity {
  readonly name: string
  readonly user: User
  readonly key: SigningKey
  readonly trust: DecodedResource
}

/** Create a node identity of `user`; its identity and trust join `user.published`. */
export function makeNodeIdentity(
  name: string,
  user: User,
  seed: number,
  authorization: readonly string[] = FULL_DEVICE,
): NodeIdentity {
  const k = keyOf(seed)
  const trust = sign(
    {
      kind: 'trust',
      user: user.key.fingerprint,
      data: { trustee: k.fingerprint, authorization: [...authorization] },
    },
    user.key,
  )
  user.published.push(identityOf(k, 'node'), trust)
  return { name, user, key: k, trust }
}
