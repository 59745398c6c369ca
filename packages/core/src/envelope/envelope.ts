/**
 * Seal and open encrypted resources (docs/protocol/envelope.md §5-§6): sign-then-encrypt, a
 * fresh content key per envelope wrapped for every recipient key, length-hiding padding,
 * recipient-count padding with dummy wraps, and one uniform failure for every way opening fails.
 * @module
 */
import { base64urlLength, concatBytes, toHex, utf8 } from '../bytes.js'
import {
  LIMITS,
  SUITE_HYBRID,
  TAG_ENCLOSURE,
  TAG_ENCLOSURE_V2,
  TAG_ENCLOSURE_V3,
} from '../domain.js'
import { decodeCompactResource, encodeCompactResource } from '../resource/compact.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { decodeEnvelopeBytes, encodeEncryptedData } from './encrypted-data.js'
import type { EncryptedData, EnvelopeBytes } from './encrypted-data.js'
import {
  LENGTH_PREFIX_BYTES,
  padPlaintext,
  recipientBucket,
  sizeBucketOf,
  unpadPlaintext,
} from './padding.js'
import type { EnvelopeVersion } from './padding.js'
import { KEY_BYTES, NONCE_BYTES, SESSION_ENTRY_BYTES, TAG_BYTES, suiteSizes } from './suites.js'
import type { Suite } from './suites.js'
import {
  assertRecipientPublicKey,
  generateRecipientKeyPair,
  unwrapKeyDetailed,
  wrapKey,
  wrapKeyDetailed,
} from './wrap.js'
import type { RandomSource, RecipientKey, RecipientSecret, WrapDetails } from './wrap.js'

/** Options of {@link sealEnvelope}. */
export interface SealOptions {
  /** Key-wrap suite; default `pq-kyber768-x25519` (DESIGN: both X25519 and ML-KEM must break). */
  readonly suite?: Suite
  /**
   * Envelope profile (envelope.md §4.1): 2 (default: Padmé padding from 256 bytes, AAD tag
   * `sdmp/enclosure/v2`), 1 (the 4096-byte floor, for the v1 vectors and old readers) or 3
   * (as 2, and the inner resource travels in the compact form: docs/protocol/compact.md §5;
   * `inner` must then be a resource's canonical JSON bytes).
   */
  readonly version?: EnvelopeVersion
  /**
   * Replaces `provider.randomBytes` for every random draw (content key, KEM randomness, dummy
   * wraps, shuffle, nonce). For test vectors only: a predictable source destroys secrecy.
   */
  readonly random?: RandomSource
}

const DECRYPT_FAILED_MESSAGE = 'decryption failed'
const decryptFailed = (): never => {
  // HOUSE-STYLE error rule 4: one code, one message, whatever went wrong (no padding/MAC oracle).
  throw new ProtocolError(ErrorCode.DECRYPT_FAILED, DECRYPT_FAILED_MESSAGE)
}

/**
 * Seal the author's already-signed inner resource bytes for every recipient key.
 * Recipients are de-duplicated, padded with dummy wraps to the recipient bucket and shuffled.
 * @param inner opaque bytes (the signed inner resource: sign-then-encrypt, envelope.md §1)
 * @param recipients public keys of the suite, normally the newest prekey of each recipient node
 * @example
 * const encrypted = sealEnvelope(provider, signedInner, selectPrekeys(records, Date.now()))
 * @throws BAD_REQUEST (no recipients, wrong key length, invalid key), LIMIT_EXCEEDED (too many
 * recipients, or the result would exceed the resource size limit)
 */
export function sealEnvelope(
  provider: CryptoProvider,
  inner: Uint8Array,
  recipients: readonly RecipientKey[],
  options: SealOptions = {},
): EncryptedData {
  if (!(inner instanceof Uint8Array)) throw new TypeError('inner: expected Uint8Array')
  const suite = options.suite ?? SUITE_HYBRID
  const version = options.version ?? 2
  if (version !== 1 && version !== 2 && version !== 3)
    throw new RangeError('version: expected 1, 2 or 3')
  if (version === 3) inner = encodeCompactResource(provider, inner)
  const sizes = suiteSizes(suite)
  const random = options.random ?? ((n: number) => provider.randomBytes(n))
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'recipients: expected at least 1 key')
  }
  const keys = uniqueKeys(suite, recipients)
  const count = recipientBucket(keys.length)
  const total =
    base64urlLength(NONCE_BYTES) +
    base64urlLength(sizeBucketOf(version, LENGTH_PREFIX_BYTES + inner.length) + TAG_BYTES) +
    count * base64urlLength(sizes.wrap)
  if (total > LIMITS.maxResourceBytes) {
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `encrypted: ${total} characters exceeds ${LIMITS.maxResourceBytes}`,
    )
  }

  return sealPadded(provider, padPlaintext(inner, version), keys, suite, random, version)
}

