/**
 * Range fingerprints for set reconciliation (docs/protocol/sync.md §3): the sum mod 2^256 of
 * per-item hashes plus the item count, hashed with a domain tag and truncated to 16 bytes.
 * @module
 */
import { TAG_SYNC_FINGERPRINT } from '../domain.js'

export { TAG_SYNC_FINGERPRINT }

/** Bytes of a per-item hash: the first 32 bytes of the decoded 64-byte resource identifier. */
export const ITEM_HASH_BYTES = 32

/** Bytes of a transmitted fingerprint. */
export const FINGERPRINT_BYTES = 16

/** The hash function fingerprints need; a {@link CryptoProvider} satisfies it. */
export interface Sha256Source {
  sha256(data: Uint8Array): Uint8Array
}

const TAG_BYTES = new TextEncoder().encode(TAG_SYNC_FINGERPRINT)

/**
 * Add the 32-byte little-endian value `b` at `bOff` into `acc` at `accOff`, mod 2^256.
 * Works on 8 little-endian 32-bit limbs so a 10^6-item prefix-sum table stays in typed arrays.
 */
export function addLimbs(acc: Uint32Array, accOff: number, b: Uint32Array, bOff: number): void {
  let carry = 0
  for (let k = 0; k < 8; k++) {
    const s = acc[accOff + k]! + b[bOff + k]! + carry
    acc[accOff + k] = s >>> 0
    carry = s > 0xffffffff ? 1 : 0
  }
}

/** `acc -= b` mod 2^256 on 8 little-endian 32-bit limbs (see {@link addLimbs}). */
export function subLimbs(acc: Uint32Array, accOff: number, b: Uint32Array, bOff: number): void {
  let borrow = 0
  for (let k = 0; k < 8; k++) {
    const d = acc[accOff + k]! - b[bOff + k]! - borrow
    acc[accOff + k] = d >>> 0
    borrow = d < 0 ? 1 : 0
  }
}

/** Read a 32-byte little-endian value into 8 limbs at `off` of `out`. */
export function limbsFromBytes(bytes: Uint8Array, out: Uint32Array, off = 0): Uint32Array {
  for (let k = 0; k < 8; k++) {
    const i = k * 4
    out[off + k] =
      (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0
  }
  return out
}

/** Write 8 limbs at `off` of `limbs` as 32 little-endian bytes. */
export function bytesFromLimbs(limbs: Uint32Array, off = 0): Uint8Array {
  const out = new Uint8Array(32)
  for (let k = 0; k < 8; k++) {
    const v = limbs[off + k]!
    out[k * 4] = v & 0xff
    out[k * 4 + 1] = (v >>> 8) & 0xff
    out[k * 4 + 2] = (v >>> 16) & 0xff
    out[k * 4 + 3] = (v >>> 24) & 0xff
  }
  return out
}

/**
 * The 16-byte fingerprint of a range from its sum (32 bytes, little-endian, mod 2^256) and
 * count: SHA-256(tag || sum || u64le(count)) truncated. The count is hashed in so that sets of
 * different sizes with equal sums never share a fingerprint, and the hash hides the linear
 * structure of the sum from anyone comparing fingerprints (docs/protocol/sync.md §3).
 */
export function rangeFingerprint(hash: Sha256Source, sum: Uint8Array, count: number): Uint8Array {
  const input = new Uint8Array(TAG_BYTES.length + 32 + 8)
  input.set(TAG_BYTES, 0)
  input.set(sum, TAG_BYTES.length)
  let c = count
  for (let i = 0; i < 8; i++) {
    input[TAG_BYTES.length + 32 + i] = c % 256
    c = Math.floor(c / 256)
  }
  return hash.sha256(input).subarray(0, FINGERPRINT_BYTES)
}
