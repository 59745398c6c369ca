/**
 * ChaCha20-Poly1305 (RFC 8439) for the native provider, from libsodium (default) or OpenSSL
 * through node:crypto. A sealed message takes a dozen or more AEAD calls on each side (payload,
 * session entries and their headers, trial opening of entries, records sealed at rest), and
 * node:crypto builds a cipher object for each: ~7 us to open a 40-byte header here against ~1 us
 * for libsodium's one call (issue 14, docs/load.md §5). Both give the same bytes (the Wycheproof
 * vectors run on both presets); `open` of either returns null for anything that does not
 * authenticate, never throws, and libsodium compares the tag in constant time before it
 * decrypts anything.
 * @module
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import type { Aead } from '@sdmp/core'
import { asU8 } from './node-ed25519.js'
import { sodium } from './sodium.js'

/** Which library implements the AEAD. */
export type AeadBackend = 'openssl' | 'sodium'

const TAG_BYTES = 16

/** @throws RangeError when `value` is not `length` bytes */
export function assertLength(value: Uint8Array, length: number, label: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length)
    throw new RangeError(
      `${label}: expected ${length} bytes, got ${value instanceof Uint8Array ? value.length : typeof value}`,
    )
}

/**
 * Run `fn`, which may throw to say "does not authenticate", with no stack captured for what it
 * throws. Both libraries report a tag that does not verify by throwing an Error, and trial
 * opening fails as often as it succeeds (a session entry's header is tried with each header key
 * of each session with the sealer, sessions.md §8.3: ~1.5 failures per message received). V8
 * captures the stack when an Error is made, across the daemon's async frames too: a failed open
 * cost ~24 us in the receiving daemon against ~4 us for one that opens (issue 14, docs/load.md
 * §5 fourteenth pass). The limit is put back before this returns, whatever `fn` did.
 */
function stackless<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return fn()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** Whether `open`'s (untrusted) arguments have the shapes it can work on. */
function openable(key: unknown, nonce: unknown, sealed: unknown, aad: unknown): boolean {
  return (
    key instanceof Uint8Array &&
    key.length === 32 &&
    nonce instanceof Uint8Array &&
    nonce.length === 12 &&
    sealed instanceof Uint8Array &&
    sealed.length >= TAG_BYTES &&
    (aad === undefined || aad instanceof Uint8Array)
  )
}

/** libsodium's `crypto_aead_chacha20poly1305_ietf_*` (the IETF 96-bit nonce variant). */
export function createSodiumChaCha20Poly1305(): Aead {
  return Object.freeze({
    seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
      assertLength(key, 32, 'chacha20poly1305.key')
      assertLength(nonce, 12, 'chacha20poly1305.nonce')
      const out = new Uint8Array(plaintext.length + TAG_BYTES)
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
        out,
        plaintext,
        aad ?? null,
        null,
        nonce,
        key,
      )
      return out
    },
    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) {
      // open sees untrusted bytes: any malformed input is just an authentication failure
      if (!openable(key, nonce, sealed, aad)) return null
      const out = new Uint8Array(sealed.length - TAG_BYTES)
      return stackless(() => {
        try {
          sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
            out,
            null,
            sealed,
            aad ?? null,
            nonce,
            key,
          )
          return out
        } catch {
          return null // "could not verify data": the tag did not authenticate
        }
      })
    },
  })
}

/** OpenSSL's through node:crypto (`createCipheriv('chacha20-poly1305')`). */
export function createOpensslChaCha20Poly1305(): Aead {
  const options = { authTagLength: TAG_BYTES } as const
  return Object.freeze({
    seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
      assertLength(key, 32, 'chacha20poly1305.key')
      assertLength(nonce, 12, 'chacha20poly1305.nonce')
      const cipher = createCipheriv('chacha20-poly1305', key, nonce, options)
      if (aad !== undefined) cipher.setAAD(aad, { plaintextLength: plaintext.length })
      const head = cipher.update(plaintext)
      const tail = cipher.final()
      const tag = cipher.getAuthTag()
      const out = new Uint8Array(head.length + tail.length + TAG_BYTES)
      out.set(head, 0)
      out.set(tail, head.length)
      out.set(tag, head.length + tail.length)
      return out
    },
    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) {
      // open sees untrusted bytes: any malformed input is just an authentication failure
      if (!openable(key, nonce, sealed, aad)) return null
      return stackless(() => {
        try {
          const decipher = createDecipheriv('chacha20-poly1305', key, nonce, options)
          const ctLength = sealed.length - TAG_BYTES
          decipher.setAuthTag(sealed.subarray(ctLength))
          if (aad !== undefined) decipher.setAAD(aad, { plaintextLength: ctLength })
          const head = decipher.update(sealed.subarray(0, ctLength))
          const tail = decipher.final() // throws when the tag does not verify
          if (tail.length === 0) return asU8(head)
          const out = new Uint8Array(head.length + tail.length)
          out.set(head, 0)
          out.set(tail, head.length)
          return out
        } catch {
          return null
        }
      })
    },
  })
}
