/**
 * The Noise XXhfs handshake state machine with X25519 and ML-KEM-768 (docs/protocol/transport.md
 * §1-§2). Pure message processing: no I/O and no timers; channel.ts drives it over a duplex.
 * Each write/read step fails with a coded ProtocolError on any untrusted-input problem.
 * @module
 */
import { ErrorCode, ProtocolError, concatBytes, utf8 } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { CipherState, SymmetricState } from './noise.js'
import {
  NOISE_PROTOCOL_NAME,
  SIZES,
  TAG_TRANSPORT_STATIC,
  TRANSPORT_PROTOCOL_ID,
} from './transport-domain.js'

/** An X25519 key pair (the Noise static key `s`). */
export interface StaticKeyPair {
  readonly secret: Uint8Array
  readonly publicKey: Uint8Array
}

/** Which side of the handshake this is. */
export type Role = 'initiator' | 'responder'

/** What the payload callback of messages 2 and 3 receives: the values the signature binds. */
export interface PayloadContext {
  /** Handshake hash right before EncryptAndHash(payload) (transport.md §2). */
  readonly handshakeHash: Uint8Array
  /** The sender's static X25519 public key sent in the same message. */
  readonly staticPublicKey: Uint8Array
}

/** A decrypted payload of message 2 or 3 with what the signature must bind. */
export interface ReadPayload extends PayloadContext {
  readonly payload: Uint8Array
}

/** Derive the node's Noise static X25519 key from its Ed25519 seed (transport.md §1). */
export function deriveStaticKey(provider: CryptoProvider, nodeSeed: Uint8Array): StaticKeyPair {
  const secret = provider.hkdf(
    'sha512',
    nodeSeed,
    new Uint8Array(0),
    utf8(TAG_TRANSPORT_STATIC),
    32,
  )
  return Object.freeze({ secret, publicKey: provider.x25519.publicKey(secret) })
}

const bad = (message: string) => new ProtocolError(ErrorCode.BAD_REQUEST, message)

/**
 * One side of `Noise_XXhfs_25519+MLKEM768_ChaChaPoly_SHA512`. Call the steps in order:
 * initiator `writeMessage1`, `readMessage2`, `writeMessage3`, `split`; responder
 * `readMessage1`, `writeMessage2`, `readMessage3`, `split`. Out-of-order calls are bugs (Error).
 */
export class XXhfsHandshake {
  readonly role: Role
  #p: CryptoProvider
  #ss: SymmetricState
  #s: StaticKeyPair
  #e: StaticKeyPair | null = null
  #re: Uint8Array | null = null
  #rs: Uint8Array | null = null
  #kem: { publicKey: Uint8Array; secretKey: Uint8Array } | null = null
  #step = 0

  constructor(provider: CryptoProvider, role: Role, staticKey: StaticKeyPair) {
    this.role = role
    this.#p = provider
    this.#s = staticKey
    this.#ss = new SymmetricState(provider, utf8(NOISE_PROTOCOL_NAME))
    this.#ss.mixHash(utf8(TRANSPORT_PROTOCOL_ID)) // prologue (transport.md §1)
  }

  #expect(step: number, role: Role): void {
    if (this.#step !== step || this.role !== role) throw new Error('handshake step out of order')
    this.#step++
  }

  #generateEphemeral(): StaticKeyPair {
    const secret = this.#p.randomBytes(32)
    return { secret, publicKey: this.#p.x25519.publicKey(secret) }
  }

