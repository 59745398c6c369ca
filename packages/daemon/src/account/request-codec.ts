/**
 * The wire forms of message requests (docs/protocol/requests.md §3): what a stranger sends over
 * a first-contact channel (an inbox query, a sealed contact request), the node's answers, and
 * the plaintext sealed inside a request. Every decoder takes untrusted bytes and answers
 * anything malformed, oversized or hostile with a coded ProtocolError, never another throw.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  decodeEncryptedData,
  fromBase64url,
  fromUtf8,
  isDigest,
  isJsonObject,
  parseStrict,
  toBase64url,
  utf8,
} from '@sdmp/core'
import type { EncryptedData, Json, JsonObject } from '@sdmp/core'

/** Largest first-contact message of a request (the sealed request with its invite), bytes. */
export const MAX_REQUEST_BYTES = 256 * 1024
/** Largest invite a request may carry, characters (a full invite of a few devices is ~10 KB). */
export const MAX_REQUEST_INVITE_CHARS = 96 * 1024
/** Longest request text, characters. */
export const MAX_REQUEST_TEXT_CHARS = 1000
/** Largest answer a node gives to a request or an inbox query, bytes. */
export const MAX_ANSWER_BYTES = MAX_REQUEST_INVITE_CHARS + 1024

/** Why a node refused a request (requests.md §5). */
export const REJECT_REASONS = Object.freeze([
  'blocked',
  'over-quota',
  'bad-signature',
  'undecryptable',
  'unknown-user',
  'policy',
] as const)
export type RejectReason = (typeof REJECT_REASONS)[number]

/** The outcome a sender is told (requests.md §5). */
export type RequestOutcome =
  | { readonly outcome: 'delivered' }
  | { readonly outcome: 'silent' }
  | { readonly outcome: 'rejected'; readonly reason: RejectReason }

/** A first-contact message about requests, decoded. */
export type RequestMessage =
  | { readonly type: 'inbox'; readonly user: string }
  | { readonly type: 'request'; readonly user: string; readonly sealed: EncryptedData }

/** What a request carries once opened: the sender's invite and its signed message. */
export interface RequestPlaintext {
  /** The sender's full invite (`sdmp-invite:1:`), checked like any invite. */
  readonly invite: string
  /** The canonical bytes of the sender's signed `message` resource to the recipient. */
  readonly message: Uint8Array
  /**
   * The canonical bytes of the sender's `encrypted` resource carrying that same message, sealed
   * to the recipient's and the sender's reading devices (requests.md §3.3): on accept the
   * recipient ingests it, so the request text becomes the chat's first message. Optional.
   */
  readonly envelope?: Uint8Array
}

/** The answer to an inbox query: the user's full invite, or a refusal. */
export type InboxAnswer =
  | { readonly invite: string }
  | { readonly outcome: 'rejected'; readonly reason: RejectReason }

const bad = (message: string): never => {
  throw new ProtocolError(ErrorCode.BAD_REQUEST, message)
}

/** Strict JSON object from untrusted bytes, bounded. @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING */
export function objectOf(bytes: unknown, label: string, max: number): JsonObject {
  if (!(bytes instanceof Uint8Array)) return bad(`${label}: expected bytes`)
  if (bytes.length > max)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `${label}: ${bytes.length} bytes exceeds ${max}`,
    )
  let text: string
  try {
    text = fromUtf8(bytes)
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, `${label}: expected UTF-8`)
  }
  const v = parseStrict(text, label, max)
  if (!isJsonObject(v)) return bad(`${label}: expected a JSON object`)
  return v
}

export function only(o: JsonObject, label: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`${label}: unexpected member ${k}`)
}

export const digest = (v: Json | undefined, label: string): string =>
  isDigest(v) ? v : bad(`${label}: expected a user fingerprint`)

/** Whether first-contact bytes look like a request message (by `type`), cheaply. */
export function isRequestMessage(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 32))
  return /^\{\s*"type"\s*:\s*"(inbox|request|held)"/.test(head)
}

/** Encode an inbox query for `user`. */
export function encodeInboxQuery(user: string): Uint8Array {
  return utf8(JSON.stringify({ type: 'inbox', user }))
}

/** Encode a sealed request for `user`. */
export function encodeRequest(user: string, sealed: EncryptedData): Uint8Array {
  return utf8(JSON.stringify({ type: 'request', user, sealed }))
}

/**
 * Decode a first-contact message about requests (requests.md §3.1, §3.2).
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING, SCHEMA_VIOLATION (the envelope)
 */
