/**
 * The compact resource form (docs/protocol/compact.md): a lossless binary encoding of a
 * resource's canonical JSON text. Strings that are strict base64url travel as their raw bytes,
 * base64url of canonical JSON (the payload, the protected header) as the nested value, known
 * member names as one dictionary byte, timestamps as integers, and the identifier (a function
 * of the payload) not at all. Decoding gives back the exact canonical bytes, so signatures,
 * identifiers and every JSON rule stay as they are: the form changes bytes on the wire and at
 * rest, not what is signed.
 *
 * Every compact text has one encoding: the decoder refuses any input the encoder would not
 * produce (INVALID_ENCODING), bounds every length by the input and the output by
 * `LIMITS.maxResourceBytes` (LIMIT_EXCEEDED), and never recurses deeper than the JSON rules do.
 * @module
 */
import { fromBase64url, fromUtf8, toBase64url, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { LIMITS } from '../domain.js'
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

const T = {
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
const TIME_ORIGIN = -62167219200000
const TIME_MAX = 253402300799999 // 9999-12-31T23:59:59.999Z
const TIME_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const B64U_RE = /^[A-Za-z0-9_-]+$/
const DICT = new Map(COMPACT_DICT_V1.map((s, i) => [s, i]))
/** Maximum nesting of base64url-in-JSON texts (outer, payload, protected: 2 levels used). */
const MAX_TEXTS = 4

const bad = (message: string): never => {
  throw new ProtocolError(ErrorCode.INVALID_ENCODING, `compact: ${message}`)
}

/** True when `bytes` are in the compact form (rather than a JSON text). */
export function isCompactResource(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === COMPACT_MAGIC
}

/**
 * Encode a resource's canonical JSON bytes (resource.md §1) in the compact form.
 * @throws INVALID_ENCODING when `json` is not canonical JSON; LIMIT_EXCEEDED over the size limit
 */
export function encodeCompactResource(provider: CompactHash, json: Uint8Array): Uint8Array {
  if (json.length > LIMITS.maxResourceBytes)
    throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'compact: resource too large')
  const value = parseCanonical(fromUtf8(json))
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    bad('a resource is a JSON object')
  const w = new Writer(json.length)
  w.byte(COMPACT_MAGIC)
  w.byte(COMPACT_VERSION)
  encodeValue(provider, w, value, 0)
  return w.done()
}

/**
 * The canonical JSON bytes of a resource given in either form: compact bytes are decoded,
 * a JSON text is returned as it is (stores and peers of before the compact form).
 * @throws as {@link decodeCompactResource}
 */
export function resourceJsonBytes(provider: CompactHash, bytes: Uint8Array): Uint8Array {
  return isCompactResource(bytes) ? decodeCompactResource(provider, bytes) : bytes
}

/**
 * Decode a compact text to the canonical JSON bytes it stands for (compact.md §4). The result
 * is at most `LIMITS.maxResourceBytes` and canonical JSON by construction; the caller decodes
 * and validates it as any resource.
 * @throws INVALID_ENCODING (malformed or non-canonical input), LIMIT_EXCEEDED (too large)
 */
export function decodeCompactResource(provider: CompactHash, bytes: Uint8Array): Uint8Array {
  if (bytes.length > LIMITS.maxResourceBytes)
    throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'compact: input too large')
  if (bytes.length < 3 || bytes[0] !== COMPACT_MAGIC) bad('missing magic byte')
  if (bytes[1] !== COMPACT_VERSION)
    throw new ProtocolError(
      ErrorCode.UNSUPPORTED_VERSION,
      `compact: version ${bytes[1]} is not supported`,
    )
  const r = new Reader(provider, bytes, 2)
  if (bytes[2] !== T.object) bad('a resource is a JSON object')
  const text = r.value(0, 0)
  if (r.at !== bytes.length) bad('trailing bytes')
  const out = utf8(text)
  if (out.length > LIMITS.maxResourceBytes)
    throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'compact: resource too large')
  return out
}

// ---------------------------------------------------------------------------------------------
// Encoder

class Writer {
  private buf: Uint8Array
  private n = 0
  constructor(hint: number) {
    this.buf = new Uint8Array(Math.max(64, hint))
  }
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k))
    next.set(this.buf.subarray(0, this.n))
    this.buf = next
  }
  byte(b: number): void {
    this.room(1)
    this.buf[this.n++] = b
  }
  varint(v: number): void {
    // unsigned LEB128 of a safe integer; arithmetic, not bitwise (values above 2^32)
    this.room(8)
    while (v >= 0x80) {
      this.buf[this.n++] = v % 0x80 | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buf[this.n++] = v
  }
  raw(b: Uint8Array): void {
    this.room(b.length)
    this.buf.set(b, this.n)
    this.n += b.length
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.n)
  }
}

