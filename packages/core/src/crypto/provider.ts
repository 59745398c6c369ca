/**
 * The crypto provider seam. Core never calls a primitive directly: it receives a
 * {@link CryptoProvider}, so Node can use native code (packages/crypto-node) and the browser the
 * audited noble family ({@link createNobleProvider}). Every preset must pass the same conformance
 * suite (packages/crypto-node/test/crypto-conformance*.test.ts) and give identical Ed25519 answers
 * (docs/protocol/keys.md §3, the one validity rule).
 * @module
 */

/** Ed25519 operations on 32-byte seeds and 32-byte public keys. */
export interface Ed25519 {
  /** The public key of a 32-byte RFC 8032 seed. */
  publicKey(seed: Uint8Array): Uint8Array
  /** Sign a message with a 32-byte seed; deterministic (RFC 8032). */
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array
  /**
   * Verify under the profile's one validity rule (docs/protocol/keys.md §3). Returns false for
   * anything invalid, including wrong lengths; never throws for untrusted input.
   */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
}

/** X25519 (RFC 7748) Diffie-Hellman. */
export interface X25519 {
  publicKey(secret: Uint8Array): Uint8Array
  /**
   * The shared secret, or null when the peer key is invalid or the result is all zero (a
   * low-order peer point); callers treat null as a failure.
   */
  sharedSecret(secret: Uint8Array, peerPublic: Uint8Array): Uint8Array | null
}

/** ML-KEM-768 (FIPS 203). */
export interface MlKem768 {
  /** Key pair from a 64-byte seed (d || z), or random when omitted. */
  keygen(seed?: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array }
  /**
   * Encapsulate to a 1184-byte key; `message` (32 bytes) only for deterministic vectors.
   * @throws INVALID_ENCODING when the key has the wrong length or fails the FIPS 203 §7.2
   * modulus check (docs/protocol/ed25519.md §6)
   */
  encapsulate(
    publicKey: Uint8Array,
    message?: Uint8Array,
  ): { cipherText: Uint8Array; sharedSecret: Uint8Array }
  /**
   * Decapsulate a 1088-byte ciphertext; implicit rejection yields a pseudo-random secret.
   * @throws INVALID_ENCODING when the ciphertext is not 1088 bytes
   */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array
}

/** ChaCha20-Poly1305 (RFC 8439), the profile's AEAD. */
export interface Aead {
  /** ciphertext || 16-byte tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  /** The plaintext, or null when authentication fails (never throws for bad input). */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null
}

/** Everything core needs from a crypto library. All operations are synchronous. */
export interface CryptoProvider {
  /** A short name for reports ("node", "noble"). */
  readonly name: string
  randomBytes(length: number): Uint8Array
  sha256(data: Uint8Array): Uint8Array
  sha512(data: Uint8Array): Uint8Array
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array
  hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array
  /** HKDF (RFC 5869) with SHA-256 or SHA-512. @throws RangeError when length > 255 * HashLen */
  hkdf(
    hash: 'sha256' | 'sha512',
    ikm: Uint8Array,
    salt: Uint8Array,
    info: Uint8Array,
    length: number,
  ): Uint8Array
  /** HKDF-Extract alone (SEMP's key wrap needs the PRK step separately in its vectors). */
  hkdfExtract(hash: 'sha256' | 'sha512', ikm: Uint8Array, salt: Uint8Array): Uint8Array
  /** HKDF-Expand alone. @throws RangeError when length > 255 * HashLen */
  hkdfExpand(
    hash: 'sha256' | 'sha512',
    prk: Uint8Array,
    info: Uint8Array,
    length: number,
  ): Uint8Array
  /**
   * Optional native decoder of strict base64url carrying strict UTF-8 (docs/protocol/encoding.md
   * §2), a hot-path speed-up for resource payloads. It must return exactly core's
   * `fromUtf8(fromBase64url(text))` whenever that succeeds, and undefined whenever it throws
   * (padding, characters outside the alphabet, non-zero trailing bits, invalid UTF-8); core then
   * falls back to the pure decoders, which name the error. Never throws for untrusted input.
   */
  decodeBase64urlText?(text: string): string | undefined
  readonly ed25519: Ed25519
  readonly x25519: X25519
  readonly mlkem768: MlKem768
  readonly chacha20poly1305: Aead
}
