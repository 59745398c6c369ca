/**
 * Size and recipient-count buckets (SEMP's rules, docs/protocol/envelope.md §4), and the
 * length-prefixed zero padding of the sealed plaintext. The outer object then shows only the
 * bucket, never the exact inner size or recipient count.
 * @module
 */
import { LIMITS } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'

/** Smallest padded plaintext: SEMP's current 4096-byte floor (its vector table still says 1024). */
export const SIZE_BUCKET_FLOOR = 4096
/** Smallest recipient bucket: never reveal that an envelope has exactly one recipient. */
export const RECIPIENT_BUCKET_FLOOR = 2
/** Bytes of the big-endian length prefix in front of the inner resource. */
export const LENGTH_PREFIX_BYTES = 4

/** The smallest power of two >= n (n >= 1); exact for every n up to 2^52. */
export function nextPowerOfTwo(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`expected a positive integer`)
  let p = 1
  while (p < n) p *= 2
  return p
}

/** True when n is a positive integer power of two. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && nextPowerOfTwo(n) === n
}

/**
 * SEMP's size bucket: max(4096, next power of two >= unpadded). For us `unpadded` is
 * 4 + inner length (the length prefix counts). envelope.md §4.1.
 */
export function sizeBucket(unpadded: number): number {
  return Math.max(SIZE_BUCKET_FLOOR, nextPowerOfTwo(Math.max(1, unpadded)))
}

/**
 * SEMP's recipient-count bucket without its single-recipient exception:
 * max(2, next power of two >= real), at most {@link LIMITS.maxRecipients}. envelope.md §4.2.
 * @throws LIMIT_EXCEEDED when `real` exceeds the limit (SEMP says: recompose)
 */
export function recipientBucket(real: number): number {
  if (real > LIMITS.maxRecipients) {
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `recipients: ${real} exceeds ${LIMITS.maxRecipients}`,
    )
  }
  return Math.max(RECIPIENT_BUCKET_FLOOR, nextPowerOfTwo(Math.max(1, real)))
}

/** u32be(len) || inner || zeros, sized to {@link sizeBucket}. envelope.md §4.1. */
export function padPlaintext(inner: Uint8Array): Uint8Array {
  const out = new Uint8Array(sizeBucket(LENGTH_PREFIX_BYTES + inner.length))
  new DataView(out.buffer).setUint32(0, inner.length)
  out.set(inner, LENGTH_PREFIX_BYTES)
  return out
}

/**
 * Undo {@link padPlaintext}, or return null when the plaintext is not in canonical padded form:
 * wrong bucket size, a length prefix that does not fit, or a nonzero padding byte. The padding
 * is scanned in full (OR-accumulated) so the time does not depend on where a bad byte sits.
 */
export function unpadPlaintext(padded: Uint8Array): Uint8Array | null {
  if (padded.length < SIZE_BUCKET_FLOOR) return null
  const len = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0)
  const end = LENGTH_PREFIX_BYTES + len
  if (end > padded.length || sizeBucket(end) !== padded.length) return null
  let acc = 0
  for (let i = end; i < padded.length; i++) acc |= padded[i]!
  return acc === 0 ? padded.slice(LENGTH_PREFIX_BYTES, end) : null
}
