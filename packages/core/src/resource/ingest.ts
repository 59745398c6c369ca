/**
 * Resource ingest validation: the one gate every resource passes before it is stored or
 * journaled (docs/protocol/resource.md §6). Returns a new frozen, branded {@link Verified}
 * value or throws a coded error; it never marks the input as verified.
 * @module
 */
import { equalBytes } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { fingerprintOf } from '../identity/keys.js'
import { rotationInfoOf, verifyRotation } from '../identity/rotation.js'
import type { RotationInfo } from '../identity/rotation.js'
import type { IdentityInfo, TrustInfo, TrustView } from '../trust/trust-graph.js'
import { MAX_CLOCK_SKEW_MS } from '../trust/trust-graph.js'
import { decodeResource, verifySignatureEntry } from './resource.js'
import { signedKeysOf } from './sign.js'
import type { DecodedResource } from './resource.js'
import type { Authorization, ContentData, ContentKind } from './schemas.js'

declare const verifiedBrand: unique symbol
/** A resource that passed {@link validateResource}; only that function creates one. */
export type Verified<K extends ContentKind = ContentKind> = DecodedResource<K> & {
  readonly [verifiedBrand]: true
  /** Fingerprints of the signers whose signatures verified. */
  readonly signers: readonly string[]
  /** The trust that authorized the signer (absent when the user signed directly). */
  readonly authorizedBy?: string
}

/** The authorization each kind of resource needs from its signer (docs/protocol/trust.md §3). */
const NEEDS: Record<ContentKind, Authorization | 'any' | 'self'> = {
  identity: 'self',
  trust: 'create_trust',
  revoke: 'revoke',
  // Granting another user a right to speak or read for ours is as strong as creating a trust.
  delegation: 'create_trust',
  prekey: 'read_encrypted',
  node: 'any',
  user: 'publish_resource',
  message: 'publish_resource',
  post: 'publish_resource',
  receipt: 'publish_resource',
  contacts: 'publish_resource',
  group: 'publish_resource',
  encrypted: 'publish_resource',
  broadcast: 'any',
  request_journal: 'any',
  request_resource: 'any',
  response: 'any',
  request_blob: 'any',
  offer_blobs: 'any',
}

/**
 * The result of one signature check done elsewhere (e.g. by a worker pool), handed to
 * {@link checkResource} so that it does not verify again. It names the key it was checked
 * against: a check made with any other key than the one the trust graph resolves is ignored.
 */
export interface SignatureCheck {
  readonly publicKey: Uint8Array
  readonly valid: boolean
}

/** Options of {@link checkResource}. */
export interface CheckOptions {
  readonly now: number
  /**
   * Precomputed results, index-aligned with `r.signatures` (entries may be undefined). Each is
   * used only when its `publicKey` equals the key the check resolves for that signature;
   * otherwise the signature is verified here as usual.
   */
  readonly verified?: readonly (SignatureCheck | undefined)[]
}

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/**
 * Decode, verify every signature, and check that a signer is authorized for the resource's
 * user at its creation time, that no trust on the path is revoked, and that it is not from the
 * future.
 * @throws INVALID_ENCODING, SCHEMA_VIOLATION, UNKNOWN_SCHEMA, UNSUPPORTED_VERSION, LIMIT_EXCEEDED,
 *   INVALID_SIGNATURE, UNAUTHORIZED_SIGNER, EXPIRED, REVOKED, BAD_REQUEST
 * @example const v = validateResource(provider, bytes, graph, { now: Date.now() })
 */
export function validateResource(
  provider: CryptoProvider,
  bytes: Uint8Array,
  trust: TrustView,
  { now }: { now: number },
): Verified {
  return checkResource(provider, decodeResource(provider, bytes), trust, { now })
}

/**
 * The second half of {@link validateResource}, for callers that decoded first (to sort a batch
 * by kind, or to keep a resource waiting for its authorization without decoding it twice).
 * @throws INVALID_SIGNATURE, UNAUTHORIZED_SIGNER, EXPIRED, REVOKED, BAD_REQUEST
 */
