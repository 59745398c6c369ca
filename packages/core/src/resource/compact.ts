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
import { LIMITS } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import { parseCanonical, sortedKeys } from '../json.js'
import type { Json, JsonObject } from '../json.js'
import { Reader } from './compact-decode.js'
import {
  ByteSink,
  COMPACT_MAGIC,
  COMPACT_VERSION,
  DICT,
  MAX_TEXTS,
  SCRATCH_MAX,
  T,
  TIME_ORIGIN,
  bad,
  isStrictBase64url,
  nestedJson,
  timestampOf,
} from './compact-tags.js'
import type { CompactHash } from './compact-tags.js'
import { takeCompact } from './signed-parts.js'

export { COMPACT_MAGIC, COMPACT_VERSION } from './compact-tags.js'
export type { CompactHash } from './compact-tags.js'

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
  const signed = takeCompact(json)
  if (signed) return signed
  const value = parseCanonical(fromUtf8(json))
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    bad('a resource is a JSON object')
  const w = new Writer(json.length)
  w.byte(COMPACT_MAGIC)
  w.byte(COMPACT_VERSION)
  encodeValue(provider, w, value, 0)
  return w.done()
}

/** The parts of a signed resource's canonical text (resource.md §1), as signResource has them. */
export interface SignedParts {
  readonly version: string
  /** The inner container as the receiver's parse of the payload's text gives it. */
  readonly container: JsonObject
  /** Each signature's protected header (parsed) and its 64 bytes, in order. */
  readonly signatures: readonly { readonly header: JsonObject; readonly signature: Uint8Array }[]
}

/**
 * The compact text of a resource from its parts (signResource, which remembers it for
 * {@link encodeCompactResource}: signed-parts.ts): exactly what encoding its JSON text gives (a
 * property test holds them equal), without parsing that text again. Each step is the one
 * {@link encodeObject} takes on the parsed text: the identifier is derived by construction, the
 * payload and each protected header are base64url of canonical JSON objects (nested texts), and
 * a signature is bytes unless they happen to be such a text.
 * @throws INVALID_ENCODING as encodeCompactResource would on the text
 */
export function encodeSigned(provider: CompactHash, p: SignedParts, hint: number): Uint8Array {
  const w = new Writer(hint)
  w.byte(COMPACT_MAGIC)
  w.byte(COMPACT_VERSION)
  w.byte(T.object)
  w.varint(2)
  encodeString(provider, w, 'sdmp', 0)
  encodeValue(provider, w, { schemas: ['signature'], version: p.version }, 0)
  encodeString(provider, w, 'signature', 0)
  w.byte(T.object)
  w.varint(3)
  encodeString(provider, w, 'identifier', 0)
  w.byte(T.identifier)
  encodeString(provider, w, 'payload', 0)
  w.byte(T.json)
  encodeObject(provider, w, p.container, 1)
  encodeString(provider, w, 'signatures', 0)
  w.byte(T.array)
  w.varint(p.signatures.length)
  for (const s of p.signatures) {
    w.byte(T.object)
    w.varint(2)
    encodeString(provider, w, 'protected', 0)
    w.byte(T.json)
    encodeObject(provider, w, s.header, 1)
    encodeString(provider, w, 'signature', 0)
    encodeBytes(provider, w, s.signature, 0)
  }
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
  const out = r.text()
  if (r.at !== bytes.length) bad('trailing bytes')
  if (out.length > LIMITS.maxResourceBytes)
    throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'compact: resource too large')
  return out
}

// ---------------------------------------------------------------------------------------------
// Encoder

/**
 * Reused by every {@link Writer}: encoding is synchronous and never nests a second Writer, so
 * one buffer serves all calls. A fresh buffer per call cost as much as the rest of encoding a
 * short resource (an off-heap allocation, zeroed; docs/load.md §5 "Eighth pass"). Kept at most
 * SCRATCH_MAX: a larger text gets a buffer of its own, so a 1 MiB resource does not pin 1 MiB.
 */
let scratch: Uint8Array = new Uint8Array(4096)

class Writer extends ByteSink {
  constructor(hint: number) {
    if (hint > scratch.length && hint <= SCRATCH_MAX) scratch = new Uint8Array(hint)
    super(hint <= scratch.length ? scratch : new Uint8Array(hint))
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
  /** The bytes written, copied out of the shared buffer (kept for the next call if it grew). */
  done(): Uint8Array {
    if (this.buf.length > scratch.length && this.buf.length <= SCRATCH_MAX) scratch = this.buf
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
  const keys = sortedKeys(o)
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
  if (isStrictBase64url(s)) return encodeBytes(provider, w, fromBase64url(s), texts)
  w.byte(T.string)
  lengthPrefixed(w, utf8(s))
}

/** The bytes of a strict base64url string that is not a dictionary word: a nested text or bytes. */
function encodeBytes(provider: CompactHash, w: Writer, b: Uint8Array, texts: number): void {
  const nested = texts + 1 < MAX_TEXTS ? nestedJson(b) : undefined
  if (nested !== undefined) {
    w.byte(T.json)
    return encodeObject(provider, w, nested, texts + 1)
  }
  w.byte(T.bytes)
  lengthPrefixed(w, b)
}

function lengthPrefixed(w: Writer, b: Uint8Array): void {
  w.varint(b.length)
  w.raw(b)
}
