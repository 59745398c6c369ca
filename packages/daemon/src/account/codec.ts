/**
 * The two strings people copy between devices and between users (docs/cli.md "Join requests"
 * and "Invites"): `sdmp-join:1:<base64url>` and `sdmp-invite:1:<base64url>` (plus the compact
 * `sdmp-invite:2:` for QR codes, compact-invite.ts). Each base64url part
 * is canonical JSON holding whole signed resources; decoding is strict (size limit first, then
 * base64url, strict JSON, exact members) and every resource is still validated by the caller.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  canonicalize,
  fromBase64url,
  fromUtf8,
  isJsonObject,
  parseStrict,
  toBase64url,
  utf8,
} from '@sdmp/core'
import type { Json, JsonObject } from '@sdmp/core'
import { COMPACT_INVITE_PREFIX, decodeCompactInvite } from './compact-invite.js'

/** Prefix of a join request, version 1. */
export const JOIN_PREFIX = 'sdmp-join:1:'
/** Prefix of an invite, version 1. */
export const INVITE_PREFIX = 'sdmp-invite:1:'
/** Longest join request accepted, in characters (one identity resource is about 1 KB). */
export const MAX_JOIN_CHARS = 16 * 1024
/** Longest invite accepted, in characters (a user with 16 nodes and their prekeys fits). */
export const MAX_INVITE_CHARS = 256 * 1024
/** Most resources one invite may carry. */
export const MAX_INVITE_RESOURCES = 128

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/** `prefix` + base64url(canonical JSON of `value`). */
function encodeString(prefix: string, value: Json): string {
  return prefix + toBase64url(utf8(canonicalize(value)))
}

/** The JSON object inside a prefixed string. @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING */
function decodeString(
  text: string,
  prefix: string,
  label: string,
  maxChars: number,
  members: readonly string[],
): JsonObject {
  if (typeof text !== 'string') fail(ErrorCode.BAD_REQUEST, `${label}: expected a string`)
  const trimmed = text.trim()
  if (trimmed.length > maxChars)
    fail(ErrorCode.LIMIT_EXCEEDED, `${label}: ${trimmed.length} characters exceeds ${maxChars}`)
  if (!trimmed.startsWith(prefix)) {
    const other = /^sdmp-[a-z]+:(\d+):/.exec(trimmed)
    if (other && trimmed.startsWith(prefix.slice(0, prefix.indexOf(':') + 1)))
      fail(ErrorCode.UNSUPPORTED_VERSION, `${label}: version ${other[1]!} is not supported`)
    fail(ErrorCode.BAD_REQUEST, `${label}: expected a string starting with ${prefix}`)
  }
  const bytes = fromBase64url(trimmed.slice(prefix.length), label)
  const value = parseStrict(fromUtf8(bytes, label), label, maxChars)
  if (!isJsonObject(value)) return fail(ErrorCode.BAD_REQUEST, `${label}: expected an object`)
  for (const k of Object.keys(value))
    if (!members.includes(k)) fail(ErrorCode.BAD_REQUEST, `${label}: unknown member ${k}`)
  return value
}

/** The canonical bytes of a resource embedded as a JSON object. */
function resourceBytes(v: Json | undefined, label: string): Uint8Array {
  if (!isJsonObject(v)) return fail(ErrorCode.BAD_REQUEST, `${label}: expected a resource object`)
  return utf8(canonicalize(v))
}

/** The resource's canonical JSON text as a value, for embedding. */
function resourceJson(bytes: Uint8Array): Json {
  return parseStrict(fromUtf8(bytes), 'resource')
}

/**
 * A join request: the new device's self-signed node identity (its name, if any, is inside).
 * @example encodeJoinRequest(identity.bytes) // 'sdmp-join:1:eyJ...'
 */
export function encodeJoinRequest(identity: Uint8Array): string {
  return encodeString(JOIN_PREFIX, { identity: resourceJson(identity) })
}

/**
 * The identity resource bytes of a join request (still to be validated).
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING, UNSUPPORTED_VERSION
 */
export function decodeJoinRequest(text: string): Uint8Array {
  const o = decodeString(text, JOIN_PREFIX, 'join request', MAX_JOIN_CHARS, ['identity'])
  return resourceBytes(o['identity'], 'join request.identity')
}

/** What an invite carries: the user it introduces and that user's public resources. */
export interface InviteContent {
  /** The user fingerprint the invite claims; checked against the identity inside. */
  readonly user: string
  /** Canonical resource bytes: identities, device trusts, prekeys, node records, profile. */
  readonly resources: readonly Uint8Array[]
}

/** Encode an invite. */
export function encodeInvite(content: InviteContent): string {
  return encodeString(INVITE_PREFIX, {
    user: content.user,
    resources: content.resources.map(resourceJson),
  })
}

/**
 * Decode an invite's structure, full (version 1) or compact (version 2, compact-invite.ts);
 * resources are still to be validated.
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING, UNSUPPORTED_VERSION
 */
export function decodeInvite(text: string): InviteContent {
  if (typeof text === 'string' && text.trim().startsWith(COMPACT_INVITE_PREFIX))
    return decodeCompactInvite(text)
  // Name both accepted forms: a user pasting the wrong text learns what an invite looks like.
  if (typeof text === 'string' && !/^sdmp-invite:/.test(text.trim()))
    fail(
      ErrorCode.BAD_REQUEST,
      `invite: expected a string starting with ${INVITE_PREFIX} or ${COMPACT_INVITE_PREFIX}`,
    )
  const o = decodeString(text, INVITE_PREFIX, 'invite', MAX_INVITE_CHARS, ['user', 'resources'])
  const user = o['user']
  if (typeof user !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(user))
    fail(ErrorCode.BAD_REQUEST, 'invite.user: expected a fingerprint')
  const list = o['resources']
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_INVITE_RESOURCES)
    fail(ErrorCode.BAD_REQUEST, `invite.resources: expected 1..${MAX_INVITE_RESOURCES} resources`)
  return {
    user: user as string,
    resources: (list as Json[]).map((r, i) => resourceBytes(r, `invite.resources[${i}]`)),
  }
}
