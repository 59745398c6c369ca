/**
 * The Node preset of the crypto provider: native code on the hot path. Hashes, HMAC, HKDF,
 * X25519 and ChaCha20-Poly1305 through node:crypto (OpenSSL); Ed25519 through OpenSSL or
 * libsodium under the one validity rule (docs/protocol/ed25519.md); ML-KEM-768 through
 * @noble/post-quantum (no native ML-KEM in Node 20). Passes the same conformance suite as the
 * noble preset (packages/crypto-node/test).
 * @module
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto'
import * as crypto from 'node:crypto'
import { nobleMlKem768 } from '@sdmp/core'
import type { Aead, CryptoProvider } from '@sdmp/core'
import { createOpensslChaCha20Poly1305, createSodiumChaCha20Poly1305 } from './node-aead.js'
import type { AeadBackend } from './node-aead.js'
import { decodeBase64urlText } from './node-base64.js'
import { RandomPool } from './node-random.js'
import { asU8, createOpensslEd25519, createSodiumEd25519 } from './node-ed25519.js'
import type { Ed25519Backend, NativeEd25519Options } from './node-ed25519.js'
import { createOpensslX25519, createSodiumX25519 } from './node-x25519.js'
import type { X25519Backend } from './node-x25519.js'

/** Options of {@link createNodeProvider}. */
export interface NodeProviderOptions extends NativeEd25519Options {
  /**
   * The native Ed25519 library. Default 'sodium': it measured ~1.7x faster than OpenSSL at
   * verification here (bench/crypto.bench.ts). Both give identical answers under the rule.
   */
  ed25519Backend?: Ed25519Backend
  /**
   * The native X25519 library. Default 'sodium': ~15x faster than OpenSSL through node:crypto,
   * whose key import costs a scalar multiplication (bench/crypto.bench.ts).
   */
  x25519Backend?: X25519Backend
  /**
   * The ChaCha20-Poly1305 library. Default 'sodium': one call per seal or open instead of a
   * node:crypto cipher object, ~1 us against ~5-7 us for a message's small AEAD calls
   * (node-aead.ts).
   */
  aeadBackend?: AeadBackend
}

const HASH_LENGTH = { sha256: 32, sha512: 64 } as const

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'latin1') => string
const nativeHash = (crypto as unknown as { hash?: OneShotHash }).hash
/**
 * `crypto.hash` where it exists (Node >= 20.12), else a Hash object. The digest comes back as a
 * latin1 string copied into a fresh small Uint8Array: a digest that small lives on the JS heap,
 * while a Buffer result costs an off-heap allocation that took longer than hashing a 700-byte
 * resource payload (bench/resource.bench.ts).
 */
function oneShot(algorithm: 'sha256' | 'sha512', data: Uint8Array): Uint8Array {
  if (!nativeHash) return asU8(createHash(algorithm).update(data).digest())
  return latin1Bytes(nativeHash(algorithm, data, 'latin1'))
}

/** The bytes of a digest given as a latin1 string, in a Uint8Array on the JS heap (see oneShot). */
function latin1Bytes(digest: string): Uint8Array {
  const out = new Uint8Array(digest.length)
  for (let i = 0; i < digest.length; i++) out[i] = digest.charCodeAt(i)
  return out
}

/**
 * HMAC as a small heap array, like {@link oneShot} ('binary' is latin1): the ratchet's chain
 * steps take two per message (sessions.md §3), ~0.3 us each less than a Buffer digest here
 * (docs/load.md §5 "Fifteenth pass").
 */
const hmacOf = (algorithm: 'sha256' | 'sha512', key: Uint8Array, data: Uint8Array) =>
  latin1Bytes(createHmac(algorithm, key).update(data).digest('binary'))

// node:crypto's hkdfSync refuses info longer than this; longer info takes the two-step path
const HKDF_SYNC_MAX_INFO = 1024

/** HKDF-Extract (RFC 5869 §2.2): HMAC(salt, ikm); an empty salt acts as HashLen zero bytes. */
function hkdfExtract(hash: 'sha256' | 'sha512', ikm: Uint8Array, salt: Uint8Array): Uint8Array {
  return asU8(createHmac(hash, salt).update(ikm).digest())
}