  /** MixKey(DH(secret, public)); an invalid peer key or all-zero result is BAD_REQUEST. */
  #mixDh(secret: Uint8Array, peer: Uint8Array, label: string): void {
    const shared = this.#p.x25519.sharedSecret(secret, peer)
    if (shared === null) throw bad(`handshake.${label}: invalid x25519 key`)
    this.#ss.mixKey(shared)
  }

  /** Message 1 (I): `e, f` and the clear protocol id payload. */
  writeMessage1(): Uint8Array {
    this.#expect(0, 'initiator')
    this.#e = this.#generateEphemeral()
    this.#ss.mixHash(this.#e.publicKey)
    this.#kem = this.#p.mlkem768.keygen()
    const f = this.#ss.encryptAndHash(this.#kem.publicKey)
    const payload = this.#ss.encryptAndHash(utf8(TRANSPORT_PROTOCOL_ID))
    return concatBytes(this.#e.publicKey, f, payload)
  }

  /** Message 1 (R). @throws BAD_REQUEST, UNSUPPORTED_VERSION */
  readMessage1(message: Uint8Array): void {
    this.#expect(0, 'responder')
    const id = utf8(TRANSPORT_PROTOCOL_ID)
    const min = SIZES.dh + SIZES.kemPublicKey
    if (message.length < min)
      throw bad(`handshake.message1: expected ${min + id.length} bytes, got ${message.length}`)
    this.#re = message.slice(0, SIZES.dh)
    this.#ss.mixHash(this.#re)
    this.#kem = {
      publicKey: this.#ss.decryptAndHash(message.slice(SIZES.dh, min)),
      secretKey: new Uint8Array(0),
    }
    const payload = this.#ss.decryptAndHash(message.slice(min))
    if (payload.length !== id.length || !payload.every((b, i) => b === id[i]))
      throw new ProtocolError(
        ErrorCode.UNSUPPORTED_VERSION,
        `handshake.version: expected ${TRANSPORT_PROTOCOL_ID}`,
      )
  }

  /** Message 2 (R): `e, f, ee, ff, s, es` then the encrypted payload built by `payloadFor`. */
  writeMessage2(payloadFor: (ctx: PayloadContext) => Uint8Array): Uint8Array {
    this.#expect(1, 'responder')
    this.#e = this.#generateEphemeral()
    this.#ss.mixHash(this.#e.publicKey)
    let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array }
    try {
      enc = this.#p.mlkem768.encapsulate(this.#kem!.publicKey)
    } catch (cause) {
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'handshake.f: invalid ml-kem-768 key', {
        cause,
      })
    }
    const f = this.#ss.encryptAndHash(enc.cipherText)
    this.#mixDh(this.#e.secret, this.#re!, 'ee')
    this.#ss.mixKey(enc.sharedSecret) // ff: the hybrid step (transport.md §2)
    const s = this.#ss.encryptAndHash(this.#s.publicKey)
    this.#mixDh(this.#s.secret, this.#re!, 'es')
    const ctx = { handshakeHash: this.#ss.handshakeHash, staticPublicKey: this.#s.publicKey }
    const payload = this.#ss.encryptAndHash(payloadFor(ctx))
    return concatBytes(this.#e.publicKey, f, s, payload)
  }

  /** Message 2 (I). @throws BAD_REQUEST, DECRYPT_FAILED */
  readMessage2(message: Uint8Array): ReadPayload {
    this.#expect(1, 'initiator')
    const sLen = SIZES.dh + SIZES.tag
    const expected = SIZES.dh + SIZES.kemCipherText + sLen + SIZES.identityPayload + SIZES.tag
    if (message.length !== expected)
      throw bad(`handshake.message2: expected ${expected} bytes, got ${message.length}`)
    let o = 0
    this.#re = message.slice(o, (o += SIZES.dh))
    this.#ss.mixHash(this.#re)
    const ct = this.#ss.decryptAndHash(message.slice(o, (o += SIZES.kemCipherText)))
    this.#mixDh(this.#e!.secret, this.#re, 'ee')
    // Decapsulation never throws on a well-sized ciphertext: implicit rejection gives a
    // pseudo-random secret, and the AEAD of the static key below then fails.
    this.#ss.mixKey(this.#p.mlkem768.decapsulate(ct, this.#kem!.secretKey))
    this.#kem = null
    this.#rs = this.#decryptHandshake(message.slice(o, (o += sLen)))
    this.#mixDh(this.#e!.secret, this.#rs, 'es')
    const handshakeHash = this.#ss.handshakeHash
    const payload = this.#decryptHandshake(message.slice(o))
    return { payload, handshakeHash, staticPublicKey: this.#rs }
  }

  /** Message 3 (I): `s, se` then the encrypted payload built by `payloadFor`. */
  writeMessage3(payloadFor: (ctx: PayloadContext) => Uint8Array): Uint8Array {
    this.#expect(2, 'initiator')
    const s = this.#ss.encryptAndHash(this.#s.publicKey)
    this.#mixDh(this.#s.secret, this.#re!, 'se')
    const ctx = { handshakeHash: this.#ss.handshakeHash, staticPublicKey: this.#s.publicKey }
    return concatBytes(s, this.#ss.encryptAndHash(payloadFor(ctx)))
  }

  /** Message 3 (R). @throws BAD_REQUEST, DECRYPT_FAILED */
  readMessage3(message: Uint8Array): ReadPayload {
    this.#expect(2, 'responder')
    const sLen = SIZES.dh + SIZES.tag
    const expected = sLen + SIZES.identityPayload + SIZES.tag
    if (message.length !== expected)
      throw bad(`handshake.message3: expected ${expected} bytes, got ${message.length}`)
    this.#rs = this.#decryptHandshake(message.slice(0, sLen))
    this.#mixDh(this.#e!.secret, this.#rs, 'se')
    const handshakeHash = this.#ss.handshakeHash
    const payload = this.#decryptHandshake(message.slice(sLen))
    return { payload, handshakeHash, staticPublicKey: this.#rs }
  }

  #decryptHandshake(ct: Uint8Array): Uint8Array {
    try {
      return this.#ss.decryptAndHash(ct)
    } catch (cause) {
      // Uniform failure (transport.md §7): wrong version, wrong keys and tampering look alike.
      throw new ProtocolError(ErrorCode.DECRYPT_FAILED, 'handshake: decryption failed', { cause })
    }
  }

  /** Noise Split after message 3: `{ send, receive }` for this side. */
  split(): { send: CipherState; receive: CipherState } {
    if (this.#step !== 3) throw new Error('split before the handshake finished')
    this.#step++
    const [c1, c2] = this.#ss.split()
    return this.role === 'initiator' ? { send: c1, receive: c2 } : { send: c2, receive: c1 }
  }
}
