/**
 * Key records and fingerprints (docs/protocol/keys.md). A user's or node's identity key is an
 * Ed25519 key; its record is the RFC 8037 JWK `{crv, kty, x}` and its fingerprint is
 * base64url(SHA-512(JCS(record))): canonical over the key material, unlike 0.12's PEM hashing.
 * @module
 */
import { fromBase64urlExact, toBase64url, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { canonicalize } from '../json.js'
import { assertObject, assertEnum, violation } from '../resource/fields.js'

/** The public key record as it appears in identity resources. */
export interface KeyRecord {
  readonly crv: 'Ed25519'
  readonly kty: 'OKP'
  /** base64url of the 32-byte public key. */
  readonly x: string
}

/** A signing key pair with its fingerprint. The seed is secret. */
export interface SigningKey {
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
  readonly fingerprint: string
}

/** The record of a 32-byte Ed25519 public key. */
export function keyRecord(publicKey: Uint8Array): KeyRecord {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    throw new TypeError('publicKey: expected 32 bytes')
  return { crv: 'Ed25519', kty: 'OKP', x: toBase64url(publicKey) }
}

/**
 * The fingerprint of a public key: base64url(SHA-512(JCS(keyRecord))), 86 characters.
 * @example fingerprintOf(provider, key.publicKey)
 */
export function fingerprintOf(provider: CryptoProvider, publicKey: Uint8Array): string {
  return toBase64url(provider.sha512(utf8(canonicalize(keyRecord(publicKey)))))
}

/** Validate an untrusted key record and return the public key bytes. @throws SCHEMA_VIOLATION, INVALID_ENCODING */
export function decodeKeyRecord(v: unknown, label: string): Uint8Array {
  const o = assertObject(v, label, ['crv', 'kty', 'x'])
  assertEnum(o['crv'], `${label}.crv`, ['Ed25519'])
  assertEnum(o['kty'], `${label}.kty`, ['OKP'])
  if (typeof o['x'] !== 'string') violation(`${label}.x`, 'expected string')
  return fromBase64urlExact(o['x'], 32, `${label}.x`)
}

/** Derive the signing key of a 32-byte seed. */
export function signingKeyFromSeed(provider: CryptoProvider, seed: Uint8Array): SigningKey {
  const publicKey = provider.ed25519.publicKey(seed)
  const key = Object.freeze({ seed, publicKey, fingerprint: fingerprintOf(provider, publicKey) })
  derivedKeys.add(key)
  return key
}

/**
 * Keys made by {@link signingKeyFromSeed}: frozen, their public key derived from their seed.
 * Only a signature made with one of these counts as verified where it was made (sign.ts
 * `signedKeysOf`); a hand-built SigningKey could pair a seed with another public key.
 */
const derivedKeys = new WeakSet<SigningKey>()

/** Whether `key` was made by {@link signingKeyFromSeed} (its public key is its seed's). */
export const isDerivedKey = (key: SigningKey): boolean => derivedKeys.has(key)

/** Generate a fresh signing key from the provider's CSPRNG. */
export function generateSigningKey(provider: CryptoProvider): SigningKey {
  return signingKeyFromSeed(provider, provider.randomBytes(32))
}