/** HKDF-Expand (RFC 5869 §2.3). @throws RangeError when length > 255 * HashLen */
function hkdfExpand(
  hash: 'sha256' | 'sha512',
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const hashLen = HASH_LENGTH[hash]
  if (!Number.isSafeInteger(length) || length < 0 || length > 255 * hashLen)
    throw new RangeError(`hkdf.length: expected 0..${255 * hashLen}, got ${length}`)
  const out = new Uint8Array(length)
  let t: Uint8Array = new Uint8Array(0)
  for (let i = 1, pos = 0; pos < length; i++) {
    t = createHmac(hash, prk).update(t).update(info).update(Uint8Array.of(i)).digest()
    out.set(t.subarray(0, Math.min(hashLen, length - pos)), pos)
    pos += hashLen
  }
  return out
}

/**
 * Create the native provider. Create one per process and share it: its Ed25519 key caches are
 * what make repeated verification under the same keys cheap.
 * @throws RangeError for an unknown `ed25519Backend`, `x25519Backend` or `aeadBackend`
 * @example
 * const crypto = createNodeProvider()
 * crypto.ed25519.verify(sig, msg, pub)
 */
export function createNodeProvider(options: NodeProviderOptions = {}): CryptoProvider {
  const backend = options.ed25519Backend ?? 'sodium'
  const cacheOptions: NativeEd25519Options = {}
  if (options.keyCacheSize !== undefined) cacheOptions.keyCacheSize = options.keyCacheSize
  if (options.seedCacheSize !== undefined) cacheOptions.seedCacheSize = options.seedCacheSize
  let ed25519
  if (backend === 'openssl') ed25519 = createOpensslEd25519(cacheOptions)
  else if (backend === 'sodium') ed25519 = createSodiumEd25519(cacheOptions)
  else
    throw new RangeError(`ed25519Backend: expected 'openssl' or 'sodium', got ${String(backend)}`)
  const xBackend = options.x25519Backend ?? 'sodium'
  let x25519
  if (xBackend === 'openssl') x25519 = createOpensslX25519()
  else if (xBackend === 'sodium') x25519 = createSodiumX25519()
  else
    throw new RangeError(`x25519Backend: expected 'openssl' or 'sodium', got ${String(xBackend)}`)
  const aeadBackend = options.aeadBackend ?? 'sodium'
  let aead
  if (aeadBackend === 'openssl') aead = createOpensslChaCha20Poly1305()
  else if (aeadBackend === 'sodium') aead = createSodiumChaCha20Poly1305()
  else
    throw new RangeError(`aeadBackend: expected 'openssl' or 'sodium', got ${String(aeadBackend)}`)
  const random = new RandomPool()
  const provider: CryptoProvider = {
    name:
      `node-${backend}` +
      (xBackend === backend ? '' : `+x25519-${xBackend}`) +
      (aeadBackend === backend ? '' : `+aead-${aeadBackend}`),
    randomBytes: (length: number) => random.take(length),
    // One-shot crypto.hash (Node >= 20.12) skips the Hash object: measurably cheaper for the
    // small inputs of identifiers and journal lines.
    sha256: (data: Uint8Array) => oneShot('sha256', data),
    sha512: (data: Uint8Array) => oneShot('sha512', data),
    hmacSha256: (key: Uint8Array, data: Uint8Array) => hmacOf('sha256', key, data),
    hmacSha512: (key: Uint8Array, data: Uint8Array) => hmacOf('sha512', key, data),
    hkdf(hash, ikm, salt, info, length) {
      if (info.length > HKDF_SYNC_MAX_INFO)
        return hkdfExpand(hash, hkdfExtract(hash, ikm, salt), info, length)
      if (!Number.isSafeInteger(length) || length < 0 || length > 255 * HASH_LENGTH[hash])
        throw new RangeError(`hkdf.length: expected 0..${255 * HASH_LENGTH[hash]}, got ${length}`)
      return new Uint8Array(hkdfSync(hash, ikm, salt, info, length))
    },
    hkdfExtract,
    hkdfExpand,
    // Native strict base64url + UTF-8: a few times the pure decoders on resource payloads
    decodeBase64urlText,
    ed25519,
    x25519,
    mlkem768: nobleMlKem768,
    chacha20poly1305: aead,
  }
  return Object.freeze(provider)
}
