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
import { isValidEd25519Input } from './ed25519-rule.js'
import type { CryptoProvider } from './provider.js'

const hashOf = (h: 'sha256' | 'sha512') => (h === 'sha256' ? sha256 : sha512)

/** Create the pure-JS provider (works unchanged in browsers and Node). */
export function createNobleProvider(): CryptoProvider {
  const provider: CryptoProvider = {
    name: 'noble',
    randomBytes: (n: number) => randomBytes(n),
    sha256: (d: Uint8Array) => sha256(d),
    sha512: (d: Uint8Array) => sha512(d),
    hmacSha256: (k: Uint8Array, d: Uint8Array) => hmac(sha256, k, d),
    hmacSha512: (k: Uint8Array, d: Uint8Array) => hmac(sha512, k, d),
    hkdf: (h, ikm, salt, info, len) => hkdf(hashOf(h), ikm, salt, info, len),
    hkdfExtract: (h, ikm, salt) => extract(hashOf(h), ikm, salt),
    hkdfExpand: (h, prk, info, len) => expand(hashOf(h), prk, info, len),
    ed25519: Object.freeze({
      publicKey: (seed: Uint8Array) => ed25519.getPublicKey(seed),
      sign: (seed: Uint8Array, msg: Uint8Array) => ed25519.sign(msg, seed),
      verify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
        if (!isValidEd25519Input(sig, pub)) return false
        try {
          return ed25519.verify(sig, msg, pub, { zip215: false })
        } catch {
          return false
        }
      },
    }),
    x25519: Object.freeze({
      publicKey: (secret: Uint8Array) => x25519.getPublicKey(secret),
      sharedSecret(secret: Uint8Array, peer: Uint8Array): Uint8Array | null {
        try {
          return x25519.getSharedSecret(secret, peer)
        } catch {
          return null // noble throws on the all-zero result (low-order point)
        }
      },
    }),
    mlkem768: Object.freeze({
      keygen: (seed?: Uint8Array) => ml_kem768.keygen(seed),
      encapsulate: (pub: Uint8Array, m?: Uint8Array) => ml_kem768.encapsulate(pub, m),
      decapsulate: (ct: Uint8Array, sk: Uint8Array) => ml_kem768.decapsulate(ct, sk),
    }),
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
