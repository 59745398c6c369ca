/**
 * The wire forms of held requests (docs/protocol/requests.md §7): a host-only node cannot open
 * a sealed request, so it holds the request message as it came and hands it to the user's
 * reading devices, which ask for it over a first-contact channel with a query signed by their
 * node key. Every decoder takes untrusted bytes and answers anything malformed with a coded
 * ProtocolError.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  isDigest,
  isJsonObject,
  parseStrict,
  fromUtf8,
  toBase64url,
  utf8,
} from '@sdmp/core'
import type { CryptoProvider, Json } from '@sdmp/core'
import { MAX_REQUEST_BYTES, bytesOf, digest, objectOf, only } from './request-codec.js'

/** Items one answer carries at most, in bytes of request messages (a page; `more` says so). */
export const MAX_HELD_PAGE_BYTES = 1024 * 1024
/** The largest held answer on the wire (base64url of a page, with room for JSON). */
export const MAX_HELD_ANSWER_BYTES = 2 * 1024 * 1024
/** Ids a query may list as known or to drop (each list). */
export const MAX_HELD_IDS = 256
/** How far a query's time may be from the host's clock, ms (a replay window). */
export const HELD_QUERY_SKEW_MS = 5 * 60 * 1000
/** The domain separation of the query's signature (requests.md §7.2). */
const HELD_CONTEXT = 'sdmp/held-requests/v1\n'

/** A device's query to its host: what the signature covers. */
export interface HeldQuery {
  /** The user the device and the host serve. */
  readonly user: string
  /** The asking device (its node fingerprint: the signer). */
  readonly node: string
  /** The host asked (its node fingerprint), so a query is good for that host only. */
  readonly host: string
  /** When the device signed it, ms since the epoch. */
  readonly time: number
  /** Held ids the device has already (not sent again). */
  readonly known: readonly string[]
  /** Held ids the user decided on (accepted, declined, blocked, or found bad): the host deletes them. */
  readonly drop: readonly string[]
}

/** A decoded held query, its signature still to be verified against the node's key. */
export interface SignedHeldQuery {
  readonly query: HeldQuery
  /** The exact signed bytes. */
  readonly signed: Uint8Array
  readonly signature: Uint8Array
}

const bad = (message: string): never => {
  throw new ProtocolError(ErrorCode.BAD_REQUEST, message)
}

/** The bytes a held query's signature covers. */
function signedBytes(query: Uint8Array): Uint8Array {
  const context = utf8(HELD_CONTEXT)
  const out = new Uint8Array(context.length + query.length)
  out.set(context)
  out.set(query, context.length)
  return out
}

/** Encode a held query signed with the device's node key seed. */
export function encodeHeldQuery(
  provider: CryptoProvider,
  nodeSeed: Uint8Array,
  query: HeldQuery,
): Uint8Array {
  const bytes = utf8(JSON.stringify(query))
  const signature = provider.ed25519.sign(nodeSeed, signedBytes(bytes))
  return utf8(
    JSON.stringify({ type: 'held', query: toBase64url(bytes), signature: toBase64url(signature) }),
  )
}

function ids(v: Json | undefined, label: string): string[] {
  if (!Array.isArray(v) || v.length > MAX_HELD_IDS)
    return bad(`${label}: expected at most ${MAX_HELD_IDS} ids`)
  return v.map((x) => (isDigest(x) ? x : bad(`${label}: expected held ids`)))
}

/**
 * Decode a held query (the signature is checked by the host, which knows the node's key).
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING
 */
export function decodeHeldQuery(bytes: unknown): SignedHeldQuery {
  const o = objectOf(bytes, 'held', MAX_REQUEST_BYTES)
  only(o, 'held', ['type', 'query', 'signature'])
  if (o['type'] !== 'held') bad('held.type: expected held')
  const signed = bytesOf(o['query'], 'held.query')
  const signature = bytesOf(o['signature'], 'held.signature')
  let q: Json
  try {
    q = parseStrict(fromUtf8(signed), 'held.query', MAX_REQUEST_BYTES)
  } catch (e) {
    if (e instanceof ProtocolError) throw e
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, 'held.query: expected UTF-8 JSON')
  }
  if (!isJsonObject(q)) return bad('held.query: expected a JSON object')
  only(q, 'held.query', ['user', 'node', 'host', 'time', 'known', 'drop'])
  const time = q['time']
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0)
    bad('held.query.time: expected a time in ms')
  return {
    query: {
      user: digest(q['user'], 'held.query.user'),
      node: digest(q['node'], 'held.query.node'),
      host: digest(q['host'], 'held.query.host'),
      time: time as number,
      known: ids(q['known'], 'held.query.known'),
      drop: ids(q['drop'], 'held.query.drop'),
    },
    signed,
    signature,
  }
}

/** Whether `signature` is the node's over a held query's bytes (Ed25519, keys.md). */
export function verifyHeldQuery(
  provider: CryptoProvider,
  q: SignedHeldQuery,
  publicKey: Uint8Array,
): boolean {
  try {
    return provider.ed25519.verify(q.signature, signedBytes(q.signed), publicKey)
  } catch {
    return false
  }
}

/** One held request: its id (SHA-512 of the request message, base64url) and the request message. */
export interface HeldItem {
  readonly id: string
  readonly bytes: Uint8Array
}

/** The host's answer: a page of held requests, or a refusal. */
export type HeldAnswer =
  | { readonly items: readonly HeldItem[]; readonly more: boolean }
  | { readonly refused: true }

/** Encode a host's answer. */
export function encodeHeldAnswer(a: HeldAnswer): Uint8Array {
  if ('refused' in a) return utf8(JSON.stringify({ type: 'held', refused: true }))
  return utf8(
    JSON.stringify({
      type: 'held',
      items: a.items.map((i) => ({ id: i.id, request: toBase64url(i.bytes) })),
      more: a.more,
    }),
  )
}

/**
 * Decode a host's answer (the device checks each request as any request).
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING
 */
export function decodeHeldAnswer(bytes: Uint8Array): HeldAnswer {
  const o = objectOf(bytes, 'held', MAX_HELD_ANSWER_BYTES)
  if (o['type'] !== 'held') bad('held.type: expected held')
  if (o['refused'] === true) {
    only(o, 'held', ['type', 'refused'])
    return { refused: true }
  }
  only(o, 'held', ['type', 'items', 'more'])
  const items = o['items']
  if (!Array.isArray(items)) return bad('held.items: expected an array')
  if (typeof o['more'] !== 'boolean') bad('held.more: expected a boolean')
  return {
    items: items.map((x) => {
      if (!isJsonObject(x)) return bad('held.items: expected objects')
      only(x, 'held.items', ['id', 'request'])
      return {
        id: digest(x['id'], 'held.items.id'),
        bytes: bytesOf(x['request'], 'held.items.request'),
      }
    }),
    more: o['more'] as boolean,
  }
}
