/**
 * Verifying a fetched address document (docs/protocol/addresses.md §2): the invite is checked
 * like any invite (every signature chained to the identity it claims), its newest profile must
 * claim the address, and its revocations are verified and honoured. Network-free: the look-up
 * (address-lookup.ts) fetches, this decides.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  TrustGraph,
  applyToTrustGraph,
  checkResource,
  decodeResource,
} from '@sdmp/core'
import type { ContentData, CryptoProvider, Verified } from '@sdmp/core'
import { decodeInvite } from '../account/codec.js'
import { checkInvite } from '../account/contacts.js'
import type { CheckedInvite } from '../account/contacts.js'
import { decodeAddressDocument } from './address-document.js'
import type { AddressDocument } from './address-document.js'

/** What verification needs of an account: crypto and the clock. */
export interface AddressVerifier {
  readonly provider: CryptoProvider
  now(): number
}

/** A verified document. */
export interface VerifiedDocument {
  readonly address: string
  readonly user: string
  /** The invite text of the document (checked). */
  readonly invite: string
  readonly checked: CheckedInvite
  /** Verified revocations of the document, to publish with the invite. */
  readonly revocations: readonly Verified[]
}

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

const revoked = (address: string): never =>
  fail(ErrorCode.REVOKED, `the identity published for ${address} was revoked by its owner`)

/**
 * Verify the document `body` fetched for `address` (addresses.md §2, checks in this order).
 * @throws LIMIT_EXCEEDED, INVALID_ENCODING, UNSUPPORTED_VERSION, BAD_REQUEST (malformed, another
 *   address or user), REVOKED, FORBIDDEN (the profile does not claim the address), and every
 *   invite code (INVALID_SIGNATURE, UNAUTHORIZED_SIGNER for a forgery)
 */
export function verifyDocument(
  verifier: AddressVerifier,
  address: string,
  body: Uint8Array,
): VerifiedDocument {
  const doc = decodeAddressDocument(body)
  if (doc.address !== address)
    fail(ErrorCode.BAD_REQUEST, `address document: it is for another address`)
  if (isSelfRevoked(verifier, doc)) revoked(address)
  // Every resource verified and chained to the identity whose fingerprint is the invite's user.
  const checked = checkInvite(verifier, doc.invite)
  if (checked.user !== doc.user)
    fail(ErrorCode.BAD_REQUEST, 'address document.user: not the user of its invite')
  // The claim itself is signed: the newest profile of that user must name this address.
  const profiles = checked.resources.filter((v) => v.kind === 'user')
  profiles.sort((x, y) => y.created - x.created || (y.id > x.id ? 1 : -1))
  const claimed = (profiles[0]?.data as ContentData<'user'> | undefined)?.address
  if (claimed !== address)
    fail(
      ErrorCode.FORBIDDEN,
      `the identity published for ${address} does not claim that address in its signed profile`,
    )
  // Revocations are checked against the invite's own trust state (trust.md §6).
  const graph = new TrustGraph()
  for (const v of checked.resources) applyToTrustGraph(graph, v)
  const now = verifier.now()
  const revocations = doc.revocations.map((bytes, i) => {
    const label = `address document.revocations[${i}]`
    try {
      const r = decodeResource(verifier.provider, bytes)
      if (r.kind !== 'revoke' || r.header.user !== checked.user)
        fail(ErrorCode.BAD_REQUEST, 'expected a revoke published for the document user')
      const v = checkResource(verifier.provider, r, graph, { now })
      applyToTrustGraph(graph, v)
      return v
    } catch (e) {
      if (e instanceof ProtocolError)
        throw new ProtocolError(e.code, `${label}: ${e.message}`, { cause: e })
      throw e
    }
  })
  const identity = graph.identity(checked.user)
  if (identity !== undefined && graph.isRevoked(identity.id, checked.user)) revoked(address)
  return { address, user: checked.user, invite: doc.invite, checked, revocations }
}

/**
 * Whether the document carries a revoke of its user's identity signed by that identity's own
 * key (addresses.md §2 step 3). Checked before the invite: once the identity is revoked, none
 * of its trusts authorizes anything (trust.md §6), so the host's invite no longer verifies and
 * would hide the one fact that matters behind UNAUTHORIZED_SIGNER. Only the invite's identity
 * resource is needed to verify such a revoke. Anything that does not decode or verify here
 * counts as no revocation: the full checks that follow report it with its place.
 */
function isSelfRevoked(verifier: AddressVerifier, doc: AddressDocument): boolean {
  if (doc.revocations.length === 0) return false
  const now = verifier.now()
  const graph = new TrustGraph()
  try {
    for (const bytes of decodeInvite(doc.invite).resources) {
      const r = decodeResource(verifier.provider, bytes)
      if (r.kind === 'identity' && r.header.user === doc.user)
        applyToTrustGraph(graph, checkResource(verifier.provider, r, graph, { now }))
    }
  } catch {
    return false // reported by checkInvite
  }
  const identity = graph.identity(doc.user)
  if (identity === undefined) return false
  for (const bytes of doc.revocations) {
    try {
      const r = decodeResource(verifier.provider, bytes)
      const target = r.kind === 'revoke' && (r.data as ContentData<'revoke'>).resource
      if (r.header.user !== doc.user || target !== identity.id) continue
      checkResource(verifier.provider, r, graph, { now })
      return true
    } catch {
      // not a valid self-revocation: the checks after the invite report a malformed one
    }
  }
  return false
}
