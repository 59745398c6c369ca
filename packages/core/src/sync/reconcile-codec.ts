/**
 * Byte layout of reconciliation messages (docs/protocol/sync.md §4): a version byte, then ranges
 * (upper bound, mode, payload). The decoder validates every length, order and count and throws
 * coded errors only; the encoder is the {@link RangeWriter} the reconciler fills.
 * @module
 */
import { RECONCILE_VERSION } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { FINGERPRINT_BYTES } from './fingerprint.js'
import { ID_BYTES, ID_CHARS, MAX_BOUND, compareBounds } from './reconcile-storage.js'
import type { Bound } from './reconcile-storage.js'

export { RECONCILE_VERSION }

/** Every version this implementation accepts (negotiation: sync.md §4.1). */
export const RECONCILE_VERSIONS: readonly number[] = Object.freeze([RECONCILE_VERSION])
/** First byte of a reject message, which is never a version. */
export const REJECT_MARKER = 0x00
/** Reason byte of a reject message: the peer's version is not spoken here. */
export const REJECT_UNSUPPORTED_VERSION = 0x01

/** Range modes (sync.md §4.3). */
export const Mode = {
  /** Nothing to do for this range. */
  SKIP: 0,
  /** 16-byte fingerprint of the sender's items in the range. */
  FINGERPRINT: 1,
  /** Id prefixes of all the sender's items in the range; the peer answers with ID_DIFF. */
  ID_LIST: 2,
  /** Answer to an ID_LIST: which listed items the sender lacks, and the ids the peer lacks. */
  ID_DIFF: 3,
  /** Full ids the peer lacks, following an ID_DIFF; needs no answer. */
  IDS: 4,
  /**
   * Last range only, up to the final bound: the sender still owes answers for ranges it was sent
   * but could not fit in this message (sync.md §5.3). The receiver does nothing here but replies.
   */
  DEFER: 5,
} as const
export type Mode = (typeof Mode)[keyof typeof Mode]

/** Shortest and longest id prefix allowed in an ID_LIST (sync.md §4.3). */
export const MIN_PREFIX_BYTES = 4
export const MAX_PREFIX_BYTES = 32

/** One decoded range; its lower bound is the previous range's upper bound (or the minimum). */
export type WireRange =
  | { readonly upper: Bound; readonly mode: typeof Mode.SKIP }
  | {
      readonly upper: Bound
      readonly mode: typeof Mode.FINGERPRINT
      readonly fingerprint: Uint8Array
    }
  | {
      readonly upper: Bound
      readonly mode: typeof Mode.ID_LIST
      readonly prefixLength: number
      readonly count: number
      /** `count` prefixes of `prefixLength` bytes, in non-decreasing byte order. */
      readonly entries: Uint8Array
    }
  | {
      readonly upper: Bound
      readonly mode: typeof Mode.ID_DIFF
      readonly prefixLength: number
      readonly fingerprint: Uint8Array
      readonly bitmapCount: number
      /** Bit i (byte i >> 3, mask 1 << (i & 7)) set: the sender lacks the peer's entry i. */
      readonly bitmap: Uint8Array
      /** 64-byte ids, strictly ascending. */
      readonly ids: Uint8Array
    }
  | { readonly upper: Bound; readonly mode: typeof Mode.IDS; readonly ids: Uint8Array }
  | { readonly upper: Bound; readonly mode: typeof Mode.DEFER }

/** A decoded message: ranges of a spoken version, or a peer's reject. */
export type ReconcileMessage =
  | { readonly kind: 'ranges'; readonly version: number; readonly ranges: readonly WireRange[] }
  | { readonly kind: 'reject'; readonly reason: number; readonly versions: readonly number[] }

const B64URL = /^[A-Za-z0-9_-]*$/
const bad = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/** True when the message obliges the peer to answer (sync.md §4.4). */
export function expectsReply(ranges: readonly WireRange[]): boolean {
  return ranges.some((r) => r.mode !== Mode.SKIP && r.mode !== Mode.IDS)
}

/** The reject answer to a message of an unsupported version (sync.md §4.1). */
export function encodeReject(): Uint8Array {
  return Uint8Array.of(
    REJECT_MARKER,
    REJECT_UNSUPPORTED_VERSION,
    RECONCILE_VERSIONS.length,
    ...RECONCILE_VERSIONS,
  )
}

/** Cursor over untrusted bytes; every read checks the remaining length. */
class Reader {
  pos = 0
  constructor(readonly bytes: Uint8Array) {}
  get left(): number {
    return this.bytes.length - this.pos
  }
  byte(field: string): number {
    if (this.pos >= this.bytes.length) bad(ErrorCode.INVALID_ENCODING, `${field}: truncated`)
    return this.bytes[this.pos++]!
  }
  take(n: number, field: string): Uint8Array {
    if (n > this.left)
      bad(ErrorCode.INVALID_ENCODING, `${field}: expected ${n} bytes, got ${this.left}`)
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  /** Unsigned LEB128, canonical (no redundant trailing zero group), at most 2^53 - 1. */
  varint(field: string): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const b = this.byte(field)
      value += (b & 0x7f) * scale
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) bad(ErrorCode.INVALID_ENCODING, `${field}: non-canonical varint`)
        if (!Number.isSafeInteger(value))
          bad(ErrorCode.INVALID_ENCODING, `${field}: varint above 2^53`)
        return value
      }
      scale *= 128
    }
    return bad(ErrorCode.INVALID_ENCODING, `${field}: varint longer than 8 bytes`)
  }
}

