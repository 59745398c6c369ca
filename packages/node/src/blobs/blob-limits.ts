/**
 * Limits of attachment blob transfer with their defaults (docs/protocol/attachments.md §2
 * "Bounds"; HOUSE-STYLE: one home for limits).
 * @module
 */
import { ATTACHMENT_MAX_BYTES, sealedAttachmentSize } from '@sdmp/core'

/** Limits of the blob transfer (defaults: {@link DEFAULT_BLOB_LIMITS}, attachments.md §2). */
export interface BlobLimits {
  /** Largest blob fetched or served. */
  readonly maxBlobBytes: number
  /** Downloads at once, per node and per peer. */
  readonly downloads: number
  readonly downloadsPerPeer: number
  /** Uploads at once to one peer; more are answered `rejected(busy)`. */
  readonly uploadsPerPeer: number
  /** A download with no frame for this long is given up, ms. */
  readonly stallMs: number
  /** Most blobs remembered as wanted. */
  readonly maxWanted: number
}

/** attachments.md §2 "Bounds". */
export const DEFAULT_BLOB_LIMITS: BlobLimits = Object.freeze({
  maxBlobBytes: sealedAttachmentSize(ATTACHMENT_MAX_BYTES),
  downloads: 4,
  downloadsPerPeer: 2,
  uploadsPerPeer: 2,
  stallMs: 30_000,
  maxWanted: 10_000,
})
