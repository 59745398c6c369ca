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
      const keys = Object.keys(v).sort()
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
  if (text.length > maxBytes) {
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `${label}: ${text.length} characters exceeds ${maxBytes}`,
    )
  }
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
  if (isSortedTree(value, 0) && !text.includes('\\ud') && JSON.stringify(value) === text) {
    if (text.includes('"__proto__"')) rejectProtoKeys(value, label)
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
 * True when every object in the tree has its own keys in strictly ascending UTF-16 order (as
 * JSON.parse created them) and nesting stays within the limit. Integer-like keys, which JS
 * orders numerically, simply fall through to the exact slow path.
 */
function isSortedTree(v: Json, depth: number): boolean {
  if (v === null || typeof v !== 'object') return true
  if (depth >= LIMITS.maxDepth) bad(`json: nesting deeper than ${LIMITS.maxDepth}`)
  if (Array.isArray(v)) {
    for (const x of v) if (!isSortedTree(x, depth + 1)) return false
    return true
  }
  let prev: string | undefined
  for (const k in v) {
    if (prev !== undefined && !(prev < k)) return false
    prev = k
    if (!isSortedTree(v[k]!, depth + 1)) return false
  }
  return true
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
  if (text.length > maxBytes) {
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `${label}: ${text.length} characters exceeds ${maxBytes}`,
    )
  }
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
