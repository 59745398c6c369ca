/**
 * The decoder of the compact form (docs/protocol/compact.md §3-§4): writes the canonical JSON
 * text as UTF-8 bytes directly, refusing any input the encoder would not produce, with every
 * length bounded by the input and the decoded leaves by a budget.
 *
 * It builds bytes, not strings: a string-building decoder spent about a third of its time
 * flattening and UTF-8 encoding the texts it had concatenated, three times per resource (the
 * payload's text to base64url it, the payload to hash it, the whole text at the end; docs/load.md
 * §5 "Eighth pass"). Each level of base64url-in-JSON nesting (the outer text, the payload and
 * protected header texts) is written to a buffer of its own, then base64url'd into its parent.
 * @module
 */
import {
  base64urlLength,
  equalBytes,
  fromUtf8,
  toBase64url,
  utf8,
  writeBase64url,
} from '../bytes.js'
import { LIMITS } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { COMPACT_DICT_V1 } from './compact-dict.js'
import {
  ByteSink,
  DICT,
  MAX_TEXTS,
  SCRATCH_MAX,
  T,
  TIME_MAX,
  TIME_ORIGIN,
  bad,
  isStrictBase64url,
  nestedJson,
  timestampOf,
} from './compact-tags.js'
import type { CompactHash } from './compact-tags.js'

/** Each dictionary word as the JSON string it stands for, UTF-8 (compact.md §3). */
const DICT_JSON = COMPACT_DICT_V1.map((w) => utf8(JSON.stringify(w)))
/** Base64url of more bytes than this is longer than every dictionary word. */
const DICT_MAX_BYTES = Math.ceil((Math.max(...COMPACT_DICT_V1.map((w) => w.length)) * 3) / 4)
/** The derived identifier: base64url of a SHA-512 digest (resource.md §5). */
const ID_CHARS = 86

const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a

/**
 * A growable byte buffer for one level of text. The buffers are kept between calls (decoding
 * is synchronous and never nests a second decode), up to SCRATCH_MAX each.
 */
class Text extends ByteSink {
  constructor() {
    super(new Uint8Array(1024))
  }
  /** A string known to be ASCII (numbers, timestamps). */
  ascii(s: string): void {
    this.room(s.length)
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = s.charCodeAt(i)
  }
  base64url(b: Uint8Array): void {
    this.room(base64urlLength(b.length))
    this.n = writeBase64url(b, this.buf, this.n)
  }
}
const texts: Text[] = Array.from({ length: MAX_TEXTS }, () => new Text())

/** A cursor over one compact text. */
export class Reader {
  at: number
  /** Decoded leaf characters still allowed (compact.md §3.2). */
  private budget = 4 * LIMITS.maxResourceBytes
  /**
   * Where the content of the last string written lies: `[rawStart, rawEnd)` of its text's
   * buffer, or `rawInput`, the input's UTF-8 bytes of a `T.string` (the text holds it escaped).
   */
  private rawStart = 0
  private rawEnd = 0
  private rawInput: Uint8Array | undefined
  /** The last string decoded as a JS string (keys; undefined for bytes and nested texts). */
  private lastString: string | undefined

  constructor(
    private readonly provider: CompactHash,
    private readonly b: Uint8Array,
    at: number,
  ) {
    this.at = at
  }

