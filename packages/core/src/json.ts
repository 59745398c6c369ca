/**
 * Canonical JSON (RFC 8785, JCS) and strict JSON parsing. Every signed or hashed SDMP object is
 * the JCS form of its value; a decoder accepts only that form, which also rules out duplicate
 * keys and insignificant whitespace. docs/protocol/encoding.md §1.
 * @module
 */
import { isWellFormed } from './bytes.js'
import { ErrorCode, ProtocolError } from './errors.js'
import { LIMITS } from './domain.js'

/** A JSON value as sdmp handles it: no undefined, no functions, finite numbers only. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
/** A JSON object. */
export type JsonObject = { [key: string]: Json }

const bad = (message: string): never => {
  throw new ProtocolError(ErrorCode.INVALID_ENCODING, message)
}

/**
 * Serialize a value in RFC 8785 canonical form: object keys sorted by UTF-16 code units, no
 * whitespace, ECMAScript number and string serialization.
 * @throws INVALID_ENCODING for non-finite numbers, lone surrogates, non-JSON values, or nesting
 * deeper than {@link LIMITS.maxDepth}
 */
export function canonicalize(value: unknown, maxDepth: number = LIMITS.maxDepth): string {
  return write(value, 0, maxDepth)
}

function write(v: unknown, depth: number, maxDepth: number): string {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(v)) bad('json: non-finite number')
      return JSON.stringify(v) // ECMAScript Number::toString is exactly JCS §3.2.2.3
    case 'string':
      if (!isWellFormed(v)) bad('json: lone surrogate in string')
      return JSON.stringify(v)
    case 'object': {
      if (depth >= maxDepth) bad(`json: nesting deeper than ${maxDepth}`)
      if (Array.isArray(v)) {
        let out = '['
        for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + write(v[i], depth + 1, maxDepth)
        return out + ']'
      }
      const proto = Object.getPrototypeOf(v)
      if (proto !== Object.prototype && proto !== null) bad('json: not a plain object')
      const keys = sortedKeys(v)
      let out = '{'
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!
        if (!isWellFormed(k)) bad('json: lone surrogate in key')
        out +=
          (i ? ',' : '') +
          JSON.stringify(k) +
          ':' +
          write((v as Record<string, unknown>)[k], depth + 1, maxDepth)
      }
      return out + '}'
    }
    default:
      return bad(`json: cannot encode ${typeof v}`)
  }
}

/**
 * An object's own keys in JCS order (UTF-16 code units, what `Object.keys(o).sort()` gives),
 * by insertion sort: objects here have a handful of keys, and the built-in sort allocated
 * ~30 KB per message in a sending daemon's encoders (docs/load.md §5 "Seventh pass").
 */
export function sortedKeys(o: object): string[] {
  const keys = Object.keys(o)
  if (keys.length > 32) return keys.sort()
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!
    let j = i - 1
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!
      j--
    }
    keys[j + 1] = k
  }
  return keys
}

/**
 * Parse text that must already be in canonical form. Fast path: native JSON.parse, then the
 * value is re-serialized and compared; any difference (duplicate key, whitespace, escapes,
 * number form, key order) is an error. `__proto__` keys are refused outright.
 * @throws INVALID_ENCODING
 */
export function parseCanonical(
  text: string,
  label = 'json',
  maxBytes: number = LIMITS.maxResourceBytes,
): Json {
  if (typeof text !== 'string') bad(`${label}: expected string, got ${typeof text}`)
  assertTextSize(text, label, maxBytes)
  let value: Json
  try {
    // V8's JSON.parse is iterative: deep nesting costs memory, not stack, and is refused below.
    value = JSON.parse(text) as Json
  } catch {
    return bad(`${label}: not valid JSON`)
  }
  // Fast path (the hot ingest path): if every object's keys are already in UTF-16 order and the
  // native serializer reproduces the text exactly, the text is the RFC 8785 form. Duplicate
  // keys, whitespace, number forms and escapes all make the serializer output differ.
  // Lone surrogates are the one thing JSON.stringify escapes rather than refuses: they appear as
  // a \ud8xx..\udfxx escape in the text and take the slow path, which refuses them.
  // isPlainCanonical proves the same equality without serializing, for text without escapes.
  keyCount = 0
  const tree = sortedTree(value, 0)
  if (
    tree !== UNSORTED &&
    (isPlainCanonical(text, keyCount) || (!text.includes('\\ud') && JSON.stringify(value) === text))
  ) {
    if (tree === SORTED_WITH_PROTO) rejectProtoKeys(value, label)
    return value
  }
  let again: string
  try {
    again = canonicalize(value)
  } catch (e) {
    if (e instanceof ProtocolError)
      throw new ProtocolError(e.code, `${label}: ${e.message.replace(/^json: /, '')}`)
    throw e
  }
  if (again !== text) {
    // Slow path only on failure: say why, which helps implementers of other stacks.
    parseStrict(text, label)
    bad(`${label}: not in canonical form (RFC 8785)`)
  }
  if (text.includes('"__proto__"')) rejectProtoKeys(value, label)
  return value
}

