/**
 * The seam between a peer session and the node's attachment blob transfer
 * (docs/protocol/attachments.md §2): the session routes every BLOB frame, `request_blob` and
 * `offer_blobs` here, and a node without blob transfer refuses them through {@link NO_BLOBS}.
 * Blob transfer sees a session only as a {@link BlobPeer}: `blobs/` depends on `sync/`, never
 * the other way (docs/architecture.md).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { ContentData, Json } from '@sdmp/core'
import type { SecureChannel } from '@sdmp/transport'
import type { ResponseStatus } from './session-requests.js'

/** What blob transfer may do with a peer session. */
export interface BlobPeer {
  /** The peer's key (node fingerprint), for logs and per-peer counts. */
  readonly key: string
  /** The peer node's user (offers go to the nodes of the message's users). */
  readonly peerUser: string
  readonly channel: SecureChannel
  readonly isOpen: boolean
  /** Ask the peer for a blob from `offset`; the response (its `data.size`, or a refusal). */
  requestBlob(hash: string, offset: number): Promise<ContentData<'response'>>
  /** Answer one request of the peer (exactly one response per request, sync.md §8.2). */
  answer(identifier: string, status: ResponseStatus, reason?: string, data?: Json): Promise<void>
  /** A fault of the peer: penalize and close (sync.md §8.6). */
  fault(e: ProtocolError): void
}

/** What a session hands to the node's blob transfer (attachments.md §2). */
export interface SessionBlobs {
  /** Answer a request_blob (exactly one response); must not block the inbox for the upload. */
  onRequest(session: BlobPeer, q: ContentData<'request_blob'>): Promise<void>
  /** The peer holds these blobs. Must not block. */
  onOffer(session: BlobPeer, q: ContentData<'offer_blobs'>): void
  /** A BLOB frame body; may wait (backpressure). @throws BAD_REQUEST (a fault of the peer) */
  onFrame(session: BlobPeer, body: Uint8Array): Promise<void>
}

/**
 * The blob side of a node without blob transfer: a `request_blob` is answered `not_found`
 * (sync.md §8.2: every request gets one response), an offer is ignored, and a BLOB frame nobody
 * asked for is a fault of the peer (sync.md §8.6).
 */
export const NO_BLOBS: SessionBlobs = Object.freeze({
  onRequest: (session: BlobPeer, q: ContentData<'request_blob'>) =>
    session.answer(q.identifier, 'not_found'),
  onOffer: () => undefined,
  onFrame: async (session: BlobPeer) =>
    session.fault(new ProtocolError(ErrorCode.BAD_REQUEST, 'sync: unexpected blob frame')),
})
