/**
 * The subset of sodium-native (libsodium) the Node preset uses, typed structurally so no
 * third-party type package is needed. sodium-native is CommonJS and ships no types.
 * @module
 */
import { createRequire } from 'node:module'

/** The libsodium functions the Node preset calls; signatures as in sodium-native 5. */
export interface Sodium {
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void
  crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean
  crypto_scalarmult(shared: Uint8Array, secret: Uint8Array, peerPublic: Uint8Array): void
  crypto_scalarmult_base(publicKey: Uint8Array, secret: Uint8Array): void
  /** Canonical, on the curve, not small order and in the prime-order subgroup. */
  crypto_core_ed25519_is_valid_point(point: Uint8Array): boolean
  /** Writes ciphertext || tag; returns its length. */
  crypto_aead_chacha20poly1305_ietf_encrypt(
    ciphertext: Uint8Array,
    message: Uint8Array,
    additionalData: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    key: Uint8Array,
  ): number
  /** Writes the message; throws when the tag does not authenticate. */
  crypto_aead_chacha20poly1305_ietf_decrypt(
    message: Uint8Array,
    nsec: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    npub: Uint8Array,
    key: Uint8Array,
  ): number
}

/** The loaded native binding (loaded once, at import). */
export const sodium = createRequire(import.meta.url)('sodium-native') as Sodium