export function checkResource(
  provider: CryptoProvider,
  r: DecodedResource,
  trust: TrustView,
  { now, verified }: CheckOptions,
): Verified {
  // A signature this process made with `key` (signResource) needs no verify (resource.md §4).
  const signedWith = signedKeysOf(r)
  const verifies = (i: number, key: Uint8Array): boolean => {
    const c = verified?.[i]
    if (c !== undefined && equalBytes(c.publicKey, key)) return c.valid
    const own = signedWith?.[i]
    if (own !== undefined && equalBytes(own, key)) return true
    return verifySignatureEntry(provider, r.payload, r.signatures[i]!, key)
  }
  const signatures = r.signatures
  if (r.created > now + MAX_CLOCK_SKEW_MS)
    fail(ErrorCode.BAD_REQUEST, 'payload.sdmp.created: in the future')
  if (trust.isRevoked(r.id, r.header.user)) fail(ErrorCode.REVOKED, 'resource: revoked')
  const need = NEEDS[r.kind]

  if (need === 'self') {
    // An identity is self-signed: its own key signs, and it is published for itself.
    const data = r.data as ContentData<'identity'>
    const fp = fingerprintOf(provider, data.key)
    if (r.header.user !== fp)
      fail(ErrorCode.SCHEMA_VIOLATION, 'resource.user: an identity is published for its own key')
    const own = r.signatures.find((s) => s.kid === fp)
    if (!own) fail(ErrorCode.INVALID_SIGNATURE, 'signature: identity is not signed by its own key')
    if (data.rotation !== undefined) checkRotation(provider, data, fp)
    for (const [i, s] of r.signatures.entries()) {
      const key = s.kid === fp ? data.key : trust.identity(s.kid)?.publicKey
      if (!key) fail(ErrorCode.UNAUTHORIZED_SIGNER, 'signature: unknown signer key')
      if (!verifies(i, key!)) fail(ErrorCode.INVALID_SIGNATURE, 'signature: does not verify')
    }
    return brand(
      r,
      r.signatures.map((s) => s.kid),
      undefined,
    )
  }

  // Every signature must verify: a resource carrying one bad signature is not accepted.
  for (let i = 0; i < signatures.length; i++) {
    const key = trust.identity(signatures[i]!.kid)?.publicKey
    if (!key) fail(ErrorCode.UNAUTHORIZED_SIGNER, 'signature: unknown signer key')
    if (!verifies(i, key!)) fail(ErrorCode.INVALID_SIGNATURE, 'signature: does not verify')
  }
  // At least one signer must be authorized; report the most specific refusal otherwise.
  let refusal: { code: string; reason: string } | undefined
  for (let i = 0; i < signatures.length; i++) {
    const s = signatures[i]!
    const q: {
      signer: string
      user: string
      need: Authorization | 'any'
      created: number
      trust?: string
    } = {
      signer: s.kid,
      user: r.header.user,
      need,
      created: r.created,
    }
    if (r.header.trust !== undefined) q.trust = r.header.trust
    const d = trust.authorize(q)
    if (d.ok)
      return brand(
        r,
        r.signatures.map((x) => x.kid),
        d.trust,
      )
    if (!refusal || refusal.code === 'UNAUTHORIZED_SIGNER') refusal = d
  }
  return fail(ErrorCode[refusal!.code as 'UNAUTHORIZED_SIGNER'], `resource: ${refusal!.reason}`)
}

/** A rotation names another user identity and its proof verifies (keys.md §5.2). */
function checkRotation(provider: CryptoProvider, data: ContentData<'identity'>, fp: string): void {
  const rotation = data.rotation!
  if (data.type !== 'user')
    fail(ErrorCode.SCHEMA_VIOLATION, 'identity.rotation: only a user identity rotates')
  if (rotation.from === fp)
    fail(ErrorCode.SCHEMA_VIOLATION, 'identity.rotation.from: an identity cannot replace itself')
  if (!verifyRotation(provider, rotation, fp))
    fail(ErrorCode.INVALID_SIGNATURE, 'identity.rotation.signature: does not verify')
}

function brand(r: DecodedResource, signers: string[], authorizedBy: string | undefined): Verified {
  const v = { ...r, signers: Object.freeze(signers) } as Record<string, unknown>
  if (authorizedBy !== undefined) v['authorizedBy'] = authorizedBy
  return Object.freeze(v) as unknown as Verified
}

/** The identity record a verified identity resource adds to a trust graph. */
export function identityInfoOf(v: Verified): IdentityInfo {
  if (v.kind !== 'identity') throw new TypeError('identityInfoOf: not an identity resource')
  const d = v.data as ContentData<'identity'>
  const info: {
    fingerprint: string
    type: 'user' | 'node'
    publicKey: Uint8Array
    id: string
    created: number
    expires?: number
    recovery?: string
    rotation?: RotationInfo
  } = {
    fingerprint: v.header.user,
    type: d.type,
    publicKey: d.key,
    id: v.id,
    created: v.created,
  }
  if (d.expires !== undefined) info.expires = d.expires
  if (d.recovery !== undefined) info.recovery = d.recovery
  if (d.rotation !== undefined) info.rotation = rotationInfoOf(d.rotation)
  return info
}

/** The trust edge a verified trust resource adds to a trust graph. */
export function trustInfoOf(v: Verified): TrustInfo {
  if (v.kind !== 'trust') throw new TypeError('trustInfoOf: not a trust resource')
  const d = v.data as ContentData<'trust'>
  const info: {
    id: string
    grantor: string
    trustee: string
    authorization: Authorization[]
    created: number
    expires?: number
    via?: string
  } = {
    id: v.id,
    grantor: v.header.user,
    trustee: d.trustee,
    authorization: d.authorization,
    created: v.created,
  }
  if (d.expires !== undefined) info.expires = d.expires
  if (v.authorizedBy !== undefined) info.via = v.authorizedBy
  return info
}

/**
 * Feed a verified resource into a trust graph when it is an identity, trust or revoke.
 * Returns true when the graph changed.
 */
export function applyToTrustGraph(
  graph: {
    addIdentity(i: IdentityInfo): void
    addTrust(t: TrustInfo): void
    addRevocation(r: { target: string; user: string; id: string; bySelf: boolean }): void
  },
  v: Verified,
): boolean {
  if (v.kind === 'identity') graph.addIdentity(identityInfoOf(v))
  else if (v.kind === 'trust') graph.addTrust(trustInfoOf(v))
  else if (v.kind === 'revoke') {
    const target = (v.data as ContentData<'revoke'>).resource
    graph.addRevocation({
      target,
      user: v.header.user,
      id: v.id,
      bySelf: v.signers.includes(v.header.user),
    })
  } else return false
  return true
}
