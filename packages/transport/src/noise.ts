/**
 * The Noise rev 34 §5 objects: CipherState and SymmetricState over the injected CryptoProvider,
 * with ChaChaPoly (64-bit little-endian nonce) and SHA-512 (docs/protocol/transport.md §1).
 * @module
 */
import { ErrorCode, ProtocolError, concatBytes } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'

const EMPTY = new Uint8Array(0)
const HASHLEN = 64
const KEYLEN = 32
/** The implementation caps the counter at 2^53 (transport.md §4); Noise reserves 2^64-1. */
const MAX_NONCE = Number.MAX_SAFE_INTEGER

/** Noise ChaChaPoly nonce: 4 zero bytes then the 64-bit counter, little-endian. */
export function noiseNonce(n: number, out = new Uint8Array(12)): Uint8Array {
  const lo = n >>> 0
  const hi = Math.floor(n / 0x1_0000_0000) >>> 0
  out[0] = out[1] = out[2] = out[3] = 0
  out[4] = lo & 0xff
  out[5] = (lo >>> 8) & 0xff
  out[6] = (lo >>> 16) & 0xff
  out[7] = lo >>> 24
  out[8] = hi & 0xff
  out[9] = (hi >>> 8) & 0xff
  out[10] = (hi >>> 16) & 0xff
  out[11] = hi >>> 24
  return out
}

/** The REKEY nonce, 2^64-1: every counter byte 0xff (Noise §11.3). */
const REKEY_NONCE = Uint8Array.from([0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255])

/**
 * A Noise CipherState: a key and an implicit counter. Used for the handshake and, after Split,
 * one per direction; the counter is the frame sequence number (transport.md §4).
 */
export class CipherState {
  #provider: CryptoProvider
  #k: Uint8Array | null = null
  #n = 0
  readonly #nonce = new Uint8Array(12)

  constructor(provider: CryptoProvider, key?: Uint8Array) {
    this.#provider = provider
    if (key) this.initializeKey(key)
  }

  /** Set a fresh key and reset the counter (Noise InitializeKey). */
  initializeKey(key: Uint8Array): void {
    this.#k = key.slice(0, KEYLEN)
    this.#n = 0
  }

  hasKey(): boolean {
    return this.#k !== null
  }

  /** Frames processed with the current counter (for stats and tests). */
  get nonce(): number {
    return this.#n
  }

  /** Encrypt with the next nonce; with no key, return the plaintext (Noise EncryptWithAd). @throws LIMIT_EXCEEDED */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#k === null) return plaintext
    if (this.#n >= MAX_NONCE)
      throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'frame: nonce space exhausted')
    const out = this.#provider.chacha20poly1305.seal(
      this.#k,
      noiseNonce(this.#n, this.#nonce),
      plaintext,
      ad,
    )
    this.#n++
    return out
  }

  /**
   * Decrypt with the next nonce; the counter moves only on success (Noise DecryptWithAd).
   * @throws DECRYPT_FAILED (uniform message: no oracle), LIMIT_EXCEEDED
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#k === null) return ciphertext
    if (this.#n >= MAX_NONCE)
      throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'frame: nonce space exhausted')
    const out = this.#provider.chacha20poly1305.open(
      this.#k,
      noiseNonce(this.#n, this.#nonce),
      ciphertext,
      ad,
    )
    if (out === null) throw new ProtocolError(ErrorCode.DECRYPT_FAILED, 'decryption failed')
    this.#n++
    return out
  }

  /** Noise REKEY: k = first 32 bytes of ENCRYPT(k, 2^64-1, empty, zeros); n continues. */
  rekey(): void {
    if (this.#k === null) throw new Error('rekey without a key')
    const next = this.#provider.chacha20poly1305.seal(
      this.#k,
      REKEY_NONCE,
      new Uint8Array(KEYLEN),
      EMPTY,
    )
    this.#k = next.slice(0, KEYLEN)
  }
}

/** The Noise SymmetricState: chaining key `ck`, handshake hash `h` and a CipherState. */
export class SymmetricState {
  #provider: CryptoProvider
  #ck: Uint8Array
  #h: Uint8Array
  readonly cipher: CipherState

  /** Noise InitializeSymmetric: `h` = name padded to HASHLEN, or HASH(name) when longer. */
  constructor(provider: CryptoProvider, protocolName: Uint8Array) {
    this.#provider = provider
    if (protocolName.length <= HASHLEN) {
      this.#h = new Uint8Array(HASHLEN)
      this.#h.set(protocolName)
    } else this.#h = provider.sha512(protocolName)
    this.#ck = this.#h.slice()
    this.cipher = new CipherState(provider)
  }

  /** The current handshake hash (a copy). */
  get handshakeHash(): Uint8Array {
    return this.#h.slice()
  }

  mixHash(data: Uint8Array): void {
    this.#h = this.#provider.sha512(concatBytes(this.#h, data))
  }

  /** Noise MixKey: HKDF(ck, ikm, 2) is RFC 5869 with salt = ck and empty info. */
  mixKey(ikm: Uint8Array): void {
    const out = this.#provider.hkdf('sha512', ikm, this.#ck, EMPTY, 2 * HASHLEN)
    this.#ck = out.slice(0, HASHLEN)
    this.cipher.initializeKey(out.subarray(HASHLEN, HASHLEN + KEYLEN))
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.cipher.encryptWithAd(this.#h, plaintext)
    this.mixHash(ct)
    return ct
  }

  /** @throws DECRYPT_FAILED */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const pt = this.cipher.decryptWithAd(this.#h, ciphertext)
    this.mixHash(ciphertext)
    return pt
  }

  /** Noise Split: two CipherStates, initiator→responder first. */
  split(): [CipherState, CipherState] {
    const out = this.#provider.hkdf('sha512', EMPTY, this.#ck, EMPTY, 2 * HASHLEN)
    const c1 = new CipherState(this.#provider, out.subarray(0, KEYLEN))
    const c2 = new CipherState(this.#provider, out.subarray(HASHLEN, HASHLEN + KEYLEN))
    this.#ck.fill(0)
    return [c1, c2]
  }
}
