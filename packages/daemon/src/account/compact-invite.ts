/**
 * The compact invite, `sdmp-invite:2:<base64url>` (docs/cli.md "Invites", docs/security.md §5):
 * an invite small enough for one QR code (`sdmp invite --qr`). A full invite is 9-12 KB, mostly
 * prekeys (1.6 KB each) and base64url-inside-base64url; one QR code holds 2,953 bytes. The
 * compact form leaves prekeys out (they arrive by sync once the two nodes connect), keeps each
 * resource as its payload text plus `(kid, signature)` pairs, and deflates the whole. Decoding
 * rebuilds the exact signed bytes (resource.ts: identifier = SHA-512 of the payload, protected
 * header = canonical `{alg, kid}`), so every signature is verified as in a full invite.
 * @module
 */
import { createHash } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import {
  ErrorCode,
  PROFILE_VERSION,
  ProtocolError,
  SIGNATURE_ALG,
  canonicalize,
  fromBase64url,
  fromUtf8,
  isJsonObject,
  parseStrict,
  toBase64url,
  utf8,
} from '@sdmp/core'
import type { Json, JsonObject } from '@sdmp/core'
import { MAX_INVITE_CHARS, MAX_INVITE_RESOURCES } from './codec.js'
import { INVITE_KINDS } from './invite-kinds.js'
import type { InviteContent } from './codec.js'

/** Prefix of a compact invite (version 2). */
export const COMPACT_INVITE_PREFIX = 'sdmp-invite:2:'
/** What one QR code holds in byte mode (version 40, error correction L, ISO/IEC 18004 table 7). */
export const QR_CAPACITY_BYTES = 2953
/** Longest compact invite accepted, in characters: twice what a QR code holds. */
export const MAX_COMPACT_INVITE_CHARS = 2 * QR_CAPACITY_BYTES
/** Resource kinds a compact invite keeps (no prekeys: they come by sync). */
const COMPACT_KINDS: ReadonlySet<string> = new Set(INVITE_KINDS.filter((k) => k !== 'prekey'))

/** One resource, compact: payload text and its signatures as `[kid, signature]`. */
type CompactResource = [string, [string, string][]]

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

const sha512 = (bytes: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha512').update(bytes).digest())

/** The protected header the profile signs with (sign.ts signResource). */
function protectedHeader(kid: string): string {
  return toBase64url(utf8(canonicalize({ alg: SIGNATURE_ALG, kid })))
}

/** Canonical resource bytes from the compact parts. */
function rebuild(payloadText: string, signatures: readonly [string, string][]): Uint8Array {
  const payload = toBase64url(utf8(payloadText))
  return utf8(
    canonicalize({
      sdmp: { version: PROFILE_VERSION, schemas: ['signature'] },
      signature: {
        identifier: toBase64url(sha512(utf8(payload))),
        payload,
        signatures: signatures.map(([kid, signature]) => ({
          protected: protectedHeader(kid),
          signature,
        })),
      },
    }),
  )
}

/** The kind named by a payload's `sdmp.schemas` (the last schema), if readable. */
function kindOf(payloadText: string): string | undefined {
  const v = parseStrict(payloadText, 'resource.payload')
  const sdmp = isJsonObject(v) ? v['sdmp'] : undefined
  const schemas = isJsonObject(sdmp) ? sdmp['schemas'] : undefined
  return Array.isArray(schemas) ? (schemas[schemas.length - 1] as string | undefined) : undefined
}

/** Split one canonical resource into its compact parts; a bug when it cannot be rebuilt. */
function compactOf(bytes: Uint8Array): CompactResource {
  const o = parseStrict(fromUtf8(bytes), 'resource') as {
    signature: { payload: string; signatures: { protected: string; signature: string }[] }
  }
  const payloadText = fromUtf8(fromBase64url(o.signature.payload))
  const signatures = o.signature.signatures.map((s): [string, string] => {
    const header = parseStrict(fromUtf8(fromBase64url(s.protected)), 'protected') as { kid: string }
    return [header.kid, s.signature]
  })
  const again = rebuild(payloadText, signatures)
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i]))
    throw new Error('compact invite: a resource does not rebuild to the same bytes')
  return [payloadText, signatures]
}