/**
 * What a session-carrying seal adds (docs/protocol/sessions.md §8): the session entries made
 * from the content key, and the details of each real wrap (which start sessions).
 */
export interface SealExtras {
  /** Called once with `K` after the wraps; returns the real session entries (116 bytes each). */
  readonly sessions: (contentKey: Uint8Array) => Uint8Array[]
  /** Receives the details of the wrap of `keys[i]` (its PRK and ephemeral pair). */
  readonly wrapped?: (i: number, details: WrapDetails) => void
}

/**
 * The sealing steps after padding (envelope.md §5): content key, wraps, dummies, shuffle, AEAD.
 * Not exported from the package: vectors use it to build envelopes with malformed padding.
 * `keys` must already be validated and de-duplicated. With `extras` (profile 2 only) the
 * envelope also gets a `sessions` member (sessions.md §8), and `keys` may be empty: then
 * `recipients` is empty too. Draw order after the wraps' shuffle: each real session entry's
 * draws, the session dummies (116 each), the session shuffle, then the nonce.
 */
export function sealPadded(
  provider: CryptoProvider,
  padded: Uint8Array,
  keys: readonly Uint8Array[],
  suite: Suite,
  random: RandomSource,
  version: EnvelopeVersion = 1,
  extras?: SealExtras,
): EncryptedData {
  const sizes = suiteSizes(suite)
  const count = keys.length === 0 && extras ? 0 : recipientBucket(keys.length)
  const contentKey = random(KEY_BYTES).slice() // a copy: it is zeroed below
  const wraps = keys.map((k, i) => {
    const d = wrapKeyDetailed(provider, suite, k, contentKey, random, `recipients[${i}]`)
    extras?.wrapped?.(i, d)
    return d.entry
  })
  if (count > wraps.length) {
    // envelope.md §4.2: dummies are genuine wraps of random keys to a throwaway key pair, so they
    // have exactly the distribution of real wraps (random bytes would not: an X25519 point has
    // its top bit clear and ML-KEM ciphertext coefficients are not uniform bytes).
    const throwaway = generateRecipientKeyPair(provider, { suite, seed: random(sizes.seed) })
    while (wraps.length < count) {
      wraps.push(wrapKey(provider, suite, throwaway.publicKey, random(KEY_BYTES), random))
    }
  }
  shuffle(wraps, random)
  let sessions: Uint8Array[] | undefined
  if (extras) {
    if (version === 1) throw new RangeError('sessions: profile 2 or 3 only')
    sessions = extras.sessions(contentKey)
    if (sessions.length === 0 && wraps.length === 0) throw new RangeError('no entry at all')
    // sessions.md §8: entries look uniformly random, so dummies are random bytes.
    const bucket = recipientBucket(Math.max(1, sessions.length))
    while (sessions.length < bucket) sessions.push(random(SESSION_ENTRY_BYTES).slice())
    shuffle(sessions, random)
  }
  const nonce = random(NONCE_BYTES)
  const ciphertext = provider.chacha20poly1305.seal(
    contentKey,
    nonce,
    padded,
    enclosureAad(provider, suite, wraps, version, sessions),
  )
  contentKey.fill(0)
  return encodeEncryptedData({
    version,
    suite,
    nonce,
    ciphertext,
    recipients: wraps,
    ...(sessions && { sessions }),
  })
}

/**
 * Open an envelope with any one of the caller's recipient secrets (trial decryption: no entry
 * says whom it is for) and return the inner resource bytes. The caller then verifies the inner
 * resource's signatures; this layer only guarantees the bytes are what some holder of the
 * content key sealed. Session entries (sessions.md §8) are not tried here: see openSessionEnvelope.
 * @example
 * const inner = openEnvelope(provider, resource.encrypted, myPrekeySecrets)
 * @throws SCHEMA_VIOLATION, INVALID_ENCODING, LIMIT_EXCEEDED for a malformed shape (public
 * information); DECRYPT_FAILED with the message 'decryption failed' for every other failure
 */
export function openEnvelope(
  provider: CryptoProvider,
  data: EncryptedData | unknown,
  keys: readonly RecipientSecret[],
): Uint8Array {
  return openWithCandidates(provider, data, (env) => wrapCandidates(provider, env, keys)).inner
}

/** A content key found by trial, with what the caller keeps if it opens the content. */
export interface Candidate<T> {
  readonly key: Uint8Array
  readonly tag: T
}

/**
 * Every content key the prekey secrets unwrap from the envelope's wraps (envelope.md §6 step 3).
 * Trade-off (§6): every entry is tried with every key of the suite, even after a match, so the
 * time taken does not say whether or where our entry sits. This costs one ML-KEM-768
 * decapsulation per entry per key (about 1 ms in pure JS). The worst case is unchanged (a
 * non-recipient must try everything anyway); a recipient pays on average twice what an early
 * exit would. The decoder bounds the entries, and a node passes only its few live secrets.
 */