/**
 * Decode and validate one message. Checks: size limit, version, bound encoding and strict
 * order, canonical skips, mode payload lengths, entry and id order, bitmap padding.
 * @throws LIMIT_EXCEEDED over `maxBytes`; INVALID_ENCODING for malformed bytes; BAD_REQUEST for
 *   well-formed but invalid content (order, modes, lengths out of range)
 */
export function decodeReconcileMessage(bytes: Uint8Array, maxBytes: number): ReconcileMessage {
  if (!(bytes instanceof Uint8Array))
    bad(ErrorCode.INVALID_ENCODING, 'sync message: expected bytes')
  if (bytes.length > maxBytes)
    bad(
      ErrorCode.LIMIT_EXCEEDED,
      `sync message: expected at most ${maxBytes} bytes, got ${bytes.length}`,
    )
  const r = new Reader(bytes)
  const version = r.byte('sync message.version')
  if (version === REJECT_MARKER) {
    const reason = r.byte('sync reject.reason')
    const n = r.byte('sync reject.count')
    if (n === 0 || r.left !== n)
      bad(ErrorCode.INVALID_ENCODING, `sync reject.versions: expected ${n} bytes, got ${r.left}`)
    return { kind: 'reject', reason, versions: [...r.take(n, 'sync reject.versions')] }
  }
  if (!RECONCILE_VERSIONS.includes(version)) return { kind: 'ranges', version, ranges: [] } // the caller answers with a reject
  const ranges: WireRange[] = []
  let prev: Bound | undefined
  let lastCreated = 0
  while (r.left > 0) {
    const at = `sync range ${ranges.length}`
    if (prev?.created === Number.POSITIVE_INFINITY)
      bad(ErrorCode.BAD_REQUEST, `${at}: range after the final bound`)
    const ts = r.varint(`${at}.bound.created`)
    const prefixLength = r.byte(`${at}.bound.prefix`)
    if (prefixLength > ID_CHARS)
      bad(
        ErrorCode.BAD_REQUEST,
        `${at}.bound.prefix: expected at most ${ID_CHARS} characters, got ${prefixLength}`,
      )
    const prefix = new TextDecoder().decode(r.take(prefixLength, `${at}.bound.prefix`))
    if (!B64URL.test(prefix))
      bad(ErrorCode.INVALID_ENCODING, `${at}.bound.prefix: expected base64url characters`)
    let upper: Bound
    if (ts === 0) {
      if (prefixLength !== 0)
        bad(ErrorCode.INVALID_ENCODING, `${at}.bound: the final bound carries no prefix`)
      upper = MAX_BOUND
    } else {
      const created = lastCreated + ts - 1
      if (!Number.isSafeInteger(created))
        bad(ErrorCode.BAD_REQUEST, `${at}.bound.created: above 2^53`)
      upper = { created, prefix }
      lastCreated = created
    }
    if (
      prev !== undefined
        ? compareBounds(upper, prev) <= 0
        : compareBounds(upper, { created: 0, prefix: '' }) <= 0
    )
      bad(ErrorCode.BAD_REQUEST, `${at}.bound: expected bounds in strictly increasing order`)
    const mode = r.varint(`${at}.mode`)
    ranges.push(decodePayload(r, at, upper, mode))
    prev = upper
  }
  for (let i = 0; i < ranges.length; i++) {
    if (ranges[i]!.mode !== Mode.SKIP) continue
    if (i === ranges.length - 1 || ranges[i + 1]!.mode === Mode.SKIP)
      bad(ErrorCode.BAD_REQUEST, `sync range ${i}: redundant skip`)
  }
  return { kind: 'ranges', version, ranges }
}

