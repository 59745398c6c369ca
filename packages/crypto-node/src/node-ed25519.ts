/**
 * Native Ed25519 backends of the Node preset: OpenSSL (node:crypto) and libsodium
 * (sodium-native). Both apply the one validity rule (docs/protocol/ed25519.md §3): the byte
 * checks of core's rule module, a cached per-key check, then the backend's cofactorless verify.
 * @module
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import {
  BoundedKeyCache,
  ED25519_KEY_CACHE_SIZE,
  ed25519CacheKey,
  isValidEd25519SignatureEncoding,
} from '@sdmp/core'
import type { Ed25519 } from '@sdmp/core'
import { sodium } from './sodium.js'

/** Which native library signs and verifies. */
export type Ed25519Backend = 'openssl' | 'sodium'

/** Cache sizes of one backend instance. */
export interface NativeEd25519Options {
  /** Public keys whose rule check (and OpenSSL key object) is kept; default 4096. */
  keyCacheSize?: number
  /** Signing seeds whose derived key is kept; default 64 (a node signs with a few keys). */
  seedCacheSize?: number
}

/** Default number of signing keys a backend keeps derived. */
export const SEED_CACHE_SIZE = 64

// DER prefix of an RFC 8410 PKCS#8 key for id-Ed25519 (1.3.101.112)
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** A Uint8Array view of a Buffer (no copy), so callers never see Buffer-only behaviour. */
export function asU8(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

function assertSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new RangeError(
      `ed25519.seed: expected 32 bytes, got ${seed instanceof Uint8Array ? seed.length : typeof seed}`,
    )
}

// Seeds are looked up by their SHA-256, so no raw secret ever becomes a JS string (heap dumps).
function seedId(seed: Uint8Array): string {
  return createHash('sha256').update(seed).digest('base64')
}

/**
 * The signer of the last seed, kept beside the bounded cache: a node signs with one key over and
 * over, and finding it in the cache costs a SHA-256 of the seed per signature (~1.4% of a sending
 * daemon's busy time; docs/load.md §5 "Eleventh pass"). Seeds are secret: compared in constant
 * time.
 */
function lastSeed<T>(find: (seed: Uint8Array) => T): (seed: Uint8Array) => T {
  let last: Uint8Array | undefined
  let value: T | undefined
  return (seed) => {
    if (last !== undefined && seed.length === last.length && timingSafeEqual(seed, last))
      return value as T
    const found = find(seed)
    last = seed.slice()
    value = found
    return found
  }
}

/**
 * The per-key half of the rule (ed25519.md §2 step 3): canonical, on the curve, not small order,
 * torsion-free. libsodium's check is exactly that and ~20x faster than the pure-TS
 * `isValidEd25519PublicKey`; the conformance suite asserts both agree on every vector key.
 */
function isAcceptableKey(publicKey: Uint8Array): boolean {
  return sodium.crypto_core_ed25519_is_valid_point(publicKey)
}

/** Byte equality of two 32-byte public keys (public data: no constant-time need). */
function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false
  return true
}

function preChecks(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    message instanceof Uint8Array &&
    publicKey instanceof Uint8Array &&
    publicKey.length === 32 &&
    isValidEd25519SignatureEncoding(signature)
  )
}

/**
 * Ed25519 through OpenSSL. OpenSSL compares encode([S]B - [k]A) with R (cofactorless) but
 * accepts small-order and torsioned keys and R = identity: the rule's checks close that gap.
 * Key objects are cached per public key and per seed because creating one costs about as much
 * as a verification.
 */
export function createOpensslEd25519(options: NativeEd25519Options = {}): Ed25519 {
  const keys = new BoundedKeyCache<KeyObject | null>(options.keyCacheSize ?? ED25519_KEY_CACHE_SIZE)
  const seeds = new BoundedKeyCache<{ key: KeyObject; publicKey: Uint8Array }>(
    options.seedCacheSize ?? SEED_CACHE_SIZE,
  )
  function signerOf(seed: Uint8Array): { key: KeyObject; publicKey: Uint8Array } {
    assertSeed(seed)
    const id = seedId(seed)
    const hit = seeds.get(id)
    if (hit) return hit
    const key = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    })
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
    return seeds.set(id, { key, publicKey: Uint8Array.from(spki.subarray(12)) })
  }
  const signer = lastSeed(signerOf)
  return Object.freeze({
    publicKey: (seed: Uint8Array) => signer(seed).publicKey.slice(),
    sign: (seed: Uint8Array, message: Uint8Array) => asU8(sign(null, message, signer(seed).key)),
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
      if (!preChecks(signature, message, publicKey)) return false
      const id = ed25519CacheKey(publicKey)
      let key = keys.get(id)
      if (key === undefined) {
        const ok = isAcceptableKey(publicKey)
        // JWK import is ~15x faster than DER here; the point was already checked above
        const x = ok
          ? Buffer.from(publicKey.buffer, publicKey.byteOffset, 32).toString('base64url')
          : ''
        key = keys.set(
          id,
          ok ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }) : null,
        )
      }
      if (key === null) return false
      try {
        return verify(null, message, key, signature)
      } catch {
        return false
      }
    },
  })
}

/**
 * Ed25519 through libsodium. Its verify already rejects non-canonical and small-order A and R
 * and S >= L and is cofactorless; the rule adds the torsion-free check on A (cached per key).
 */
export function createSodiumEd25519(options: NativeEd25519Options = {}): Ed25519 {
  const keys = new BoundedKeyCache<boolean>(options.keyCacheSize ?? ED25519_KEY_CACHE_SIZE)
  const seeds = new BoundedKeyCache<{ secretKey: Uint8Array; publicKey: Uint8Array }>(
    options.seedCacheSize ?? SEED_CACHE_SIZE,
  )
  /** A private copy of the last public key that passed the per-key check. */
  let lastKey: Uint8Array | undefined
  function signerOf(seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
    assertSeed(seed)
    const id = seedId(seed)
    const hit = seeds.get(id)
    if (hit) return hit
    const publicKey = new Uint8Array(32)
    const secretKey = new Uint8Array(64)
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
    return seeds.set(id, { secretKey, publicKey })
  }
  const signer = lastSeed(signerOf)
  return Object.freeze({
    publicKey: (seed: Uint8Array) => signer(seed).publicKey.slice(),
    sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
      const out = new Uint8Array(64)
      sodium.crypto_sign_detached(out, message, signer(seed).secretKey)
      return out
    },
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
      if (!preChecks(signature, message, publicKey)) return false
      // A burst of resources from one signer skips building the cache key (public data: a
      // plain comparison is fine).
      if (lastKey === undefined || !sameKey(lastKey, publicKey)) {
        const id = ed25519CacheKey(publicKey)
        let ok = keys.get(id)
        if (ok === undefined) ok = keys.set(id, isAcceptableKey(publicKey))
        if (!ok) return false
        lastKey = publicKey.slice()
      }
      return sodium.crypto_sign_verify_detached(signature, message, publicKey)
    },
  })
}