/**
 * The size limit {@link parseCanonical} puts on a text, also checked by a signer that checks its
 * own container without parsing it (resource.ts `decodeBuiltInner`).
 * @throws LIMIT_EXCEEDED
 */
export function assertTextSize(
  text: string,
  label: string,
  maxBytes: number = LIMITS.maxResourceBytes,
): void {
  if (text.length > maxBytes) {
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `${label}: ${text.length} characters exceeds ${maxBytes}`,
    )
  }
}

/**
 * What `parseCanonical(canonicalize(v))` gives for a value {@link canonicalize} accepted, without
 * writing and reading the text: a fresh tree with every object's keys in JCS order and -0 as 0
 * (what the text holds), and an own `__proto__` key refused as the parser refuses it. A signer
 * checks the container it has just serialized by the receiver's rules on this copy instead of
 * parsing its own text again (resource/sign.ts; docs/load.md §5 "Seventeenth pass"); a property
 * test holds the two equal.
 * @throws INVALID_ENCODING for a `__proto__` key
 */
export function canonicalCopy(v: Json, label = 'json'): Json {
  if (v === null || typeof v !== 'object') return v === 0 ? 0 : v
  if (Array.isArray(v)) {
    const out: Json[] = new Array<Json>(v.length)
    for (let i = 0; i < v.length; i++) out[i] = canonicalCopy(v[i]!, label)
    return out
  }
  const out: JsonObject = {}
  for (const k of sortedKeys(v)) {
    if (k === '__proto__') bad(`${label}: forbidden key __proto__`)
    out[k] = canonicalCopy(v[k]!, label)
  }
  return out
}

const UNSORTED = 0
const SORTED = 1
/** Sorted, and some object has an own `__proto__` key (refused by the caller). */
const SORTED_WITH_PROTO = 3 // SORTED | 2

/**
 * Whether every object in the tree has its own keys in strictly ascending UTF-16 order (as
 * JSON.parse created them), noting any `__proto__` key on the way; refuses nesting beyond the
 * limit. Integer-like keys, which JS orders numerically, simply fall through to the exact slow
 * path. Counts the keys it sees into `keyCount`, for {@link isPlainCanonical}.
 */
function sortedTree(v: Json, depth: number): number {
  if (v === null || typeof v !== 'object') return SORTED
  if (depth >= LIMITS.maxDepth) bad(`json: nesting deeper than ${LIMITS.maxDepth}`)
  let result = SORTED
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = sortedTree(v[i]!, depth + 1)
      if (r === UNSORTED) return UNSORTED
      result |= r
    }
    return result
  }
  let prev: string | undefined
  for (const k in v) {
    if (prev !== undefined && !(prev < k)) return UNSORTED
    prev = k
    keyCount++
    if (k === '__proto__') result = SORTED_WITH_PROTO
    const r = sortedTree(v[k]!, depth + 1)
    if (r === UNSORTED) return UNSORTED
    result |= r
  }
  return result
}

