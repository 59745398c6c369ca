/**
 * SEMP's per-recipient key wrap, byte for byte (docs/protocol/envelope.md §3): a KEM (X25519,
 * or ML-KEM-768 then X25519) feeds HKDF-SHA-512, whose output key seals the 32-byte content key
 * with ChaCha20-Poly1305 under a zero nonce. Also recipient key pairs and their validation.
 * @module
 */
import { concatBytes, utf8 } from '../bytes.js'
import { SUITE_HYBRID, TAG_WRAP } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { KEY_BYTES, MLKEM768, NONCE_BYTES, X25519_BYTES, suiteSizes } from './suites.js'
import type { Suite } from './suites.js'

/**
 * A source of random bytes. Production code uses `provider.randomBytes`; vectors and tests inject
 * a deterministic one so every ephemeral value is reproducible.
 */
export type RandomSource = (length: number) => Uint8Array

/** A recipient's public key for one suite (a prekey record satisfies this shape). */
export interface RecipientKey {
  /** Hybrid: mlkem_ek(1184) || x25519_pub(32) = 1216 bytes; baseline: x25519_pub (32 bytes). */
  readonly publicKey: Uint8Array
}

/** What a recipient needs to open envelopes sealed to one of its keys. Keep it secret. */
export interface RecipientSecret {
  readonly suite: Suite
  /** The matching public key: it is the AEAD associated data and part of the HKDF salt. */
  readonly publicKey: Uint8Array
  /** Hybrid: mlkem_dk(2400) || x25519_sk(32); baseline: x25519_sk (32 bytes). */
  readonly secretKey: Uint8Array
}

/** A recipient key pair. */
export interface RecipientKeyPair {
  readonly publicKey: Uint8Array
  readonly secret: RecipientSecret
}

const WRAP_INFO = utf8(TAG_WRAP)
// envelope.md §3.2: the wrap key is single-use (the salt holds a fresh KEM ciphertext), so the
// all-zero nonce is safe; it is SEMP's choice and keeping it keeps the SEMP vectors valid.
const ZERO_NONCE = new Uint8Array(NONCE_BYTES)
const ML_KEM_Q = 3329

/**
 * Derive a recipient key pair from a seed, or from fresh randomness when `seed` is omitted.
 * Hybrid seed: ML-KEM-768 d || z (64 bytes, FIPS 203 KeyGen_internal) || X25519 secret (32).
 * @example
 * const pair = generateRecipientKeyPair(provider) // hybrid, random
 * @throws Error (a bug) when the seed has the wrong length
 */
export function generateRecipientKeyPair(
  provider: CryptoProvider,
  options: { suite?: Suite; seed?: Uint8Array } = {},
): RecipientKeyPair {
  const suite = options.suite ?? SUITE_HYBRID
  const sizes = suiteSizes(suite)
  const seed = options.seed ?? provider.randomBytes(sizes.seed)
  if (seed.length !== sizes.seed) {
    throw new RangeError(`seed: expected ${sizes.seed} bytes, got ${seed.length}`)
  }
  if (suite !== SUITE_HYBRID) {
    const sk = seed.slice()
    const publicKey = provider.x25519.publicKey(sk)
    return Object.freeze({
      publicKey,
      secret: Object.freeze({ suite, publicKey, secretKey: sk }),
    })
  }
  const kem = provider.mlkem768.keygen(seed.subarray(0, 64))
  const xsk = seed.slice(64)
  const publicKey = concatBytes(kem.publicKey, provider.x25519.publicKey(xsk))
  const secretKey = concatBytes(kem.secretKey, xsk)
  return Object.freeze({ publicKey, secret: Object.freeze({ suite, publicKey, secretKey }) })
}

/**
 * FIPS 203 §7.2 encapsulation-key check: every 12-bit coefficient of the 1152-byte t-hat
 * encoding must be below q = 3329. Done here so every provider rejects the same keys.
 */
