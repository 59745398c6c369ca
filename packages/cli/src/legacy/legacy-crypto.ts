/**
 * Hashing, encoding and key lookup shared by the legacy checks: SHA-512 base64url, the two 0.12
 * fingerprint readings, strict base64url decoding with check-failure reasons, and the example keys.
 * @module
 */
import { createHash } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { fromBase64url } from '@sdmp/core'
import { failCheck } from './check.js'
import type { VectorFiles } from './check.js'
import { parsePrivateKey, parsePublicKey } from './rsa.js'

/** base64url(SHA-512(data)); strings are hashed as UTF-8. */
export function sha512b64url(data: Uint8Array | string): string {
  return createHash('sha512').update(data).digest('base64url')
}

/** The PEM body: armor lines and all whitespace removed (the 0.11 `identity.key` form). */
export function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
}

/**
 * Reading A (0.11 rule, every 0.12 example file): SHA-512 of the bare base64 key body.
 * Whitespace is ignored because the body is defined without line breaks.
 */
export function fingerprintReadingA(body: string): string {
  return sha512b64url(body.replace(/\s+/g, ''))
}

/**
 * Reading B (the 0.12 crypto page, sdmp-create-identity, sdmp-example-keys): SHA-512 of the PEM
 * as it appears inside a JSON string, each newline written as the two characters `\n`.
 */
export function fingerprintReadingB(pem: string): string {
  return sha512b64url(JSON.stringify(pem).slice(1, -1))
}

/** Strict base64url decode (core rules: no padding, canonical trailing bits). @throws CheckFailure */
export function decodeB64url(text: string, label: string): Uint8Array {
  try {
    return fromBase64url(text, label)
  } catch (e) {
    return failCheck(e instanceof Error ? e.message : `${label}: not base64url`)
  }
}

/** Shorten a fingerprint or id for a reason line. */
export function short(value: string): string {
  return value.length > 12 ? `${value.slice(0, 8)}…` : JSON.stringify(value)
}

/** The RSA key pairs of the example (all 2056-bit, e = 65537). */
export const EXAMPLE_KEYS = [
  {
    label: 'bob',
    publicPem: 'bob-public.pem',
    privatePem: 'bob-private.pem',
    body: 'bob-public.sdmp',
  },
  {
    label: 'node',
    publicPem: 'node-public.pem',
    privatePem: 'node-private.pem',
    body: 'node-public.sdmp',
  },
  { label: 'alice', publicPem: 'alice-public.pem', privatePem: 'alice-private.pem' },
  { label: 'alice-node', publicPem: 'alice-node-public.pem', privatePem: 'alice-node-private.pem' },
] as const

/** One example key's label. */
export type KeyLabel = (typeof EXAMPLE_KEYS)[number]['label']

/** The public key of `label`, from its PEM file. @throws CheckFailure */
export function publicKeyOf(files: VectorFiles, label: KeyLabel): KeyObject {
  const spec = EXAMPLE_KEYS.find((k) => k.label === label)!
  return (
    parsePublicKey(files.text(spec.publicPem)) ??
    failCheck(`${spec.publicPem}: not an RSA public key`)
  )
}

/** The private key of `label`, from its PEM file. @throws CheckFailure */
export function privateKeyOf(files: VectorFiles, label: KeyLabel): KeyObject {
  const spec = EXAMPLE_KEYS.find((k) => k.label === label)!
  return (
    parsePrivateKey(files.text(spec.privatePem)) ??
    failCheck(`${spec.privatePem}: not an RSA private key`)
  )
}

/** The reading-A fingerprint of `label`'s public key (from its PEM body). @throws CheckFailure */
export function fingerprintOf(files: VectorFiles, label: KeyLabel): string {
  const spec = EXAMPLE_KEYS.find((k) => k.label === label)!
  return fingerprintReadingA(pemBody(files.text(spec.publicPem)))
}

/** Which example key has reading-A fingerprint `kid`; undefined when none (unreadable keys skipped). */
export function keyLabelForKid(files: VectorFiles, kid: string): KeyLabel | undefined {
  for (const { label } of EXAMPLE_KEYS) {
    try {
      if (fingerprintOf(files, label) === kid) return label
    } catch {
      // An unreadable key file is reported by its own key-pair check.
    }
  }
  return undefined
}
