/**
 * X25519 (RFC 7748) backends of the Node preset: libsodium (default) and OpenSSL. Both compute
 * the RFC 7748 function exactly (twist points and non-canonical u accepted) and refuse only the
 * all-zero output of a low-order peer point (§6.1) with null: docs/protocol/ed25519.md §6.
 * @module
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { BoundedKeyCache } from '@sdmp/core'
import type { X25519 } from '@sdmp/core'
import { asU8, SEED_CACHE_SIZE } from './node-ed25519.js'
import { sodium } from './sodium.js'

/** Which native library computes X25519. */
export type X25519Backend = 'openssl' | 'sodium'

// RFC 8410 PKCS#8 prefix for id-X25519 (1.3.101.110)
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

function assertSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32)
    throw new RangeError(
      `x25519.secret: expected 32 bytes, got ${secret instanceof Uint8Array ? secret.length : typeof secret}`,
    )
}

const isPeerKey = (peer: unknown): peer is Uint8Array =>
  peer instanceof Uint8Array && peer.length === 32

/**
 * X25519 through libsodium: one native call, no key objects (~15x faster than OpenSSL through
 * node:crypto here, whose key import derives the public key). libsodium itself refuses the
 * all-zero output (it throws; we return null).
 */
export function createSodiumX25519(): X25519 {
  return Object.freeze({
    publicKey(secret: Uint8Array): Uint8Array {
      assertSecret(secret)
      const out = new Uint8Array(32)
      sodium.crypto_scalarmult_base(out, secret)
      return out
    },
    sharedSecret(secret: Uint8Array, peerPublic: Uint8Array): Uint8Array | null {
      assertSecret(secret)
      if (!isPeerKey(peerPublic)) return null
      const out = new Uint8Array(32)
      try {
        sodium.crypto_scalarmult(out, secret, peerPublic)
      } catch {
        return null // status -1: the all-zero result of a low-order peer point
      }
      return out
    },
  })
}

/**
 * X25519 through OpenSSL (node:crypto). Importing a PKCS#8 private key costs a scalar
 * multiplication, so private key objects are cached per secret (by SHA-256, bounded); peer keys
 * are imported as JWK, which node:crypto does ~10x faster than DER.
 */
export function createOpensslX25519(options: { secretCacheSize?: number } = {}): X25519 {
  const secrets = new BoundedKeyCache<{ key: KeyObject; publicKey: Uint8Array }>(
    options.secretCacheSize ?? SEED_CACHE_SIZE,
  )
  function privateOf(secret: Uint8Array): { key: KeyObject; publicKey: Uint8Array } {
    assertSecret(secret)
    const id = createHash('sha256').update(secret).digest('base64')
    const hit = secrets.get(id)
    if (hit) return hit
    const key = createPrivateKey({
      key: Buffer.concat([X25519_PKCS8_PREFIX, secret]),
      format: 'der',
      type: 'pkcs8',
    })
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
    return secrets.set(id, { key, publicKey: Uint8Array.from(spki.subarray(12)) })
  }
  return Object.freeze({
    publicKey: (secret: Uint8Array) => privateOf(secret).publicKey.slice(),
    sharedSecret(secret: Uint8Array, peerPublic: Uint8Array): Uint8Array | null {
      const privateKey = privateOf(secret).key
      if (!isPeerKey(peerPublic)) return null
      let shared: Buffer
      try {
        const x = Buffer.from(peerPublic.buffer, peerPublic.byteOffset, 32).toString('base64url')
        const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' })
        shared = diffieHellman({ privateKey, publicKey })
      } catch {
        return null // OpenSSL refuses the all-zero result of a low-order peer point
      }
      // RFC 7748 §6.1: refuse the all-zero output ourselves too, whatever OpenSSL does
      let acc = 0
      for (const b of shared) acc |= b
      return acc === 0 ? null : asU8(shared)
    },
  })
}