export function isValidMlKemPublicKey(ek: Uint8Array): boolean {
  if (ek.length !== MLKEM768.publicKey) return false
  for (let i = 0; i < 1152; i += 3) {
    const b0 = ek[i]!
    const b1 = ek[i + 1]!
    const b2 = ek[i + 2]!
    if ((b0 | ((b1 & 0x0f) << 8)) >= ML_KEM_Q || ((b1 >> 4) | (b2 << 4)) >= ML_KEM_Q) return false
  }
  return true
}

/**
 * Check a recipient public key for `suite`: exact length, a valid ML-KEM-768 key (hybrid).
 * X25519 low-order keys are caught when the wrap computes an all-zero shared secret.
 * @throws BAD_REQUEST naming `label`
 */
export function assertRecipientPublicKey(suite: Suite, key: unknown, label: string): Uint8Array {
  const want = suiteSizes(suite).publicKey
  if (!(key instanceof Uint8Array)) {
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `${label}: expected Uint8Array`)
  }
  if (key.length !== want) {
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `${label}: expected ${want} bytes, got ${key.length}`,
    )
  }
  if (suite === SUITE_HYBRID && !isValidMlKemPublicKey(key.subarray(0, MLKEM768.publicKey))) {
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `${label}: invalid ML-KEM-768 key`)
  }
  return key
}

/**
 * Wrap `contentKey` for one recipient (envelope.md §3.1). Random draws, in order: hybrid takes
 * the 32-byte ML-KEM encapsulation message, then the 32-byte ephemeral X25519 secret; baseline
 * takes only the ephemeral secret. The recipient key must already pass
 * {@link assertRecipientPublicKey}.
 * @returns kem_ct || aead_ct (80 bytes baseline, 1168 bytes hybrid)
 * @throws BAD_REQUEST when the X25519 part of the key is a low-order point
 */
export function wrapKey(
  provider: CryptoProvider,
  suite: Suite,
  recipientPublic: Uint8Array,
  contentKey: Uint8Array,
  random: RandomSource,
  label = 'recipient',
): Uint8Array {
  return wrapKeyDetailed(provider, suite, recipientPublic, contentKey, random, label).entry
}

/** What a wrap computed: the entry, and what starts a session (docs/protocol/sessions.md §2). */
export interface WrapDetails {
  readonly entry: Uint8Array
  /** HKDF-Extract-SHA512(salt = kem_ct || pub, ikm = shared): the wrap key's PRK. Secret. */
  readonly prk: Uint8Array
  /** The ephemeral X25519 key pair of the wrap. Secret. */
  readonly eph: { readonly secret: Uint8Array; readonly public: Uint8Array }
}

/** {@link wrapKey}, also returning the PRK and the ephemeral pair (sessions.md §2). */
export function wrapKeyDetailed(
  provider: CryptoProvider,
  suite: Suite,
  recipientPublic: Uint8Array,
  contentKey: Uint8Array,
  random: RandomSource,
  label = 'recipient',
): WrapDetails {
  if (contentKey.length !== KEY_BYTES) throw new RangeError('content key: expected 32 bytes')
  let kemCt: Uint8Array
  let shared: Uint8Array | null
  let eph: Uint8Array
  if (suite === SUITE_HYBRID) {
    // SEMP order: ML-KEM first, then X25519, in the key, the ciphertext and the shared secret.
    const ek = recipientPublic.subarray(0, MLKEM768.publicKey)
    const xpub = recipientPublic.subarray(MLKEM768.publicKey)
    const kem = provider.mlkem768.encapsulate(ek, random(32))
    eph = random(X25519_BYTES)
    const xss = provider.x25519.sharedSecret(eph, xpub)
    kemCt = concatBytes(kem.cipherText, provider.x25519.publicKey(eph))
    shared = xss && concatBytes(kem.sharedSecret, xss)
  } else {
    eph = random(X25519_BYTES)
    kemCt = provider.x25519.publicKey(eph)
    shared = provider.x25519.sharedSecret(eph, recipientPublic)
  }
  if (!shared) throw new ProtocolError(ErrorCode.BAD_REQUEST, `${label}: low-order X25519 key`)
  const prk = provider.hkdfExtract('sha512', shared, concatBytes(kemCt, recipientPublic))
  const wrapKeyBytes = provider.hkdfExpand('sha512', prk, WRAP_INFO, KEY_BYTES)
  const sealed = provider.chacha20poly1305.seal(
    wrapKeyBytes,
    ZERO_NONCE,
    contentKey,
    recipientPublic,
  )
  const ephPublic = kemCt.subarray(kemCt.length - X25519_BYTES).slice()
  return { entry: concatBytes(kemCt, sealed), prk, eph: { secret: eph, public: ephPublic } }
}

