/**
 * The well-known address document (docs/protocol/addresses.md §2): what a host serves at
 * `/.well-known/sdmp/<name>` for a user who claimed `name@domain`. It carries the user's full
 * invite (identity, node identities and trusts, prekeys, node records, and the profile whose
 * signed `address` makes the claim) and the revocations a reader must honour. Decoding is strict
 * (size first, strict JSON, exact members); the contents are verified by address-lookup.ts.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  canonicalize,
  fromUtf8,
  isJsonObject,
  parseStrict,
  utf8,
} from '@sdmp/core'
import type { ContentData, Json } from '@sdmp/core'
import type { Account } from '../account/account.js'
import { MAX_INVITE_CHARS } from '../account/codec.js'
import { createInvite } from '../account/contacts.js'
import { storedResources } from '../account/devices.js'
import { readProfile } from '../account/profile.js'

/** The path prefix of the document; the name (local part) follows. */
export const WELL_KNOWN_PREFIX = '/.well-known/sdmp/'
/** The `version` member of the document. */
export const ADDRESS_DOCUMENT_VERSION = 'sdmp-address:1'
/** Most revocations one document carries. */
export const MAX_DOCUMENT_REVOCATIONS = 64
/** Largest document read, bytes: a full invite plus the revocations and the envelope. */
export const MAX_ADDRESS_DOCUMENT_BYTES = MAX_INVITE_CHARS + 256 * 1024

/** The document as decoded: still to be verified. */
export interface AddressDocument {
  readonly address: string
  readonly user: string
  readonly invite: string
  /** Canonical bytes of revoke resources published for `user`. */
  readonly revocations: readonly Uint8Array[]
}

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/**
 * The document this node serves for `name`, or undefined when its user claims no address with
 * that local part (the route then answers 404). Works on a host-only node too: the profile and
 * the invite are built from the user's resources it stores.
 */
export async function createAddressDocument(
  account: Account,
  name: string,
): Promise<string | undefined> {
  const user = account.user
  if (user === undefined) return undefined
  const address = (await readProfile(account, user))?.address
  if (address === undefined || address.slice(0, address.indexOf('@')) !== name.toLowerCase())
    return undefined
  const doc = {
    version: ADDRESS_DOCUMENT_VERSION,
    address,
    user,
    invite: await createInvite(account, user),
    revocations: await revocationsToPublish(account, user),
  }
  return canonicalize(doc)
}

/**
 * The revocations a reader of the document must honour: of the user's identity and of the
 * user's trusts to its devices (a removed device), newest first, at most
 * {@link MAX_DOCUMENT_REVOCATIONS}. Revocations of contacts' trusts are private matters and are
 * left out.
 */
async function revocationsToPublish(account: Account, user: string): Promise<Json[]> {
  const graph = account.ingestor.graph
  const identityId = graph.identity(user)?.id
  const revokes = await storedResources(
    account.store,
    { kinds: ['revoke'], user },
    account.provider,
  )
  const relevant = revokes.filter((r) => {
    const target = (r.data as ContentData<'revoke'>).resource
    const trustee = graph.trust(target)?.trustee
    return (
      target === identityId || (trustee !== undefined && graph.identity(trustee)?.type === 'node')
    )
  })
  relevant.sort((a, b) => b.created - a.created)
  return relevant
    .slice(0, MAX_DOCUMENT_REVOCATIONS)
    .map((r) => parseStrict(fromUtf8(r.bytes), 'resource'))
}

/**
 * Decode a document strictly.
 * @throws LIMIT_EXCEEDED, INVALID_ENCODING, BAD_REQUEST (messages start with `address document`)
 */
export function decodeAddressDocument(bytes: Uint8Array): AddressDocument {
  const label = 'address document'
  if (bytes.length > MAX_ADDRESS_DOCUMENT_BYTES)
    fail(
      ErrorCode.LIMIT_EXCEEDED,
      `${label}: ${bytes.length} bytes exceeds ${MAX_ADDRESS_DOCUMENT_BYTES}`,
    )
  const v = parseStrict(fromUtf8(bytes, label), label, MAX_ADDRESS_DOCUMENT_BYTES)
  if (!isJsonObject(v)) return fail(ErrorCode.BAD_REQUEST, `${label}: expected an object`)
  for (const k of Object.keys(v))
    if (!['version', 'address', 'user', 'invite', 'revocations'].includes(k))
      fail(ErrorCode.BAD_REQUEST, `${label}: unknown member ${k.slice(0, 32)}`)
  if (v['version'] !== ADDRESS_DOCUMENT_VERSION)
    fail(ErrorCode.UNSUPPORTED_VERSION, `${label}.version: expected ${ADDRESS_DOCUMENT_VERSION}`)
  const { address, user, invite } = v
  if (typeof address !== 'string') fail(ErrorCode.BAD_REQUEST, `${label}.address: expected string`)
  if (typeof user !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(user))
    fail(ErrorCode.BAD_REQUEST, `${label}.user: expected a fingerprint`)
  if (typeof invite !== 'string') fail(ErrorCode.BAD_REQUEST, `${label}.invite: expected string`)
  const list = v['revocations'] ?? []
  if (!Array.isArray(list) || list.length > MAX_DOCUMENT_REVOCATIONS)
    fail(
      ErrorCode.BAD_REQUEST,
      `${label}.revocations: expected at most ${MAX_DOCUMENT_REVOCATIONS} resources`,
    )
  const revocations = (list as Json[]).map((r, i) => {
    if (!isJsonObject(r))
      return fail(ErrorCode.BAD_REQUEST, `${label}.revocations[${i}]: expected a resource object`)
    return utf8(canonicalize(r))
  })
  return {
    address: address as string,
    user: user as string,
    invite: invite as string,
    revocations,
  }
}