/**
 * Encode an invite in the compact form: prekeys are dropped, everything else kept.
 * @example encodeCompactInvite(decodeInvite(full)) // 'sdmp-invite:2:...' (about 1.1 KB)
 */
export function encodeCompactInvite(content: InviteContent): string {
  const resources = content.resources
    .map(compactOf)
    .filter(([payload]) => COMPACT_KINDS.has(kindOf(payload) ?? ''))
  const json = canonicalize({ user: content.user, resources } as unknown as Json)
  return COMPACT_INVITE_PREFIX + toBase64url(deflateRawSync(utf8(json), { level: 9 }))
}

/** A `[kid, signature]` pair, checked. */
function signaturePair(v: Json | undefined, label: string): [string, string] {
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    typeof v[0] !== 'string' ||
    typeof v[1] !== 'string' ||
    !/^[A-Za-z0-9_-]{86}$/.test(v[0]) ||
    !/^[A-Za-z0-9_-]{86}$/.test(v[1])
  )
    return fail(ErrorCode.BAD_REQUEST, `${label}: expected [kid, signature]`)
  return [v[0], v[1]]
}

/**
 * Decode a compact invite into the same content as a full one (resources still to be
 * validated by the caller: checkInvite).
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING
 */
export function decodeCompactInvite(text: string): InviteContent {
  if (typeof text !== 'string') fail(ErrorCode.BAD_REQUEST, 'invite: expected a string')
  const trimmed = text.trim()
  if (trimmed.length > MAX_COMPACT_INVITE_CHARS)
    fail(
      ErrorCode.LIMIT_EXCEEDED,
      `invite: ${trimmed.length} characters exceeds ${MAX_COMPACT_INVITE_CHARS}`,
    )
  if (!trimmed.startsWith(COMPACT_INVITE_PREFIX))
    fail(ErrorCode.BAD_REQUEST, `invite: expected a string starting with ${COMPACT_INVITE_PREFIX}`)
  const packed = fromBase64url(trimmed.slice(COMPACT_INVITE_PREFIX.length), 'invite')
  let raw: Uint8Array
  try {
    // Bounded output: a small string must not inflate into a memory bomb.
    raw = inflateRawSync(packed, { maxOutputLength: MAX_INVITE_CHARS })
  } catch (cause) {
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, 'invite: not a deflated invite', { cause })
  }
  const value = parseStrict(fromUtf8(raw, 'invite'), 'invite', MAX_INVITE_CHARS)
  if (!isJsonObject(value)) return fail(ErrorCode.BAD_REQUEST, 'invite: expected an object')
  const o: JsonObject = value
  for (const k of Object.keys(o))
    if (k !== 'user' && k !== 'resources')
      fail(ErrorCode.BAD_REQUEST, `invite: unknown member ${k}`)
  const user = o['user']
  if (typeof user !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(user))
    fail(ErrorCode.BAD_REQUEST, 'invite.user: expected a fingerprint')
  const list = o['resources']
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_INVITE_RESOURCES)
    fail(ErrorCode.BAD_REQUEST, `invite.resources: expected 1..${MAX_INVITE_RESOURCES} resources`)
  const resources = (list as Json[]).map((r, i) => {
    const label = `invite.resources[${i}]`
    if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== 'string' || !Array.isArray(r[1]))
      return fail(ErrorCode.BAD_REQUEST, `${label}: expected [payload, signatures]`)
    const sigs = r[1] as Json[]
    if (sigs.length === 0 || sigs.length > 8)
      fail(ErrorCode.BAD_REQUEST, `${label}: expected 1..8 signatures`)
    return rebuild(
      r[0],
      sigs.map((s, j) => signaturePair(s, `${label}.signatures[${j}]`)),
    )
  })
  return { user: user as string, resources }
}
