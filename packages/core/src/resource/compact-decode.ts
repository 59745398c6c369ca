/**
 * The decoder of the compact form (docs/protocol/compact.md §3-§4): builds the canonical JSON
 * text directly, refusing any input the encoder would not produce, with every length bounded
 * by the input and the decoded leaves by a budget.
 * @module
 */
import { fromUtf8, toBase64url, utf8 } from '../bytes.js'
import { LIMITS } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { COMPACT_DICT_V1 } from './compact-dict.js'
import {
  DICT,
  MAX_TEXTS,
  T,
  TIME_MAX,
  TIME_ORIGIN,
  bad,
  isStrictBase64url,
  nestedJson,
  timestampOf,
} from './compact-tags.js'
import type { CompactHash } from './compact-tags.js'
/** A cursor over one compact text. */
export class Reader {
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
        return quoted(tag, this.string(texts))
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
      const tag = this.b[this.at]!
      if (!this.isStringTag(this.at)) {
        values.push(this.value(depth + 1, texts))
        continue
      }
      const raw = this.string(texts)
      values.push(quoted(tag, raw))
      if (k === 'payload') payload = raw
      if (k === 'identifier') literalId = raw
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

/**
 * A decoded string as JSON text. Only UTF-8 strings can hold characters JSON escapes: dictionary
 * words, timestamps and base64url never do, so they are quoted as they are.
 */
function quoted(tag: number, s: string): string {
  return tag === T.string ? JSON.stringify(s) : '"' + s + '"'
}
