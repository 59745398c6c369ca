/**
 * Labelled validators for untrusted schema data (HOUSE-STYLE: name the field, state expected vs
 * received type or size, never echo the value). Each returns the narrowed value.
 * @module
 */
import { LIMITS } from '../domain.js'
import { ErrorCode, ProtocolError } from '../errors.js'
import type { Json, JsonObject } from '../json.js'

const DIGEST = /^[A-Za-z0-9_-]{86}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Raise a SCHEMA_VIOLATION naming the field. */
export function violation(label: string, message: string): never {
  throw new ProtocolError(ErrorCode.SCHEMA_VIOLATION, `${label}: ${message}`)
}

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

/**
 * Require a JSON object whose keys are all in `required` or `optional`, with every `required`
 * key present. Unknown keys are an error: the profile allows no unsigned or unlisted data.
 */
export function assertObject(
  v: unknown,
  label: string,
  required: readonly string[],
  optional: readonly string[] = [],
): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    violation(label, `expected object, got ${kind(v)}`)
  const o = v as JsonObject
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k))
      violation(label, `unexpected property ${JSON.stringify(k.slice(0, 64))}`)
  }
  for (const k of required) if (!(k in o)) violation(label, `missing property ${k}`)
  return o
}

/** A well-formed string of 1..max characters. */
export function assertString(
  v: unknown,
  label: string,
  max: number = LIMITS.maxStringChars,
  min = 1,
): string {
  if (typeof v !== 'string') violation(label, `expected string, got ${kind(v)}`)
  if (v.length < min || v.length > max)
    violation(label, `expected ${min}..${max} characters, got ${v.length}`)
  // No lone-surrogate scan here: every value reaching a schema validator comes out of
  // parseCanonical over strictly decoded UTF-8, which already refuses lone surrogates.
  return v
}

/** An 86-character base64url SHA-512 digest (fingerprint, identifier, journal line id). */
export function assertDigest(v: unknown, label: string): string {
  if (typeof v !== 'string' || !DIGEST.test(v)) {
    violation(
      label,
      `expected 86-character base64url digest, got ${typeof v === 'string' ? `${v.length} characters` : kind(v)}`,
    )
  }
  return v
}

/** An RFC 3339 UTC timestamp with milliseconds (`toISOString()` form); returns epoch ms. */
export function assertTimestamp(v: unknown, label: string): number {
  if (typeof v !== 'string' || !TIMESTAMP.test(v))
    violation(label, 'expected timestamp YYYY-MM-DDTHH:MM:SS.sssZ')
  const year = digits(v, 0, 4)
  const month = digits(v, 5, 7)
  const day = digits(v, 8, 10)
  const hour = digits(v, 11, 13)
  const minute = digits(v, 14, 16)
  const second = digits(v, 17, 19)
  // Reject impossible dates (2026-02-30, 24:00, leap seconds): exactly one text per instant.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const short = month === 4 || month === 6 || month === 9 || month === 11
  const days = month === 2 ? (leap ? 29 : 28) : short ? 30 : 31
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) {
    violation(label, 'not a valid date')
  }
  // Date.UTC maps years 0..99 to 1900..1999; Date.parse reads the four digits as written.
  return year < 100
    ? Date.parse(v)
    : Date.UTC(year, month - 1, day, hour, minute, second, digits(v, 20, 23))
}

/** The decimal value of `s[from..to)`, already known to be ASCII digits. */
function digits(s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) n = n * 10 + s.charCodeAt(i) - 48
  return n
}

/** One of a fixed set of strings. */
export function assertEnum<T extends string>(v: unknown, label: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
    violation(label, `expected one of ${values.join(', ')}`)
  return v as T
}

/** An array of length min..max whose items pass `item`. */
export function assertArray<T>(
  v: unknown,
  label: string,
  item: (x: Json, label: string) => T,
  max: number,
  min = 0,
): T[] {
  if (!Array.isArray(v)) violation(label, `expected array, got ${kind(v)}`)
  if (v.length < min || v.length > max)
    violation(label, `expected ${min}..${max} items, got ${v.length}`)
  return (v as Json[]).map((x, i) => item(x, `${label}[${i}]`))
}

/** An integer in [min, max]. */
export function assertInteger(v: unknown, label: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    violation(label, `expected integer, got ${kind(v)}`)
  if (v < min || v > max) violation(label, `expected ${min}..${max}`)
  return v
}

/** Array items must be unique (by string value). */
export function assertUnique(values: readonly string[], label: string): void {
  if (new Set(values).size !== values.length) violation(label, 'duplicate items')
}