export function decodeRequestMessage(bytes: unknown): RequestMessage {
  const o = objectOf(bytes, 'request', MAX_REQUEST_BYTES)
  if (o['type'] === 'inbox') {
    only(o, 'request', ['type', 'user'])
    return { type: 'inbox', user: digest(o['user'], 'request.user') }
  }
  if (o['type'] !== 'request') return bad('request.type: expected inbox or request')
  only(o, 'request', ['type', 'user', 'sealed'])
  const user = digest(o['user'], 'request.user')
  const sealed = decodeEncryptedData(o['sealed'])
  if (sealed.routes !== undefined) bad('request.sealed.routes: a request carries no routes')
  return { type: 'request', user, sealed }
}

/** Encode the plaintext sealed inside a request (requests.md §3.3). */
export function encodeRequestPlaintext(p: RequestPlaintext): Uint8Array {
  return utf8(
    JSON.stringify({
      type: 'contact_request',
      invite: p.invite,
      message: toBase64url(p.message),
      ...(p.envelope !== undefined && { envelope: toBase64url(p.envelope) }),
    }),
  )
}

/**
 * Decode the plaintext of an opened request. The invite and message are still to be verified.
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING
 */
export function decodeRequestPlaintext(bytes: Uint8Array): RequestPlaintext {
  const o = objectOf(bytes, 'request.sealed', MAX_REQUEST_BYTES)
  only(o, 'request.sealed', ['type', 'invite', 'message', 'envelope'])
  if (o['type'] !== 'contact_request') bad('request.sealed.type: expected contact_request')
  const invite = o['invite']
  if (typeof invite !== 'string' || invite.length > MAX_REQUEST_INVITE_CHARS)
    bad(
      `request.sealed.invite: expected an invite of at most ${MAX_REQUEST_INVITE_CHARS} characters`,
    )
  const message = bytesOf(o['message'], 'request.sealed.message')
  const envelope =
    o['envelope'] === undefined ? undefined : bytesOf(o['envelope'], 'request.sealed.envelope')
  return { invite: invite as string, message, ...(envelope !== undefined && { envelope }) }
}

/** base64url bytes of a member, bounded. @throws BAD_REQUEST, INVALID_ENCODING */
export function bytesOf(v: Json | undefined, label: string): Uint8Array {
  if (typeof v !== 'string' || v.length > MAX_REQUEST_BYTES * 2)
    return bad(`${label}: expected base64url`)
  try {
    return fromBase64url(v)
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, `${label}: expected base64url`)
  }
}

/** Encode a node's outcome for a request. */
export function encodeOutcome(o: RequestOutcome): Uint8Array {
  return utf8(JSON.stringify({ type: 'request', ...o }))
}

/** Encode a node's answer to an inbox query. */
export function encodeInboxAnswer(a: InboxAnswer): Uint8Array {
  return utf8(JSON.stringify({ type: 'inbox', ...a }))
}

function rejection(o: JsonObject, label: string): RejectReason {
  const r = o['reason']
  if (typeof r !== 'string' || !(REJECT_REASONS as readonly string[]).includes(r))
    return bad(`${label}.reason: expected one of ${REJECT_REASONS.join(', ')}`)
  return r as RejectReason
}

/**
 * Decode a node's outcome for a request (the sender reads it).
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING
 */
export function decodeOutcome(bytes: Uint8Array): RequestOutcome {
  const o = objectOf(bytes, 'answer', MAX_ANSWER_BYTES)
  if (o['type'] !== 'request') bad('answer.type: expected request')
  if (o['outcome'] === 'delivered' || o['outcome'] === 'silent') {
    only(o, 'answer', ['type', 'outcome'])
    return { outcome: o['outcome'] }
  }
  if (o['outcome'] !== 'rejected') bad('answer.outcome: expected delivered, silent or rejected')
  only(o, 'answer', ['type', 'outcome', 'reason'])
  return { outcome: 'rejected', reason: rejection(o, 'answer') }
}

/**
 * Decode a node's answer to an inbox query.
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING
 */
export function decodeInboxAnswer(bytes: Uint8Array): InboxAnswer {
  const o = objectOf(bytes, 'answer', MAX_ANSWER_BYTES)
  if (o['type'] !== 'inbox') bad('answer.type: expected inbox')
  if (typeof o['invite'] === 'string') {
    only(o, 'answer', ['type', 'invite'])
    return { invite: o['invite'] }
  }
  if (o['outcome'] !== 'rejected') bad('answer: expected an invite or a rejection')
  only(o, 'answer', ['type', 'outcome', 'reason'])
  return { outcome: 'rejected', reason: rejection(o, 'answer') }
}
