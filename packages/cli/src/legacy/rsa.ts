/**
 * The RSA operations of SDMP 0.12 (docs/legacy.md): PKCS#1 v1.5 signatures with SHA-512, and
 * unwrapping PKCS#1 v1.5 type-2 encrypted AES keys. Legacy, read-only and offline only.
 * @module
 */
import { constants, createPrivateKey, createPublicKey, privateDecrypt, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** Parse a PEM public key; null when it is not one. */
export function parsePublicKey(pem: string): KeyObject | null {
  try {
    const key = createPublicKey(pem)
    return key.asymmetricKeyType === 'rsa' ? key : null
  } catch {
    return null
  }
}

/** Parse a PEM private key; null when it is not one. */
export function parsePrivateKey(pem: string): KeyObject | null {
  try {
    const key = createPrivateKey(pem)
    return key.asymmetricKeyType === 'rsa' ? key : null
  } catch {
    return null
  }
}

/**
 * True when `signature` is an RSASSA-PKCS1-v1_5 SHA-512 signature of `message` under `key`
 * (what the 0.12 example files call "HS512"). A predicate: false for anything invalid.
 */
export function verifyRsaSha512(
  key: KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return verify('sha512', message, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
  } catch {
    return false
  }
}

/**
 * Unwrap an RSAES-PKCS1-v1_5 encrypted key of exactly `length` bytes; null on any failure.
 *
 * SECURITY: Node 20 refuses PKCS#1 v1.5 private decryption (CVE-2023-46809, the Marvin timing
 * attack), because a server whose decrypt errors or timing are observable is a Bleichenbacher
 * padding oracle. This function exists only for `sdmp legacy verify`, which reads fixed files
 * offline and answers nobody. It must never be reachable from a network path or the daemon.
 * It does raw RSA and checks the type-2 padding itself, strictly (00 02, at least 8 non-zero
 * padding bytes, a 00 separator, exactly `length` message bytes), scanning the whole block
 * without early exit and folding every condition into one flag (constant-time in spirit; JS
 * gives no guarantee, which is one more reason this stays offline).
 */
export function unwrapPkcs1v15(
  key: KeyObject,
  ciphertext: Uint8Array,
  length: number,
): Uint8Array | null {
  let em: Uint8Array
  try {
    em = new Uint8Array(privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext))
  } catch {
    return null
  }
  // RFC 8017 §7.2.2 step 3: EM = 0x00 || 0x02 || PS || 0x00 || M, |PS| >= 8, PS bytes non-zero.
  let bad = em[0]! | (em[1]! ^ 0x02)
  let found = 0
  let separator = 0
  for (let i = 2; i < em.length; i++) {
    const isZero = ((em[i]! - 1) >>> 31) & 1 // 1 iff em[i] === 0, without a branch
    const first = isZero & (found ^ 1)
    separator |= -first & i
    found |= isZero
  }
  bad |= found ^ 1
  bad |= separator < 10 ? 1 : 0
  bad |= em.length - separator - 1 !== length ? 1 : 0
  return bad === 0 ? em.slice(separator + 1) : null
}
