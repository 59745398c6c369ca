/**
 * Shared pieces of the compact form (docs/protocol/compact.md §2-§3): the tags, the timestamp
 * origin, the dictionary lookup and the string classifiers that decide which encoding a string
 * gets. The encoder (compact.ts) and the decoder (compact-decode.ts) use the same ones, which is
 * what makes every JSON text have exactly one compact text.
 * @module
 */
import { fromUtf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { parseCanonical } from '../json.js'
import type { Json } from '../json.js'
import { COMPACT_DICT_V1 } from './compact-dict.js'
/** What the codec needs of a crypto provider: SHA-512, for the derived identifier (§3). */
export type CompactHash = Pick<CryptoProvider, 'sha512'>

/** First byte of every compact text: 0xC1 never starts UTF-8, so never a JSON text. */
export const COMPACT_MAGIC = 0xc1
/** The compact form's version byte (compact.md §2). */
export const COMPACT_VERSION = 1

/** Value tags (compact.md §3). */
export const T = {
  null: 0x00,
  false: 0x01,
  true: 0x02,
  uint: 0x03,
  negint: 0x04,
  number: 0x05,
  string: 0x06,
  dict: 0x07,
  bytes: 0x08,
  json: 0x09,
  time: 0x0a,
  array: 0x0b,
  object: 0x0c,
  identifier: 0x0d,
} as const

/** ms of 0000-01-01T00:00:00.000Z; timestamps are stored as ms minus this (compact.md §3). */
export const TIME_ORIGIN = -62167219200000
/** 9999-12-31T23:59:59.999Z. */
export const TIME_MAX = 253402300799999
/** The shape of a timestamp (encoding.md §5). */
export const TIME_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
/** The base64url alphabet. */
export const B64U_RE = /^[A-Za-z0-9_-]+$/
/** Dictionary string -> index. */
export const DICT = new Map(COMPACT_DICT_V1.map((s, i) => [s, i]))
/** Maximum nesting of base64url-in-JSON texts (outer, payload, protected: 2 levels used). */
export const MAX_TEXTS = 4

/** Throw INVALID_ENCODING naming the compact form. */
export const bad = (message: string): never => {
  throw new ProtocolError(ErrorCode.INVALID_ENCODING, `compact: ${message}`)
}

/** The ms of a timestamp of encoding.md §5 (exactly `toISOString()`, years 0000-9999). */
export function timestampOf(s: string): number | undefined {
  if (s.length !== 24 || !TIME_RE.test(s)) return undefined
  const ms = Date.parse(s)
  if (!Number.isFinite(ms) || ms < TIME_ORIGIN || ms > TIME_MAX) return undefined
  return new Date(ms).toISOString() === s ? ms : undefined
}

/** Strict base64url of at least one byte (encoding.md §2), without throwing. */
export function isStrictBase64url(s: string): boolean {
  const rest = s.length % 4
  if (s.length < 2 || rest === 1 || !B64U_RE.test(s)) return false
  if (rest === 0) return true
  const c = s.charCodeAt(s.length - 1)
  const v = c >= 97 ? c - 71 : c >= 65 ? c - 65 : c >= 48 ? c + 4 : c === 45 ? 62 : /* '_' */ 63
  return rest === 2 ? (v & 0x0f) === 0 : (v & 0x03) === 0
}

/** The object that `b` is the canonical JSON text of, if it is one. */
export function nestedJson(b: Uint8Array): { [k: string]: Json } | undefined {
  if (b.length < 2 || b[0] !== 0x7b) return undefined
  try {
    const v = parseCanonical(fromUtf8(b))
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined
  } catch {
    return undefined
  }
}

/** The largest buffer the codec keeps between calls; a larger text gets one of its own. */
export const SCRATCH_MAX = 64 * 1024

/**
 * A growable byte buffer: the encoder's Writer (compact.ts) and the decoder's texts
 * (compact-decode.ts) build on it. `buf` may be replaced when it grows; `n` bytes are written.
 */
export class ByteSink {
  n = 0
  constructor(public buf: Uint8Array) {}
  /** Make room for `k` more bytes. */
  room(k: number): void {
    if (this.n + k <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k))
    next.set(this.buf.subarray(0, this.n))
    this.buf = next
  }
  byte(b: number): void {
    this.room(1)
    this.buf[this.n++] = b
  }
  raw(b: Uint8Array): void {
    this.room(b.length)
    this.buf.set(b, this.n)
    this.n += b.length
  }
}