function decodePayload(r: Reader, at: string, upper: Bound, mode: number): WireRange {
  switch (mode) {
    case Mode.SKIP:
      return { upper, mode }
    case Mode.FINGERPRINT:
      return { upper, mode, fingerprint: r.take(FINGERPRINT_BYTES, `${at}.fingerprint`) }
    case Mode.ID_LIST: {
      const prefixLength = prefixLengthOf(r, at)
      const count = r.varint(`${at}.count`)
      if (count > r.left / prefixLength)
        bad(
          ErrorCode.INVALID_ENCODING,
          `${at}.entries: expected ${count} entries, got ${Math.floor(r.left / prefixLength)}`,
        )
      const entries = r.take(count * prefixLength, `${at}.entries`)
      for (let i = 1; i < count; i++)
        if (compareSlices(entries, (i - 1) * prefixLength, i * prefixLength, prefixLength) > 0)
          bad(ErrorCode.BAD_REQUEST, `${at}.entries: expected non-decreasing order`)
      return { upper, mode, prefixLength, count, entries }
    }
    case Mode.ID_DIFF: {
      const prefixLength = prefixLengthOf(r, at)
      const fingerprint = r.take(FINGERPRINT_BYTES, `${at}.fingerprint`)
      const bitmapCount = r.varint(`${at}.bitmap.count`)
      const bitmapBytes = Math.ceil(bitmapCount / 8)
      if (bitmapBytes > r.left)
        bad(
          ErrorCode.INVALID_ENCODING,
          `${at}.bitmap: expected ${bitmapBytes} bytes, got ${r.left}`,
        )
      const bitmap = r.take(bitmapBytes, `${at}.bitmap`)
      if (bitmapCount % 8 !== 0 && bitmap[bitmapBytes - 1]! >> bitmapCount % 8 !== 0)
        bad(ErrorCode.INVALID_ENCODING, `${at}.bitmap: padding bits must be zero`)
      return {
        upper,
        mode,
        prefixLength,
        fingerprint,
        bitmapCount,
        bitmap,
        ids: decodeIds(r, at, 0),
      }
    }
    case Mode.IDS:
      return { upper, mode, ids: decodeIds(r, at, 1) }
    case Mode.DEFER:
      if (upper.created !== Number.POSITIVE_INFINITY || r.left !== 0)
        bad(ErrorCode.BAD_REQUEST, `${at}: a defer range must be the last, up to the final bound`)
      return { upper, mode }
    default:
      return bad(ErrorCode.BAD_REQUEST, `${at}.mode: expected 0..5, got ${mode}`)
  }
}

function prefixLengthOf(r: Reader, at: string): number {
  const n = r.byte(`${at}.prefixLength`)
  if (n < MIN_PREFIX_BYTES || n > MAX_PREFIX_BYTES)
    bad(
      ErrorCode.BAD_REQUEST,
      `${at}.prefixLength: expected ${MIN_PREFIX_BYTES}..${MAX_PREFIX_BYTES}, got ${n}`,
    )
  return n
}

function decodeIds(r: Reader, at: string, min: number): Uint8Array {
  const count = r.varint(`${at}.ids.count`)
  if (count < min) bad(ErrorCode.BAD_REQUEST, `${at}.ids: expected at least ${min} ids, got 0`)
  if (count > r.left / ID_BYTES)
    bad(
      ErrorCode.INVALID_ENCODING,
      `${at}.ids: expected ${count} ids, got ${Math.floor(r.left / ID_BYTES)}`,
    )
  const ids = r.take(count * ID_BYTES, `${at}.ids`)
  for (let i = 1; i < count; i++)
    if (compareSlices(ids, (i - 1) * ID_BYTES, i * ID_BYTES, ID_BYTES) >= 0)
      bad(ErrorCode.BAD_REQUEST, `${at}.ids: expected strictly ascending ids`)
  return ids
}

/** Byte order of `buf[a .. a+len)` against `buf[b .. b+len)`. */
export function compareSlices(buf: Uint8Array, a: number, b: number, len: number): number {
  for (let i = 0; i < len; i++) {
    const d = buf[a + i]! - buf[b + i]!
    if (d !== 0) return d
  }
  return 0
}

/**
 * Growable message encoder with checkpoints, so a range that would overflow the frame limit can
 * be rolled back and deferred (sync.md §5). Bounds are delta-encoded against the previous one.
 */
export class RangeWriter {
  #buf = new Uint8Array(256)
  #len = 0
  #lastCreated = 0
  constructor(version = RECONCILE_VERSION) {
    this.#byte(version)
  }
  get length(): number {
    return this.#len
  }
  /** A checkpoint to {@link reset} to. */
  mark(): { len: number; lastCreated: number } {
    return { len: this.#len, lastCreated: this.#lastCreated }
  }
  reset(m: { len: number; lastCreated: number }): void {
    this.#len = m.len
    this.#lastCreated = m.lastCreated
  }
  bound(b: Bound): void {
    if (b.created === Number.POSITIVE_INFINITY) {
      this.varint(0)
      this.#byte(0)
      return
    }
    this.varint(b.created - this.#lastCreated + 1)
    this.#lastCreated = b.created
    this.#byte(b.prefix.length)
    for (let i = 0; i < b.prefix.length; i++) this.#byte(b.prefix.charCodeAt(i))
  }
  varint(value: number): void {
    let v = value
    while (v >= 128) {
      this.#byte(v % 128 | 0x80)
      v = Math.floor(v / 128)
    }
    this.#byte(v)
  }
  byte(value: number): void {
    this.#byte(value)
  }
  bytes(data: Uint8Array): void {
    this.#ensure(data.length)
    this.#buf.set(data, this.#len)
    this.#len += data.length
  }
  /** The encoded message (a copy). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len)
  }
  #byte(value: number): void {
    this.#ensure(1)
    this.#buf[this.#len++] = value
  }
  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n))
    next.set(this.#buf.subarray(0, this.#len))
    this.#buf = next
  }
}