/** Object keys counted by the last {@link sortedTree} walk. */
let keyCount = 0
/** Digits, '.', 'e', 'E', '+', '-': the characters of a JSON number token. */
const isNumberChar = (d: number): boolean =>
  (d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d
/** Text that only the serializer can judge: any escape, any surrogate code unit. */
const NEEDS_SERIALIZER = /[\\\uD800-\uDFFF]/

/**
 * A cheaper proof of `JSON.stringify(JSON.parse(text)) === text` for the common case, used after
 * a successful parse and {@link sortedTree}. When the text has no escape and no surrogate, every
 * string serializes verbatim; then the text is the serializer's output exactly when it has no
 * whitespace, every number is in ECMAScript form, no key is integer-like (those are enumerated
 * out of text order) and no key is repeated (`keys`, counted on the parsed tree, equals the
 * number of keys in the text). False means "not proven": the caller asks the serializer.
 */
function isPlainCanonical(text: string, keys: number): boolean {
  if (NEEDS_SERIALIZER.test(text)) return false
  const n = text.length
  let seen = 0
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      const end = text.indexOf('"', i + 1) // no backslash: the next quote closes the string
      if (text.charCodeAt(end + 1) === 0x3a) {
        // an integer-like key is enumerated before the others, whatever the text order
        const first = text.charCodeAt(i + 1)
        if (first >= 0x30 && first <= 0x39) return false
        seen++
        i = end + 2
      } else i = end + 1
    } else if (c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x2c) {
      i++
    } else if (c === 0x74 || c === 0x6e) {
      i += 4 // true, null (the text parsed)
    } else if (c === 0x66) {
      i += 5 // false
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1
      while (j < n && isNumberChar(text.charCodeAt(j))) j++
      const token = text.slice(i, j)
      if (String(Number(token)) !== token) return false
      i = j
    } else return false // whitespace or anything else: not proven
  }
  return seen === keys
}

function rejectProtoKeys(v: Json, label: string): void {
  if (v === null || typeof v !== 'object') return
  if (Array.isArray(v)) return v.forEach((x) => rejectProtoKeys(x, label))
  for (const k of Object.keys(v)) {
    if (k === '__proto__') bad(`${label}: forbidden key __proto__`)
    rejectProtoKeys(v[k]!, label)
  }
}

/** Count bracket nesting outside strings; refuse anything deeper than the limit. */
function checkDepth(text: string, label: string, maxDepth: number = LIMITS.maxDepth): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) bad(`${label}: nesting deeper than ${maxDepth}`)
    } else if (c === 0x7d || c === 0x5d) depth--
  }
}

/**
 * Parse JSON that need not be canonical (HTTP bodies, config, invites) but must be strict:
 * no duplicate keys, no `__proto__` keys, bounded depth and size, well-formed strings.
 * Objects are created with a null prototype's safety but returned as plain objects.
 * @throws INVALID_ENCODING, LIMIT_EXCEEDED
 */
export function parseStrict(
  text: string,
  label = 'json',
  maxBytes: number = LIMITS.maxResourceBytes,
): Json {
  if (typeof text !== 'string') bad(`${label}: expected string, got ${typeof text}`)
  assertTextSize(text, label, maxBytes)
  checkDepth(text, label)
  // Native parse validates the grammar; a reviver-free key scan then finds duplicates.
  let value: Json
  try {
    value = JSON.parse(text) as Json
  } catch {
    return bad(`${label}: not valid JSON`)
  }
  scanKeys(text, label)
  return value
}

/**
 * Walk the (already grammatical) text and check each object's keys for duplicates and
 * `__proto__`. Keys are compared after unescaping, as JSON.parse would see them.
 */
function scanKeys(text: string, label: string): void {
  const stack: (Set<string> | null)[] = []
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"') {
      let j = i + 1
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const top = stack[stack.length - 1]
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string
        if (!isWellFormed(key)) bad(`${label}: lone surrogate in key`)
        if (key === '__proto__') bad(`${label}: forbidden key __proto__`)
        if (top.has(key)) bad(`${label}: duplicate key ${JSON.stringify(key.slice(0, 64))}`)
        top.add(key)
        expectKey = false
      } else {
        const s = JSON.parse(text.slice(i, j + 1)) as string
        if (!isWellFormed(s)) bad(`${label}: lone surrogate in string`)
      }
      i = j
    } else if (c === '{') {
      stack.push(new Set())
      expectKey = true
    } else if (c === '[') stack.push(null)
    else if (c === '}' || c === ']') stack.pop()
    else if (c === ',') expectKey = stack[stack.length - 1] != null
  }
}

/** Narrow a JSON value to an object (not array, not null). @throws SCHEMA_VIOLATION */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