export function wrapCandidates(
  provider: CryptoProvider,
  env: EnvelopeBytes,
  keys: readonly RecipientSecret[],
): Candidate<{ secret: RecipientSecret; prk: Uint8Array; ephPublic: Uint8Array }>[] {
  const out: Candidate<{ secret: RecipientSecret; prk: Uint8Array; ephPublic: Uint8Array }>[] = []
  for (const secret of keys) {
    if (secret.suite !== env.suite) continue
    for (const wrapped of env.recipients) {
      const d = unwrapKeyDetailed(provider, secret, wrapped)
      if (d) out.push({ key: d.key, tag: { secret, prk: d.prk, ephPublic: d.ephPublic } })
    }
  }
  return out
}

/**
 * Decode, find candidate content keys with `find`, and open the content with the first that
 * authenticates and unpads (envelope.md §6 steps 4-5). Returns the inner bytes and the tag of
 * the candidate that opened. Every failure after decoding is the uniform DECRYPT_FAILED.
 * @throws SCHEMA_VIOLATION, INVALID_ENCODING, LIMIT_EXCEEDED (shape), DECRYPT_FAILED
 */
export function openWithCandidates<T>(
  provider: CryptoProvider,
  data: EncryptedData | unknown,
  find: (env: EnvelopeBytes) => Iterable<Candidate<T>>,
): { inner: Uint8Array; tag: T } {
  const env = decodeEnvelopeBytes(data)
  const aad = enclosureAad(provider, env.suite, env.recipients, env.version, env.sessions)
  // Normally one candidate. Several appear only if the sender wrapped to the same key twice
  // (possibly with different content keys); the first that authenticates the content wins.
  // `find` may produce them lazily: once one wins, the rest are never worked out.
  let tried = 0
  for (const c of find(env)) {
    tried++
    const padded = provider.chacha20poly1305.open(c.key, env.nonce, env.ciphertext, aad)
    if (!padded) continue
    const inner = unpadPlaintext(padded, env.version)
    // Profile 3 (compact.md §5): the authenticated plaintext is the compact form of the inner
    // resource; a sender that sealed malformed bytes gets their code, as for a bad inner.
    if (inner)
      return {
        inner: env.version === 3 ? decodeCompactResource(provider, inner) : inner,
        tag: c.tag,
      }
  }
  // Same AEAD work as a recipient would do, with a key nobody has, then the uniform failure.
  if (tried === 0)
    provider.chacha20poly1305.open(new Uint8Array(KEY_BYTES), env.nonce, env.ciphertext, aad)
  return decryptFailed()
}

/**
 * The content AEAD's associated data (envelope.md §5.1):
 * UTF-8("sdmp/enclosure/v1") || 0x00 || UTF-8(suite) || 0x00 || SHA-512(wrap_0 || ... || wrap_n-1),
 * with the tag `sdmp/enclosure/v2` for profile 2 (`v3` for profile 3), followed by SHA-512(session_0 || ...) when the
 * envelope has a `sessions` member (sessions.md §8). Binding the entry lists means a change to
 * any entry, even one for another recipient, makes the envelope fail for everyone; binding the
 * tag means the suite and the version (hence the padding rule) cannot be swapped or stripped.
 */
export function enclosureAad(
  provider: CryptoProvider,
  suite: Suite,
  wraps: readonly Uint8Array[],
  version: EnvelopeVersion = 1,
  sessions?: readonly Uint8Array[],
): Uint8Array {
  return concatBytes(
    utf8(version === 1 ? TAG_ENCLOSURE : version === 2 ? TAG_ENCLOSURE_V2 : TAG_ENCLOSURE_V3),
    ZERO,
    utf8(suite),
    ZERO,
    provider.sha512(concatBytes(...wraps)),
    ...(sessions ? [provider.sha512(concatBytes(...sessions))] : []),
  )
}
const ZERO = new Uint8Array(1)

/** Validate every key and drop exact duplicates (one wrap per distinct key). @throws BAD_REQUEST */
export function uniqueKeys(suite: Suite, recipients: readonly RecipientKey[]): Uint8Array[] {
  const seen = new Set<string>()
  const out: Uint8Array[] = []
  for (let i = 0; i < recipients.length; i++) {
    const r = recipients[i]
    const key = assertRecipientPublicKey(
      suite,
      typeof r === 'object' && r !== null ? r.publicKey : undefined,
      `recipients[${i}].publicKey`,
    )
    const id = toHex(key)
    if (seen.has(id)) continue
    seen.add(id)
    out.push(key)
  }
  return out
}

/** Fisher-Yates with unbiased indices (rejection sampling on 32-bit draws). */
function shuffle<T>(items: T[], random: RandomSource): void {
  for (let i = items.length - 1; i > 0; i--) {
    const n = i + 1
    const limit = Math.floor(0x1_0000_0000 / n) * n
    let x: number
    do {
      const b = random(4)
      x = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
    } while (x >= limit)
    const j = x % n
    const t = items[i]!
    items[i] = items[j]!
    items[j] = t
  }
}