function encodeValue(provider: CompactHash, w: Writer, v: Json, texts: number): void {
  if (v === null) return w.byte(T.null)
  switch (typeof v) {
    case 'boolean':
      return w.byte(v ? T.true : T.false)
    case 'number':
      if (Number.isSafeInteger(v)) {
        if (v >= 0) {
          w.byte(T.uint)
          return w.varint(v)
        }
        w.byte(T.negint)
        return w.varint(-v - 1)
      }
      w.byte(T.number)
      return lengthPrefixed(w, utf8(JSON.stringify(v)))
    case 'string':
      return encodeString(provider, w, v, texts)
    default:
      if (Array.isArray(v)) {
        w.byte(T.array)
        w.varint(v.length)
        for (const x of v) encodeValue(provider, w, x, texts)
        return
      }
      return encodeObject(provider, w, v, texts)
  }
}

function encodeObject(
  provider: CompactHash,
  w: Writer,
  o: { [k: string]: Json },
  texts: number,
): void {
  const keys = Object.keys(o).sort()
  w.byte(T.object)
  w.varint(keys.length)
  const derived = derivedIdentifier(provider, o)
  for (const k of keys) {
    encodeString(provider, w, k, texts)
    if (k === 'identifier' && derived) w.byte(T.identifier)
    else encodeValue(provider, w, o[k]!, texts)
  }
}

/** Whether `o.identifier` is b64u(SHA-512(ASCII(o.payload))) (resource.md §5). */
function derivedIdentifier(provider: CompactHash, o: { [k: string]: Json }): boolean {
  const id = o['identifier']
  const payload = o['payload']
  if (typeof id !== 'string' || typeof payload !== 'string' || id.length !== 86) return false
  return toBase64url(provider.sha512(utf8(payload))) === id
}

function encodeString(provider: CompactHash, w: Writer, s: string, texts: number): void {
  const d = DICT.get(s)
  if (d !== undefined) {
    w.byte(T.dict)
    return w.byte(d)
  }
  const ms = timestampOf(s)
  if (ms !== undefined) {
    w.byte(T.time)
    return w.varint(ms - TIME_ORIGIN)
  }
  if (isStrictBase64url(s)) {
    const b = fromBase64url(s)
    const nested = texts + 1 < MAX_TEXTS ? nestedJson(b) : undefined
    if (nested !== undefined) {
      w.byte(T.json)
      return encodeObject(provider, w, nested, texts + 1)
    }
    w.byte(T.bytes)
    return lengthPrefixed(w, b)
  }
  w.byte(T.string)
  lengthPrefixed(w, utf8(s))
}

function lengthPrefixed(w: Writer, b: Uint8Array): void {
  w.varint(b.length)
  w.raw(b)
}

/** The ms of a timestamp of encoding.md §5 (exactly `toISOString()`, years 0000-9999). */
function timestampOf(s: string): number | undefined {
  if (s.length !== 24 || !TIME_RE.test(s)) return undefined
  const ms = Date.parse(s)
  if (!Number.isFinite(ms) || ms < TIME_ORIGIN || ms > TIME_MAX) return undefined
  return new Date(ms).toISOString() === s ? ms : undefined
}

/** Strict base64url of at least one byte (encoding.md §2), without throwing. */
function isStrictBase64url(s: string): boolean {
  const rest = s.length % 4
  if (s.length < 2 || rest === 1 || !B64U_RE.test(s)) return false
  if (rest === 0) return true
  const c = s.charCodeAt(s.length - 1)
  const v = c >= 97 ? c - 71 : c >= 65 ? c - 65 : c >= 48 ? c + 4 : c === 45 ? 62 : /* '_' */ 63
  return rest === 2 ? (v & 0x0f) === 0 : (v & 0x03) === 0
}