  /** The outermost value as canonical JSON bytes (a copy: the buffers are reused). */
  text(): Uint8Array {
    const out = texts[0]!
    out.n = 0
    try {
      this.value(0, 0)
      return out.buf.slice(0, out.n)
    } finally {
      for (const t of texts) if (t.buf.length > SCRATCH_MAX) t.buf = new Uint8Array(1024)
    }
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

  /** An ASCII scalar leaf, spent and written. */
  private scalar(out: Text, s: string): void {
    this.spend(s.length)
    out.ascii(s)
  }

  /**
   * One value as canonical JSON, written to text level `level`. `depth` counts JSON nesting of
   * that text. The budget counts leaves only (strings, scalars; a nested text's base64url
   * once), not the composite texts that repeat them, so a legitimate 1 MiB resource spends
   * about 2 MiB.
   */
  private value(depth: number, level: number): void {
    const out = texts[level]!
    const tag = this.byte()
    switch (tag) {
      case T.null:
        return this.scalar(out, 'null')
      case T.false:
        return this.scalar(out, 'false')
      case T.true:
        return this.scalar(out, 'true')
      case T.uint:
        return this.scalar(out, String(this.varint()))
      case T.negint: {
        const n = this.varint()
        if (n >= Number.MAX_SAFE_INTEGER) bad('integer out of range')
        return this.scalar(out, String(-n - 1))
      }
      case T.number: {
        const text = fromUtf8(this.take(this.count()), 'compact number')
        const n = Number(text)
        if (!Number.isFinite(n) || Number.isSafeInteger(n) || JSON.stringify(n) !== text)
          bad('non-canonical number')
        return this.scalar(out, text)
      }
      case T.array: {
        if (depth >= LIMITS.maxDepth) bad(`nesting deeper than ${LIMITS.maxDepth}`)
        const n = this.count()
        out.byte(0x5b) // [
        for (let i = 0; i < n; i++) {
          if (i) out.byte(COMMA)
          this.value(depth + 1, level)
        }
        return out.byte(0x5d) // ]
      }
      case T.object:
        return this.object(depth, level)
      default:
        this.at--
        this.string(level)
    }
  }

  private object(depth: number, level: number): void {
    if (depth >= LIMITS.maxDepth) bad(`nesting deeper than ${LIMITS.maxDepth}`)
    const out = texts[level]!
    const n = this.count()
    let previous: string | undefined
    /** Offset of the derived identifier's 86 characters, once its placeholder is written. */
    let derived = -1
    let payload: (() => Uint8Array) | undefined
    let literalId: Uint8Array | undefined
    out.byte(0x7b) // {
    for (let i = 0; i < n; i++) {
      if (i) out.byte(COMMA)
      this.string(level)
      const k = this.keyText(out)
      if (k === '__proto__') bad('__proto__ key')
      if (previous !== undefined && !(previous < k)) bad('object keys not in canonical order')
      previous = k
      out.byte(COLON)
      if (this.b[this.at] === T.identifier) {
        if (k !== 'identifier') bad('derived value outside identifier')
        this.at++
        out.room(ID_CHARS + 2)
        out.byte(QUOTE)
        derived = out.n
        out.n += ID_CHARS
        out.byte(QUOTE)
        continue
      }
      if (!this.isStringTag(this.at)) {
        this.value(depth + 1, level)
        continue
      }
      const tag = this.string(level)
      if (k === 'payload') payload = this.rawOf(out)
      // A T.string is never strict base64url (refused below), so never a digest.
      if (k === 'identifier' && tag !== T.string && this.rawEnd - this.rawStart === ID_CHARS)
        literalId = out.buf.slice(this.rawStart, this.rawEnd)
    }
    out.byte(0x7d) // }
    if (derived >= 0) {
      if (payload === undefined) bad('derived identifier without a payload')
      this.spend(ID_CHARS)
      writeBase64url(this.provider.sha512(payload!()), out.buf, derived)
    } else if (literalId !== undefined && payload !== undefined) {
      const id = new Uint8Array(ID_CHARS)
      writeBase64url(this.provider.sha512(payload()), id, 0)
      if (equalBytes(id, literalId)) bad('identifier not derived')
    }
  }

  /** The key just written (the last string) as a JS string. */
  private keyText(out: Text): string {
    if (this.lastString !== undefined) return this.lastString
    // Bytes and nested texts: base64url, ASCII, in the text between the quotes.
    return fromUtf8(out.buf.subarray(this.rawStart, this.rawEnd))
  }

  /**
   * The UTF-8 content of the string just written, as a function of the final buffer: it is read
   * after later members are written, which may have moved the buffer.
   */
  private rawOf(out: Text): () => Uint8Array {
    const input = this.rawInput
    if (input !== undefined) return () => input
    const start = this.rawStart
    const end = this.rawEnd
    return () => out.buf.subarray(start, end)
  }

  private isStringTag(at: number): boolean {
    const t = this.b[at]
    return t === T.string || t === T.dict || t === T.bytes || t === T.json || t === T.time
  }

  /**
   * A string value (any of the string encodings), checked canonical and written as a JSON
   * string to text `level`; returns its tag. Sets where its content lies (rawStart, rawEnd,
   * rawInput) and, except for bytes and nested texts, `lastString`.
   */
  private string(level: number): number {
    const out = texts[level]!
    const tag = this.byte()
    this.rawInput = undefined
    this.lastString = undefined
    switch (tag) {
      case T.dict: {
        const code = this.byte()
        const s = COMPACT_DICT_V1[code]
        if (s === undefined) bad('unknown dictionary entry')
        this.spend(s!.length)
        this.lastString = s
        this.rawStart = out.n + 1
        out.raw(DICT_JSON[code]!)
        this.rawEnd = out.n - 1
        return tag
      }
      case T.time: {
        const v = this.varint()
        if (v > TIME_MAX - TIME_ORIGIN) bad('timestamp out of range')
        const s = new Date(v + TIME_ORIGIN).toISOString()
        this.spend(s.length)
        this.lastString = s
        this.openQuote(out)
        out.ascii(s)
        this.closeQuote(out)
        return tag
      }
      case T.string: {
        const raw = this.take(this.count())
        const s = fromUtf8(raw, 'compact string')
        if (DICT.has(s) || timestampOf(s) !== undefined || isStrictBase64url(s))
          bad('string has a shorter encoding')
        this.spend(s.length)
        this.lastString = s
        this.rawInput = raw
        if (plainJsonString(raw)) {
          out.byte(QUOTE)
          out.raw(raw)
          out.byte(QUOTE)
        } else out.raw(utf8(JSON.stringify(s)))
        return tag
      }
      case T.bytes: {
        const n = this.count()
        if (n === 0) bad('empty bytes')
        const b = this.take(n)
        if (n <= DICT_MAX_BYTES && DICT.has(toBase64url(b))) bad('bytes of a dictionary string')
        if (level + 1 < MAX_TEXTS && nestedJson(b) !== undefined) bad('bytes of a JSON text')
        this.spend(base64urlLength(n))
        this.openQuote(out)
        out.base64url(b)
        this.closeQuote(out)
        return tag
      }
      case T.json: {
        if (level + 1 >= MAX_TEXTS) bad('JSON texts nested too deep')
        if (this.b[this.at] !== T.object) bad('nested JSON is an object')
        this.at++
        const inner = texts[level + 1]!
        inner.n = 0
        this.object(0, level + 1)
        const text = inner.buf.subarray(0, inner.n)
        this.spend(base64urlLength(text.length))
        this.openQuote(out)
        out.base64url(text)
        this.closeQuote(out)
        this.lastString = undefined
        this.rawInput = undefined
        return tag
      }
      default:
        return bad(`unknown tag 0x${tag.toString(16).padStart(2, '0')}`)
    }
  }

  /** Open a JSON string whose content is written next ({@link closeQuote} ends it). */
  private openQuote(out: Text): void {
    out.byte(QUOTE)
    this.rawStart = out.n
  }

  private closeQuote(out: Text): void {
    this.rawEnd = out.n
    out.byte(QUOTE)
  }
}

/**
 * Whether valid UTF-8 `raw` is its own JSON string content: no byte JSON.stringify escapes
 * (controls, quote, backslash; strict UTF-8 holds no lone surrogate to escape).
 */
function plainJsonString(raw: Uint8Array): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c < 0x20 || c === QUOTE || c === 0x5c) return false
  }
  return true
}
