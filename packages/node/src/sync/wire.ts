/**
 * Sync wire format over a secure channel (docs/protocol/sync.md §2): every channel message is one
 * type byte and a body. Control messages are node-signed SDMP resources (request_journal,
 * request_resource, response, broadcast); resource frames carry one stored resource's exact
 * bytes (self-authenticating: every resource is verified on arrival); reconcile frames carry the
 * binary set-reconciliation messages; blob frames carry attachment blob bytes
 * (docs/protocol/attachments.md §2).
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  concatBytes,
  decodeCompactResource,
  encodeCompactResource,
  isCompactResource,
  signResource,
} from '@sdmp/core'
import type { Store } from '@sdmp/store'
import type { CompactHash, ContentKind, CryptoProvider, Json, SigningKey } from '@sdmp/core'

/**
 * Channel message types (the first byte). RESOURCE_COMPACT and CONTROL_COMPACT carry their
 * resource in the compact form (docs/protocol/compact.md §7); RESOURCE and CONTROL, the JSON
 * text, are still read.
 */
export const MessageType = {
  CONTROL: 0x01,
  RECONCILE: 0x02,
  RESOURCE: 0x03,
  BLOB: 0x04,
  RESOURCE_COMPACT: 0x05,
  CONTROL_COMPACT: 0x06,
} as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

/** Prefix a body with its type byte. */
export function encodeMessage(type: MessageType, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(type), body)
}

/** Split a channel message. @throws BAD_REQUEST for an empty message or an unknown type */
export function decodeMessage(message: Uint8Array): { type: MessageType; body: Uint8Array } {
  const type = message[0]
  if (
    type !== MessageType.CONTROL &&
    type !== MessageType.RECONCILE &&
    type !== MessageType.RESOURCE &&
    type !== MessageType.BLOB &&
    type !== MessageType.RESOURCE_COMPACT &&
    type !== MessageType.CONTROL_COMPACT
  ) {
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `sync: unknown message type ${type ?? 'none'}`)
  }
  return { type, body: message.subarray(1) }
}

/** Who signs this node's control messages. */
export interface ControlSigner {
  readonly provider: CryptoProvider
  readonly key: SigningKey
  readonly user: string
  /** The trust from `user` that authorizes this node. */
  readonly trust: string
  readonly clock: () => number
}

/** Build a signed control message of `kind` with `data`, framed (compact) for the channel. */
export function controlMessage(signer: ControlSigner, kind: ContentKind, data: Json): Uint8Array {
  const r = signResource(
    signer.provider,
    { kind, data, user: signer.user, trust: signer.trust, created: signer.clock() },
    [signer.key],
  )
  // Our own canonical resource: it always has a compact form (compact.md §7).
  return encodeMessage(MessageType.CONTROL_COMPACT, encodeCompactResource(signer.provider, r.bytes))
}

/**
 * Build a resource frame from a resource's JSON bytes: RESOURCE_COMPACT when `hash` is given
 * (sync.md §8.1, compact.md §7), else RESOURCE. Bytes that have no compact form (not a canonical
 * JSON resource; a peer would refuse them anyway) go out as RESOURCE.
 */
export function resourceMessage(bytes: Uint8Array, hash?: CompactHash): Uint8Array {
  if (hash !== undefined) {
    try {
      return encodeMessage(MessageType.RESOURCE_COMPACT, encodeCompactResource(hash, bytes))
    } catch {
      // fall through: the JSON frame
    }
  }
  return encodeMessage(MessageType.RESOURCE, bytes)
}

/**
 * The frame of a stored resource, from its bytes at rest when the store hands them out
 * (Store.getStoredResource): compact bytes go out as they are, with no decoding and encoding
 * again (compact.md §6-§7); undefined when the store does not hold the resource's bytes.
 */
export async function storedResourceFrame(
  store: Pick<Store, 'getResource' | 'getStoredResource'>,
  id: string,
  hash: CompactHash,
): Promise<Uint8Array | undefined> {
  if (store.getStoredResource === undefined) {
    const bytes = await store.getResource(id)
    return bytes && resourceMessage(bytes, hash)
  }
  const stored = await store.getStoredResource(id)
  if (stored === undefined) return undefined
  return isCompactResource(stored)
    ? encodeMessage(MessageType.RESOURCE_COMPACT, stored)
    : resourceMessage(stored, hash)
}

/**
 * The JSON bytes a RESOURCE, CONTROL or *_COMPACT body stands for.
 * @throws INVALID_ENCODING, LIMIT_EXCEEDED, UNSUPPORTED_VERSION (a malformed compact body)
 */
export function resourceFrameBytes(
  type: MessageType,
  body: Uint8Array,
  hash: CompactHash,
): Uint8Array {
  return type === MessageType.RESOURCE_COMPACT || type === MessageType.CONTROL_COMPACT
    ? decodeCompactResource(hash, body)
    : body
}

let counter = 0
/** A request identifier unique for this process (sync.md §2.3: unique per request and node). */
export function nextRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER
  return `r${Date.now().toString(36)}.${counter.toString(36)}`
}