/** The object that `b` is the canonical JSON text of, if it is one. */
function nestedJson(b: Uint8Array): { [k: string]: Json } | undefined {
  if (b.length < 2 || b[0] !== 0x7b) return undefined
  try {
    const v = parseCanonical(fromUtf8(b))
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Decoder: builds the canonical JSON text directly, checking at each value that the encoder
// would have chosen exactly this encoding.

class Reader {
  at: number
  /** Decoded leaf characters still allowed (compact.md §3.2). */
  private budget = 4 * LIMITS.maxResourceBytes
  constructor(
    private readonly provider: CompactHash,
    private readonly b: Uint8Array,
    at: number,
  ) {
    this.at = at
  }

  private spend(n: number): void {
    this.budget -= n
    if (this.budget < 0)
      throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'compact: decoded text too large')
  }

  private byte(): number {
    if (this.at >= this.b.length) bad('truncated')
    return this.b[this.at++]!
  }

  private varint(): number {
    let v = 0
    let scale = 1
    for (let i = 0; ; i++) {
      if (i === 8) bad('varint too long')
      const c = this.byte()
      v += (c & 0x7f) * scale
      if ((c & 0x80) === 0) {
        if (c === 0 && i > 0) bad('non-minimal varint')
        break
      }
      scale *= 0x80
    }
    if (v > Number.MAX_SAFE_INTEGER) bad('varint out of range')
    return v
  }

  /** A length or count: at most the bytes left (every item takes at least one byte). */
  private count(): number {
    const n = this.varint()
    if (n > this.b.length - this.at) bad('length past the end')
    return n
  }

  private take(n: number): Uint8Array {
    const out = this.b.subarray(this.at, this.at + n)
    this.at += n
    return out
  }

  /**
   * One value as canonical JSON text. `depth` counts JSON nesting of the current text. The
   * budget counts leaves only (strings, scalars; a nested text's base64url once), not the
   * composite texts that repeat them, so a legitimate 1 MiB resource spends about 2 MiB.
   */
  value(depth: number, texts: number): string {
    const tag = this.byte()
    switch (tag) {
      case T.null:
        return this.out('null')
      case T.false:
        return this.out('false')
      case T.true:
        return this.out('true')
      case T.uint:
        return this.out(String(this.varint()))
      case T.negint: {
        const n = this.varint()
        if (n >= Number.MAX_SAFE_INTEGER) bad('integer out of range')
        return this.out(String(-n - 1))
      }
      case T.number: {
        const text = fromUtf8(this.take(this.count()), 'compact number')
        const n = Number(text)
        if (!Number.isFinite(n) || Number.isSafeInteger(n) || JSON.stringify(n) !== text)
          bad('non-canonical number')
        return this.out(text)
      }
      case T.array: {
        if (depth >= LIMITS.maxDepth) bad(`nesting deeper than ${LIMITS.maxDepth}`)
        const n = this.count()
        const parts: string[] = []
        for (let i = 0; i < n; i++) parts.push(this.value(depth + 1, texts))
        return '[' + parts.join(',') + ']'
      }
      case T.object:
        return this.object(depth, texts)
      default:
        this.at--
        return JSON.stringify(this.string(texts))
    }
  }

  private out(s: string): string {
    this.spend(s.length)
    return s
  }

  private object(depth: number, texts: number): string {
    if (depth >= LIMITS.maxDepth) bad(`nesting deeper than ${LIMITS.maxDepth}`)
    const n = this.count()
    const keys: string[] = []
    const values: string[] = []
    let derived = -1
    let payload: string | undefined
    let literalId: string | undefined
    for (let i = 0; i < n; i++) {
      const k = this.string(texts)
      if (k === '__proto__') bad('__proto__ key')
      if (i > 0 && !(keys[i - 1]! < k)) bad('object keys not in canonical order')
      keys.push(k)
      if (this.b[this.at] === T.identifier) {
        if (k !== 'identifier') bad('derived value outside identifier')
        this.at++
        derived = i
        values.push('')
        continue
      }
      const start = this.at
      const v = this.value(depth + 1, texts)
      values.push(v)
      if (k === 'payload' && this.isStringTag(start)) payload = JSON.parse(v) as string
      if (k === 'identifier' && this.isStringTag(start)) literalId = JSON.parse(v) as string
    }
    if (derived >= 0) {
      if (payload === undefined) bad('derived identifier without a payload')
      values[derived] = JSON.stringify(
        this.spent(toBase64url(this.provider.sha512(utf8(payload!)))),
      )
    } else if (
      literalId !== undefined &&
      payload !== undefined &&
      literalId.length === 86 &&
      toBase64url(this.provider.sha512(utf8(payload))) === literalId
    )
      bad('identifier not derived')
    let text = '{'
    for (let i = 0; i < n; i++) text += (i ? ',' : '') + JSON.stringify(keys[i]) + ':' + values[i]
    return text + '}'
  }

  private isStringTag(at: number): boolean {
    const t = this.b[at]
    return t === T.string || t === T.dict || t === T.bytes || t === T.json || t === T.time
  }

  /** A string value (any of the string encodings), checked canonical. */
  private string(texts: number): string {
    const tag = this.byte()
    switch (tag) {
      case T.dict: {
        const s = COMPACT_DICT_V1[this.byte()]
        if (s === undefined) bad('unknown dictionary entry')
        return this.spent(s!)
      }
      case T.time: {
        const v = this.varint()
        if (v > TIME_MAX - TIME_ORIGIN) bad('timestamp out of range')
        return this.spent(new Date(v + TIME_ORIGIN).toISOString())
      }
      case T.string: {
        const s = fromUtf8(this.take(this.count()), 'compact string')
        if (DICT.has(s) || timestampOf(s) !== undefined || isStrictBase64url(s))
          bad('string has a shorter encoding')
        return this.spent(s)
      }
      case T.bytes: {
        const n = this.count()
        if (n === 0) bad('empty bytes')
        const b = this.take(n)
        const s = toBase64url(b)
        if (DICT.has(s)) bad('bytes of a dictionary string')
        if (texts + 1 < MAX_TEXTS && nestedJson(b) !== undefined) bad('bytes of a JSON text')
        return this.spent(s)
      }
      case T.json: {
        if (texts + 1 >= MAX_TEXTS) bad('JSON texts nested too deep')
        if (this.b[this.at] !== T.object) bad('nested JSON is an object')
        this.at++
        const inner = this.object(0, texts + 1)
        return this.spent(toBase64url(utf8(inner)))
      }
      default:
        return bad(`unknown tag 0x${tag.toString(16).padStart(2, '0')}`)
    }
  }

  private spent(s: string): string {
    this.spend(s.length)
    return s
  }
}
