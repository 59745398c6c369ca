/**
 * The browser preset of the crypto provider: the audited noble family only, no platform code
 * beyond the WebCrypto CSPRNG (through noble's helper). Also the reference the native preset
 * is checked against.
 * @module
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { createEd25519Verifier } from './ed25519-rule.js'
import type { CryptoProvider, MlKem768 } from './provider.js'

const hashOf = (h: 'sha256' | 'sha512') => (h === 'sha256' ? sha256 : sha512)

/** RFC 5869 §2.3: L <= 255 * HashLen. A RangeError (a bug in our caller), as in every preset. */
function checkHkdfLength(h: 'sha256' | 'sha512', length: number): number {
  const max = 255 * (h === 'sha256' ? 32 : 64)
  if (!Number.isSafeInteger(length) || length < 0 || length > max)
    throw new RangeError(`hkdf.length: expected 0..${max}, got ${length}`)
  return length
}

const MLKEM768_PUBLIC_KEY_BYTES = 1184
const MLKEM768_CIPHERTEXT_BYTES = 1088

/**
 * ML-KEM-768 from @noble/post-quantum with the provider's error contract: a peer key of the
 * wrong length or failing the FIPS 203 §7.2 modulus check, or a ciphertext of the wrong length,
 * is untrusted input and raises INVALID_ENCODING (noble throws plain Errors).
 */
export const nobleMlKem768: MlKem768 = Object.freeze({
  keygen: (seed?: Uint8Array) => ml_kem768.keygen(seed),
  encapsulate(pub: Uint8Array, m?: Uint8Array) {
    if (!(pub instanceof Uint8Array) || pub.length !== MLKEM768_PUBLIC_KEY_BYTES)
      throw new ProtocolError(
        ErrorCode.INVALID_ENCODING,
        `mlkem768.publicKey: expected ${MLKEM768_PUBLIC_KEY_BYTES} bytes, got ${lengthOf(pub)}`,
      )
    try {
      return ml_kem768.encapsulate(pub, m)
    } catch (cause) {
      // the only input check left after the length is the §7.2 modulus check
      throw new ProtocolError(
        ErrorCode.INVALID_ENCODING,
        'mlkem768.publicKey: coefficients not reduced mod q (fips 203 §7.2)',
        { cause },
      )
    }
  },
  decapsulate(ct: Uint8Array, sk: Uint8Array) {
    if (!(ct instanceof Uint8Array) || ct.length !== MLKEM768_CIPHERTEXT_BYTES)
      throw new ProtocolError(
        ErrorCode.INVALID_ENCODING,
        `mlkem768.cipherText: expected ${MLKEM768_CIPHERTEXT_BYTES} bytes, got ${lengthOf(ct)}`,
      )
    return ml_kem768.decapsulate(ct, sk)
  },
})

function lengthOf(v: unknown): string {
  return v instanceof Uint8Array ? String(v.length) : typeof v
}

/**
 * Create the pure-JS provider (works unchanged in browsers and Node). Ed25519 verification runs
 * the rule's reference verifier (docs/protocol/ed25519.md §3), not noble's cofactored verify.
 * @example
 * const crypto = createNobleProvider()
 * crypto.ed25519.verify(sig, msg, crypto.ed25519.publicKey(seed))
 */
export function createNobleProvider(): CryptoProvider {
  const verify = createEd25519Verifier()
  const provider: CryptoProvider = {
    name: 'noble',
    randomBytes: (n: number) => randomBytes(n),
    sha256: (d: Uint8Array) => sha256(d),
    sha512: (d: Uint8Array) => sha512(d),
    hmacSha256: (k: Uint8Array, d: Uint8Array) => hmac(sha256, k, d),
    hmacSha512: (k: Uint8Array, d: Uint8Array) => hmac(sha512, k, d),
    hkdf: (h, ikm, salt, info, len) => hkdf(hashOf(h), ikm, salt, info, checkHkdfLength(h, len)),
    hkdfExtract: (h, ikm, salt) => extract(hashOf(h), ikm, salt),
    hkdfExpand: (h, prk, info, len) => expand(hashOf(h), prk, info, checkHkdfLength(h, len)),
    ed25519: Object.freeze({
      publicKey: (seed: Uint8Array) => ed25519.getPublicKey(seed),
      sign: (seed: Uint8Array, msg: Uint8Array) => ed25519.sign(msg, seed),
      verify: (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean => verify(sig, msg, pub),
    }),
    x25519: Object.freeze({
      publicKey: (secret: Uint8Array) => x25519.getPublicKey(secret),
      sharedSecret(secret: Uint8Array, peer: Uint8Array): Uint8Array | null {
        // our own secret of the wrong size is a bug (RangeError, as in the Node preset); the
        // peer's key is untrusted input, so anything wrong with it is just a refusal
        if (!(secret instanceof Uint8Array) || secret.length !== 32)
          throw new RangeError('x25519.secret: expected 32 bytes')
        try {
          return x25519.getSharedSecret(secret, peer)
        } catch {
          return null // noble throws on the all-zero result (low-order point)
        }
      },
    }),
    mlkem768: nobleMlKem768,
    chacha20poly1305: Object.freeze({
      seal: (k: Uint8Array, n: Uint8Array, pt: Uint8Array, aad?: Uint8Array) =>
        chacha20poly1305(k, n, aad).encrypt(pt),
      open(k: Uint8Array, n: Uint8Array, ct: Uint8Array, aad?: Uint8Array): Uint8Array | null {
        try {
          return chacha20poly1305(k, n, aad).decrypt(ct)
        } catch {
          return null
        }
      },
    }),
  }
  return Object.freeze(provider)
}