/**
 * Try to unwrap one entry with one secret (envelope.md §3.3, §6 step 3). Returns the 32-byte content
 * key, or null on any failure; never throws, so the caller's failure path is uniform.
 */
export function unwrapKey(
  provider: CryptoProvider,
  secret: RecipientSecret,
  wrapped: Uint8Array,
): Uint8Array | null {
  return unwrapKeyDetailed(provider, secret, wrapped)?.key ?? null
}

/** {@link unwrapKey}, also returning the PRK and the ephemeral public key (sessions.md §2). */
export function unwrapKeyDetailed(
  provider: CryptoProvider,
  secret: RecipientSecret,
  wrapped: Uint8Array,
): { key: Uint8Array; prk: Uint8Array; ephPublic: Uint8Array } | null {
  const sizes = suiteSizes(secret.suite)
  if (wrapped.length !== sizes.wrap || secret.secretKey.length !== sizes.secretKey) return null
  if (secret.publicKey.length !== sizes.publicKey) return null
  const kemCt = wrapped.subarray(0, sizes.kemCiphertext)
  const aeadCt = wrapped.subarray(sizes.kemCiphertext)
  try {
    let shared: Uint8Array | null
    if (secret.suite === SUITE_HYBRID) {
      const dk = secret.secretKey.subarray(0, MLKEM768.secretKey)
      const xsk = secret.secretKey.subarray(MLKEM768.secretKey)
      // ML-KEM decapsulation never fails: with a wrong key it yields a pseudo-random secret
      // (implicit rejection), so the AEAD below is the one place a wrong entry is detected.
      const mlss = provider.mlkem768.decapsulate(kemCt.subarray(0, MLKEM768.cipherText), dk)
      const xss = provider.x25519.sharedSecret(xsk, kemCt.subarray(MLKEM768.cipherText))
      shared = xss && concatBytes(mlss, xss)
    } else {
      shared = provider.x25519.sharedSecret(secret.secretKey, kemCt)
    }
    if (!shared) return null
    const prk = provider.hkdfExtract('sha512', shared, concatBytes(kemCt, secret.publicKey))
    const key = provider.hkdfExpand('sha512', prk, WRAP_INFO, KEY_BYTES)
    const k = provider.chacha20poly1305.open(key, ZERO_NONCE, aeadCt, secret.publicKey)
    if (!k || k.length !== KEY_BYTES) return null
    return { key: k, prk, ephPublic: kemCt.slice(kemCt.length - X25519_BYTES) }
  } catch {
    return null
  }
}

/**
 * wrap_key = HKDF-Expand(HKDF-Extract-SHA512(salt = kem_ct || recipient_pub, ikm = shared),
 * "SEMP-v1-wrap", 32). Binding the recipient key into the salt ties each wrap to one key.
 */
export function deriveWrapKey(
  provider: CryptoProvider,
  shared: Uint8Array,
  kemCt: Uint8Array,
  recipientPublic: Uint8Array,
): Uint8Array {
  const prk = provider.hkdfExtract('sha512', shared, concatBytes(kemCt, recipientPublic))
  return provider.hkdfExpand('sha512', prk, WRAP_INFO, KEY_BYTES)
}
