/**
 * Size and recipient-count buckets (SEMP's rules, docs/protocol/envelope.md §4), and the
 * length-prefixed zero padding of the sealed plaintext. The outer object then shows only the
 * bucket, never the exact inner size or recipient count.
 * @module
 */
import { LIMITS } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'

/**
 * Envelope profile versions (envelope.md §4.1, §5.2): 1 pads to SEMP's power-of-two buckets
 * with a 4096-byte floor; 2 (the default for new envelopes) pads with Padmé from a 256-byte
 * floor, which fits chat; 3 pads like 2 and seals the inner resource in the compact form
 * (docs/protocol/compact.md). Receivers read all three.
 */
export type EnvelopeVersion = 1 | 2 | 3
/** Smallest padded plaintext of profile v1: SEMP's current 4096-byte floor (its table says 1024). */
export const SIZE_BUCKET_FLOOR = 4096
/** Smallest padded plaintext of profile v2 (envelope.md §4.1). */
export const SIZE_BUCKET_FLOOR_V2 = 256
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
 * Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication
 * with PURBs", PETS 2019, §4): round `n` up so that only its top `floor(log2 E) + 1` bits may
 * be nonzero, `E = floor(log2 n)`. At most 12% overhead, O(log log n) bits of leakage.
 * Exact for every n up to 2^52 (no 32-bit bitwise operators).
 */
export function padme(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`expected a positive integer`)
  if (n < 2) return n
  const e = Math.floor(Math.log2(n))
  // log2 of a float can be off by one near powers of two: correct it with exact arithmetic.
  const exp = 2 ** e > n ? e - 1 : 2 ** (e + 1) <= n ? e + 1 : e
  const s = Math.floor(Math.log2(exp)) + 1
  const step = 2 ** (exp - s)
  return Math.ceil(n / step) * step
}

/**
 * Profile v2's size bucket: max(256, Padmé(unpadded)), where `unpadded` is 4 + inner length.
 * envelope.md §4.1.
 */
export function sizeBucketV2(unpadded: number): number {
  return Math.max(SIZE_BUCKET_FLOOR_V2, padme(Math.max(1, unpadded)))
}

/** The size bucket of `version` for `unpadded` bytes (envelope.md §4.1). */
export function sizeBucketOf(version: EnvelopeVersion, unpadded: number): number {
  return version === 1 ? sizeBucket(unpadded) : sizeBucketV2(unpadded)
}

/** True when `n` bytes is a padded length some plaintext has in `version` (decoder check). */
export function isBucketSize(version: EnvelopeVersion, n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 1) return false
  return version === 1
    ? n >= SIZE_BUCKET_FLOOR && isPowerOfTwo(n)
    : n >= SIZE_BUCKET_FLOOR_V2 && padme(n) === n
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

/** u32be(len) || inner || zeros, sized to the bucket of `version` (default 1). envelope.md §4.1. */
export function padPlaintext(inner: Uint8Array, version: EnvelopeVersion = 1): Uint8Array {
  const out = new Uint8Array(sizeBucketOf(version, LENGTH_PREFIX_BYTES + inner.length))
  new DataView(out.buffer).setUint32(0, inner.length)
  out.set(inner, LENGTH_PREFIX_BYTES)
  return out
}

/**
 * Undo {@link padPlaintext} for `version`, or return null when the plaintext is not in canonical padded form:
 * wrong bucket size, a length prefix that does not fit, or a nonzero padding byte. The padding
 * is scanned in full (OR-accumulated) so the time does not depend on where a bad byte sits.
 */
export function unpadPlaintext(
  padded: Uint8Array,
  version: EnvelopeVersion = 1,
): Uint8Array | null {
  if (!isBucketSize(version, padded.length)) return null
  const len = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0)
  const end = LENGTH_PREFIX_BYTES + len
  if (end > padded.length || sizeBucketOf(version, end) !== padded.length) return null
  let acc = 0
  for (let i = end; i < padded.length; i++) acc |= padded[i]!
  return acc === 0 ? padded.slice(LENGTH_PREFIX_BYTES, end) : null
}
