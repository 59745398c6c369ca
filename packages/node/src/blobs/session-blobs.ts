/**
 * The seam between a peer session and the node's attachment blob transfer
 * (docs/protocol/attachments.md §2): the session routes every BLOB frame, `request_blob` and
 * `offer_blobs` here, and a node without blob transfer refuses them through {@link NO_BLOBS}.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import type { PeerSession } from '../sync/peer-session.js'

/** What a session hands to the node's blob transfer (attachments.md §2). */
export interface SessionBlobs {
  /** Answer a request_blob (exactly one response); must not block the inbox for the upload. */
  onRequest(session: PeerSession, q: ContentData<'request_blob'>): Promise<void>
  /** The peer holds these blobs. Must not block. */
  onOffer(session: PeerSession, q: ContentData<'offer_blobs'>): void
  /** A BLOB frame body; may wait (backpressure). @throws BAD_REQUEST (a fault of the peer) */
  onFrame(session: PeerSession, body: Uint8Array): Promise<void>
}

/**
 * The blob side of a node without blob transfer: a `request_blob` is answered `not_found`
 * (sync.md §8.2: every request gets one response), an offer is ignored, and a BLOB frame nobody
 * asked for is a fault of the peer (sync.md §8.6).
 */
export const NO_BLOBS: SessionBlobs = Object.freeze({
  onRequest: (session: PeerSession, q: ContentData<'request_blob'>) =>
    session.answer(q.identifier, 'not_found'),
  onOffer: () => undefined,
  onFrame: async (session: PeerSession) =>
    session.fault(new ProtocolError(ErrorCode.BAD_REQUEST, 'sync: unexpected blob frame')),
})
