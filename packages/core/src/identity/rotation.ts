/**
 * Identity rotation (docs/protocol/keys.md §4-§5): a user replaces its identity key with a new
 * one, proven either by the old identity key (a planned rotation) or by the recovery key whose
 * commitment the old identity carries (a recovery, when the old key is lost or stolen). The
 * proof travels inside the new identity resource as `identity.rotation`; which rotation of a
 * user is in force is decided by the trust graph (`TrustGraph.successorOf`).
 * @module
 */
import { fromBase64urlExact, toBase64url, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { canonicalize } from '../json.js'
import { assertDigest, assertObject, assertString } from '../resource/fields.js'
import { decodeKeyRecord, fingerprintOf, keyRecord } from './keys.js'
import type { SigningKey } from './keys.js'

/** Context string of the rotation signing input (keys.md §5.1). */
export const ROTATION_CONTEXT = 'sdmp-rotation-1'

/** `identity.rotation` as decoded: who is replaced, and the signature of the proving key. */
export interface RotationProof {
  /** Fingerprint of the identity this one replaces. */
  readonly from: string
  /** Public key of the proving key: the old identity key, or the revealed recovery key. */
  readonly key: Uint8Array
  /** Ed25519 signature by `key` over {@link rotationSigningInput}. */
  readonly signature: Uint8Array
}

/** How a rotation was proven. */
export type RotationKind = 'key' | 'recovery'

/**
 * The recovery commitment of a recovery public key: base64url(SHA-512(ASCII(fingerprint)))
 * (keys.md §4). Only this digest is published until the recovery key is used.
 */
export function recoveryCommitment(
  provider: CryptoProvider,
  recoveryPublicKey: Uint8Array,
): string {
  return toBase64url(provider.sha512(utf8(fingerprintOf(provider, recoveryPublicKey))))
}

/** The bytes the proving key signs: JCS of `{context, from, to}` (keys.md §5.1). */
export function rotationSigningInput(from: string, to: string): Uint8Array {
  return utf8(canonicalize({ context: ROTATION_CONTEXT, from, to }))
}

/** The `identity.rotation` member replacing `from` by the identity whose fingerprint is `to`. */
export function signRotation(
  provider: CryptoProvider,
  proving: SigningKey,
  from: string,
  to: string,
): { from: string; key: { crv: 'Ed25519'; kty: 'OKP'; x: string }; signature: string } {
  const signature = provider.ed25519.sign(proving.seed, rotationSigningInput(from, to))
  return { from, key: { ...keyRecord(proving.publicKey) }, signature: toBase64url(signature) }
}

/** Decode an untrusted `identity.rotation`. @throws SCHEMA_VIOLATION, INVALID_ENCODING */
export function decodeRotation(v: unknown, label: string): RotationProof {
  const o = assertObject(v, label, ['from', 'key', 'signature'])
  return {
    from: assertDigest(o['from'], `${label}.from`),
    key: decodeKeyRecord(o['key'], `${label}.key`),
    signature: fromBase64urlExact(
      assertString(o['signature'], `${label}.signature`, 86),
      64,
      `${label}.signature`,
    ),
  }
}

/** Does the proof's signature verify for the rotation of `proof.from` to `to`? */
export function verifyRotation(
  provider: CryptoProvider,
  proof: RotationProof,
  to: string,
): boolean {
  return provider.ed25519.verify(proof.signature, rotationSigningInput(proof.from, to), proof.key)
}

/** What the trust graph keeps of a rotation: whom it replaces and the prover's digests. */
export interface RotationInfo {
  /** Fingerprint of the replaced identity. */
  readonly from: string
  /** Fingerprint of the proving key (equals `from` for a planned rotation). */
  readonly prover: string
  /** Recovery commitment of the proving key (matches `from`'s commitment for a recovery). */
  readonly proverCommitment: string
}

/**
 * The graph's record of a verified proof. Provider-free (noble SHA-512) so that a trust graph
 * can be fed without a crypto provider; the values are public digests.
 */
export function rotationInfoOf(proof: RotationProof): RotationInfo {
  const prover = toBase64url(sha512(utf8(canonicalize(keyRecord(proof.key)))))
  return { from: proof.from, prover, proverCommitment: toBase64url(sha512(utf8(prover))) }
}
