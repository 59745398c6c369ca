/**
 * Byte helpers: strict base64url (RFC 4648 §5, no padding, canonical trailing bits), hex,
 * strict UTF-8, concatenation and constant-time comparison. docs/protocol/encoding.md §2.
 * @module
 */
import { ErrorCode, ProtocolError } from './errors.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const DECODE = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/** The alphabet's character codes (what toBase64url writes and equalsBase64url compares). */
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0))
/** Base64url output up to this many characters is built in one reused buffer. */
const SCRATCH_CHARS = 64 * 1024
let base64Scratch = new Uint8Array(256)
const asciiText = new TextDecoder()

/**
 * Encode bytes as unpadded base64url. The characters go into a reused byte buffer that one
 * native decode turns into a flat string: appending four characters at a time built a rope of
 * thousands of pieces that every later use (hashing, UTF-8 encoding, comparing) had to flatten,
 * ~5x slower for a sealed message's ciphertext (docs/load.md §5 "Fifth pass").
 */
export function toBase64url(bytes: Uint8Array): string {
  const chars = base64urlLength(bytes.length)
  if (chars > base64Scratch.length)
    base64Scratch = new Uint8Array(
      Math.min(SCRATCH_CHARS, Math.max(chars, base64Scratch.length * 2)),
    )
  // Synchronous from here to the decode, so one buffer serves every call; past the bound, a
  // buffer of its own (a 1 MiB resource should not pin 1.4 MB for the process's lifetime).
  const out = chars <= base64Scratch.length ? base64Scratch : new Uint8Array(chars)
  return asciiText.decode(out.subarray(0, writeBase64url(bytes, out, 0)))
}

/** Characters of unpadded base64url for `n` bytes. */
export function base64urlLength(n: number): number {
  return Math.ceil((n * 4) / 3)
}

/**
 * Write the unpadded base64url of `bytes` as ASCII into `out` at `at` (room for
 * {@link base64urlLength} bytes is the caller's) and return the offset after it: for encoders
 * that build a text as bytes (the compact decoder) and need no string of it.
 */
export function writeBase64url(bytes: Uint8Array, out: Uint8Array, at: number): number {
  const n = bytes.length
  let i = 0
  let j = at
  for (const full = n - (n % 3); i < full; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[j++] = CODES[v >> 18]!
    out[j++] = CODES[(v >> 12) & 63]!
    out[j++] = CODES[(v >> 6) & 63]!
    out[j++] = CODES[v & 63]!
  }
  if (n - i === 1) {
    const v = bytes[i]! << 16
    out[j++] = CODES[v >> 18]!
    out[j++] = CODES[(v >> 12) & 63]!
  } else if (n - i === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out[j++] = CODES[v >> 18]!
    out[j++] = CODES[(v >> 12) & 63]!
    out[j++] = CODES[(v >> 6) & 63]!
  }
  return j
}

/**
 * Decode strict base64url: no padding, no whitespace, no characters outside the alphabet, and
 * the unused trailing bits must be zero, so every byte string has exactly one encoding.
 * @param label names the field in the error message
 * @throws INVALID_ENCODING
 */
export function fromBase64url(text: string, label = 'base64url'): Uint8Array {
  if (typeof text !== 'string') {
    throw new ProtocolError(
      ErrorCode.INVALID_ENCODING,
      `${label}: expected string, got ${typeof text}`,
    )
  }
  const len = text.length
  if (len % 4 === 1)
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, `${label}: invalid base64url length ${len}`)
  const out = new Uint8Array(Math.floor((len * 3) / 4))
  // Four characters -> three bytes per step. DECODE is -1 for every byte outside the alphabet,
  // so one sign test covers four characters; code units above 127 are caught by the OR test.
  let o = 0
  let i = 0
  for (const full = len - (len % 4); i < full; i += 4) {
    const c0 = text.charCodeAt(i)
    const c1 = text.charCodeAt(i + 1)
    const c2 = text.charCodeAt(i + 2)
    const c3 = text.charCodeAt(i + 3)
    const v0 = DECODE[c0 & 127]!
    const v1 = DECODE[c1 & 127]!
    const v2 = DECODE[c2 & 127]!
    const v3 = DECODE[c3 & 127]!
    if ((v0 | v1 | v2 | v3) < 0 || (c0 | c1 | c2 | c3) > 127) badCharacter(text, i, label)
    const n = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3
    out[o++] = n >> 16
    out[o++] = (n >> 8) & 0xff
    out[o++] = n & 0xff
  }
  const rest = len - i
  if (rest > 0) {
    const c0 = text.charCodeAt(i)
    const c1 = text.charCodeAt(i + 1)
    const c2 = rest === 3 ? text.charCodeAt(i + 2) : 0x41 // 'A' decodes to 0
    const v0 = DECODE[c0 & 127]!
    const v1 = DECODE[c1 & 127]!
    const v2 = DECODE[c2 & 127]!
    if ((v0 | v1 | v2) < 0 || (c0 | c1 | c2) > 127) badCharacter(text, i, label)
    const n = (v0 << 18) | (v1 << 12) | (v2 << 6)
    // Canonical form: the bits left over after the last full byte must be zero.
    if ((rest === 2 && (n & 0xffff) !== 0) || (rest === 3 && (n & 0xff) !== 0)) {
      throw new ProtocolError(
        ErrorCode.INVALID_ENCODING,
        `${label}: non-canonical base64url trailing bits`,
      )
    }
    out[o++] = n >> 16
    if (rest === 3) out[o++] = (n >> 8) & 0xff
  }
  return out
}

