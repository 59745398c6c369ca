/**
 * The profile's one Ed25519 validity rule (docs/protocol/ed25519.md §2). Every preset applies it,
 * so that all nodes of a replicated journal accept exactly the same signatures: cheap byte checks
 * on the signature, a once-per-key check of the public key (cached), and the cofactorless
 * equation. This module also holds the pure-TS reference verifier that the noble preset uses.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'

type EdPoint = InstanceType<typeof ed25519.Point>

const Point = ed25519.Point
/** The prime order L of the base point (RFC 8032 §5.1), little-endian bytes. */
const L_BYTES = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
])
const L = 2n ** 252n + 27742317777372353535851937790883648493n

/**
 * The canonical encodings of the 8 points of small order (the torsion subgroup E[8]). Together
 * with the canonical-encoding check this is the complete small-order test on bytes: a
 * non-canonical encoding of a small-order point is rejected as non-canonical first.
 */
const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
].map((h) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16)))

/** Default number of public keys whose rule check (and backend key object) a preset caches. */
export const ED25519_KEY_CACHE_SIZE = 4096

/**
 * True when the 32 bytes at `offset` encode a field element y < p = 2^255 - 19, ignoring the
 * sign bit (RFC 8032 §5.1.3 step 1). Only y in [p, 2^255) fails: low byte >= 0xed, the middle
 * bytes 0xff, the top byte 0x7f once the sign bit is cleared.
 */
export function isCanonicalFieldEncoding(bytes: Uint8Array, offset = 0): boolean {
  if ((bytes[offset + 31]! & 0x7f) !== 0x7f) return true
  for (let i = 30; i > 0; i--) if (bytes[offset + i] !== 0xff) return true
  return bytes[offset]! < 0xed
}

/** True when the 32 little-endian bytes at `offset` are a scalar S < L (RFC 8032 §5.1.7). */
export function isCanonicalScalar(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 31; i >= 0; i--) {
    const b = bytes[offset + i]!
    const l = L_BYTES[i]!
    if (b !== l) return b < l
  }
  return false // S == L
}

/** True when the 32 bytes at `offset` are the canonical encoding of a point of small order. */
export function isSmallOrderEncoding(bytes: Uint8Array, offset = 0): boolean {
  outer: for (const enc of SMALL_ORDER_ENCODINGS) {
    for (let i = 0; i < 32; i++) if (bytes[offset + i] !== enc[i]) continue outer
    return true
  }
  return false
}

/**
 * The per-signature byte checks of the rule (ed25519.md §2 steps 1, 2 and 4): 64 bytes, R a
 * canonical encoding that is not one of the small-order points, S < L. Cheap (no curve math):
 * native presets run it before their backend so their hot path stays a single native call.
 */
export function isValidEd25519SignatureEncoding(signature: Uint8Array): boolean {
  return (
    signature instanceof Uint8Array &&
    signature.length === 64 &&
    isCanonicalFieldEncoding(signature, 0) &&
    !isSmallOrderEncoding(signature, 0) &&
    isCanonicalScalar(signature, 32)
  )
}

/**
 * Decode a public key under the rule (ed25519.md §2 step 3): a canonical encoding of a point of
 * order exactly L (on the curve, not small order, no torsion component). Returns the point, or
 * null when the key is not acceptable. Costs a scalar multiplication: presets cache the answer.
 */
export function decodeEd25519PublicKey(publicKey: Uint8Array): EdPoint | null {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return null
  if (!isCanonicalFieldEncoding(publicKey) || isSmallOrderEncoding(publicKey)) return null
  let A: EdPoint
  try {
    // zip215=false: y < p and no "negative zero" x; throws when y is not on the curve
    A = Point.fromBytes(publicKey, false)
  } catch {
    return null
  }
  // Small order was excluded on bytes; [L]A == O then means A has order exactly L.
  return A.isTorsionFree() ? A : null
}

/** Whether a public key satisfies the rule (uncached; see {@link decodeEd25519PublicKey}). */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  return decodeEd25519PublicKey(publicKey) !== null
}

/** A stable string key for 32 bytes (one UTF-16 unit per byte); cheap enough for a Map. */
export function ed25519CacheKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[])
}

/**
 * A small bounded memo keyed by byte strings, evicting the oldest entry first. Presets keep one
 * per instance for per-key work (rule check, decoded point, native key object); the bound keeps
 * memory flat when an attacker sends signatures under many fresh keys.
 */
export class BoundedKeyCache<V> {
  readonly #map = new Map<string, V>()
  readonly #max: number

  constructor(maxEntries = ED25519_KEY_CACHE_SIZE) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries: expected a positive integer, got ${maxEntries}`)
    this.#max = maxEntries
  }

  get size(): number {
    return this.#map.size
  }

  get(key: string): V | undefined {
    return this.#map.get(key)
  }

  /** Store `value` under `key`, evicting the oldest entry when full; returns `value`. */
  set(key: string, value: V): V {
    if (this.#map.size >= this.#max && !this.#map.has(key)) {
      const oldest = this.#map.keys().next()
      if (!oldest.done) this.#map.delete(oldest.value)
    }
    this.#map.set(key, value)
    return value
  }
}

/** A verifier under the rule: `(signature, message, publicKey) => boolean`, never throws. */
export type Ed25519Verify = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
) => boolean

/**
 * The pure-TS reference verifier of the rule (ed25519.md §2), with a bounded per-key cache of
 * decoded points. Unlike noble's `ed25519.verify` (cofactored: [8](R + [k]A - [S]B) == O), it
 * checks the cofactorless equation by comparing encodings, encode([S]B - [k]A) == R bytes,
 * exactly as OpenSSL and libsodium do, so all presets agree on R with a torsion component.
 * @example
 * const verify = createEd25519Verifier()
 * verify(sig, msg, pub) // true only under the one rule
 */
export function createEd25519Verifier(options: { cacheSize?: number } = {}): Ed25519Verify {
  const keys = new BoundedKeyCache<EdPoint | null>(options.cacheSize ?? ED25519_KEY_CACHE_SIZE)
  return (signature, message, publicKey) => {
    if (!(message instanceof Uint8Array) || !isValidEd25519SignatureEncoding(signature))
      return false
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false
    const id = ed25519CacheKey(publicKey)
    let A = keys.get(id)
    if (A === undefined) A = keys.set(id, decodeEd25519PublicKey(publicKey))
    if (A === null) return false
    const r = signature.subarray(0, 32)
    // k = SHA-512(R || A || M) mod L over the bytes as given (RFC 8032 §5.1.7 step 2)
    const h = sha512.create().update(r).update(publicKey).update(message).digest()
    const k = bytesToNumberLE(h) % L
    const S = bytesToNumberLE(signature.subarray(32, 64)) // < L: checked on bytes above
    const Rc = Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k))
    const enc = Rc.toBytes()
    let diff = 0
    for (let i = 0; i < 32; i++) diff |= enc[i]! ^ r[i]!
    return diff === 0
  }
}

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let hex = ''
  for (let i = bytes.length - 1; i >= 0; i--) hex += (bytes[i]! | 0x100).toString(16).slice(1)
  return BigInt('0x' + hex)
}
