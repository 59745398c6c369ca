/**
 * The two envelope suites and their fixed byte sizes (docs/protocol/envelope.md §2). Sizes are
 * exact: decoders check every length against this table before any cryptography runs.
 * @module
 */
import { SUITE_BASELINE, SUITE_HYBRID } from '../domain.js'

/** An envelope suite id, as it appears in `encrypted.suite`. */
export type Suite = typeof SUITE_HYBRID | typeof SUITE_BASELINE

/** Byte sizes of one suite (docs/protocol/envelope.md §2, suite table). */
export interface SuiteSizes {
  /** Recipient public key: hybrid mlkem_ek(1184) || x25519_pub(32); baseline x25519_pub. */
  readonly publicKey: number
  /** Recipient secret key: hybrid mlkem_dk(2400) || x25519_sk(32); baseline x25519_sk. */
  readonly secretKey: number
  /** KEM ciphertext: hybrid mlkem_ct(1088) || eph_x25519_pub(32); baseline eph_x25519_pub. */
  readonly kemCiphertext: number
  /** One wrapped content key: kem_ct || ChaCha20-Poly1305(K) (32 + 16 bytes). */
  readonly wrap: number
  /** Seed of a deterministic key pair: hybrid mlkem d||z (64) || x25519_sk (32); baseline 32. */
  readonly seed: number
}

/** ML-KEM-768 sizes (FIPS 203, table 3). */
export const MLKEM768 = Object.freeze({ publicKey: 1184, secretKey: 2400, cipherText: 1088 })
/** X25519 key and point size (RFC 7748). */
export const X25519_BYTES = 32
/** Content key and wrap-key size (ChaCha20-Poly1305 key). */
export const KEY_BYTES = 32
/** ChaCha20-Poly1305 tag size. */
export const TAG_BYTES = 16
/** ChaCha20-Poly1305 nonce size. */
export const NONCE_BYTES = 12
/**
 * Bytes of a session entry (docs/protocol/sessions.md §4): header nonce (12) || sealed header
 * (40 + 16) || sealed K (32 + 16). Here because the envelope decoder checks it.
 */
export const SESSION_ENTRY_BYTES = 116

const HYBRID: SuiteSizes = Object.freeze({
  publicKey: MLKEM768.publicKey + X25519_BYTES,
  secretKey: MLKEM768.secretKey + X25519_BYTES,
  kemCiphertext: MLKEM768.cipherText + X25519_BYTES,
  wrap: MLKEM768.cipherText + X25519_BYTES + KEY_BYTES + TAG_BYTES,
  seed: 64 + X25519_BYTES,
})
const BASELINE: SuiteSizes = Object.freeze({
  publicKey: X25519_BYTES,
  secretKey: X25519_BYTES,
  kemCiphertext: X25519_BYTES,
  wrap: X25519_BYTES + KEY_BYTES + TAG_BYTES,
  seed: X25519_BYTES,
})

/** Every suite this implementation seals and opens; the hybrid one is the default. */
export const SUITES: readonly Suite[] = Object.freeze([SUITE_HYBRID, SUITE_BASELINE])

/** True when `s` names a supported suite. */
export function isSuite(s: unknown): s is Suite {
  return s === SUITE_HYBRID || s === SUITE_BASELINE
}

/** The byte sizes of `suite`. Throws a plain Error for an unknown suite (a bug: callers check). */
export function suiteSizes(suite: Suite): SuiteSizes {
  if (suite === SUITE_HYBRID) return HYBRID
  if (suite === SUITE_BASELINE) return BASELINE
  throw new Error(`unknown suite ${String(suite)}`)
}
