/**
 * The BLOB channel message (docs/protocol/attachments.md §2, sync.md §8.1): type 0x04, then the
 * 32-byte blob hash, the 8-byte big-endian offset of the data in the blob, and 1..65,536 bytes
 * of data.
 * @module
 */
import { ErrorCode, ProtocolError, fromHex, toHex } from '@sdmp/core'
import { MessageType } from '../sync/wire.js'

/** Most data bytes in one BLOB frame. */
export const BLOB_FRAME_DATA_BYTES = 65_536
const HEADER = 32 + 8

/** One decoded BLOB frame. */
export interface BlobFrame {
  /** The blob's SHA-256, lowercase hex. */
  readonly hash: string
  readonly offset: number
  readonly data: Uint8Array
}

/** Build a framed BLOB message (type byte included). */
export function encodeBlobFrame(hash: string, offset: number, data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length > BLOB_FRAME_DATA_BYTES)
    throw new RangeError(`blob frame: expected 1..${BLOB_FRAME_DATA_BYTES} data bytes`)
  const out = new Uint8Array(1 + HEADER + data.length)
  out[0] = MessageType.BLOB
  out.set(fromHex(hash, 'blob hash'), 1)
  new DataView(out.buffer).setBigUint64(33, BigInt(offset), false)
  out.set(data, 1 + HEADER)
  return out
}

/**
 * Decode a BLOB body (after the type byte).
 * @throws BAD_REQUEST for a short body, too much data or an offset beyond 2^53 − 1
 */
export function decodeBlobFrame(body: Uint8Array): BlobFrame {
  if (body.length <= HEADER || body.length > HEADER + BLOB_FRAME_DATA_BYTES)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `blob frame: expected ${HEADER + 1}..${HEADER + BLOB_FRAME_DATA_BYTES} bytes, got ${body.length}`,
    )
  const offset = new DataView(body.buffer, body.byteOffset, body.byteLength).getBigUint64(32, false)
  if (offset > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'blob frame: offset out of range')
  return { hash: toHex(body.subarray(0, 32)), offset: Number(offset), data: body.subarray(HEADER) }
}