/**
 * Whether `text` is exactly `toBase64url(bytes)`, without building that string (the identifier
 * check of every received resource). Time depends only on the lengths.
 */
export function equalsBase64url(bytes: Uint8Array, text: string): boolean {
  const len = bytes.length
  if (typeof text !== 'string' || text.length !== Math.ceil((len * 4) / 3)) return false
  let diff = 0
  let o = 0
  let i = 0
  for (; i + 2 < len; i += 3, o += 4) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    diff |= text.charCodeAt(o) ^ CODES[n >> 18]!
    diff |= text.charCodeAt(o + 1) ^ CODES[(n >> 12) & 63]!
    diff |= text.charCodeAt(o + 2) ^ CODES[(n >> 6) & 63]!
    diff |= text.charCodeAt(o + 3) ^ CODES[n & 63]!
  }
  const rest = len - i
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0)
    diff |= text.charCodeAt(o) ^ CODES[n >> 18]!
    diff |= text.charCodeAt(o + 1) ^ CODES[(n >> 12) & 63]!
    if (rest === 2) diff |= text.charCodeAt(o + 2) ^ CODES[(n >> 6) & 63]!
  }
  return diff === 0
}

/** Name the first invalid character at or after `from` (slow path, errors only). */
function badCharacter(text: string, from: number, label: string): never {
  let at = from
  while (at < text.length) {
    const c = text.charCodeAt(at)
    if (c >= 128 || DECODE[c]! < 0) break
    at++
  }
  throw new ProtocolError(
    ErrorCode.INVALID_ENCODING,
    `${label}: invalid base64url character at ${at}`,
  )
}

/** Decode base64url and require an exact byte length. @throws INVALID_ENCODING */
export function fromBase64urlExact(text: string, length: number, label: string): Uint8Array {
  const bytes = fromBase64url(text, label)
  if (bytes.length !== length) {
    throw new ProtocolError(
      ErrorCode.INVALID_ENCODING,
      `${label}: expected ${length} bytes, got ${bytes.length}`,
    )
  }
  return bytes
}

/** Encode bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16)
  return out
}

/** Decode lowercase or uppercase hex. @throws INVALID_ENCODING */
export function fromHex(hex: string, label = 'hex'): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, `${label}: invalid hex`)
  }
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** UTF-8 encode a string. Lone surrogates are rejected so encoding is injective. @throws INVALID_ENCODING */
export function utf8(text: string): Uint8Array {
  if (!isWellFormed(text))
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, 'string: lone surrogate')
  return encoder.encode(text)
}

/** Strict UTF-8 decode: invalid sequences are an error, never U+FFFD. @throws INVALID_ENCODING */
export function fromUtf8(bytes: Uint8Array, label = 'utf-8'): string {
  try {
    return decoder.decode(bytes)
  } catch (cause) {
    throw new ProtocolError(ErrorCode.INVALID_ENCODING, `${label}: invalid UTF-8`, { cause })
  }
}

/**
 * A flat copy of `text` that holds no reference to a larger string. JSON parsing hands out
 * strings as slices of the whole text (V8 sliced strings), so a kept 86-character id can keep a
 * whole resource's text alive; anything cached or held for long copies what it keeps with this.
 * A string with a lone surrogate (never an id or base64url) is returned as it is.
 */
export function detachedString(text: string): string {
  return isWellFormed(text) ? decoder.decode(encoder.encode(text)) : text
}

/** `String.prototype.isWellFormed` (ES2024) where the engine has it: native, no loop in JS. */
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean })
  .isWellFormed

/** True when the string has no lone UTF-16 surrogate. */
export function isWellFormed(text: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(text) : isWellFormedLoop(text)
}

/** The same check in JS, for engines without `isWellFormed` (exported for the tests that compare). */
export function isWellFormedLoop(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1)
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) return false
  }
  return true
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0
  for (const p of parts) len += p.length
  const out = new Uint8Array(len)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * Constant-time equality of two byte arrays (time depends only on the lengths).
 * Use for MACs, tokens and anything an attacker could probe byte by byte.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/** Constant-time equality of two ASCII strings (tokens); time depends only on the lengths. */
export function equalStrings(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
