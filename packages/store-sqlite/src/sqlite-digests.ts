/**
 * Digests at rest in the SQLite store (docs/store.md §2, schema version 4): resource ids, line
 * ids and user fingerprints are SHA-512 digests, 86 base64url characters at the interface and
 * their 64 bytes in the database (a BLOB is 22 bytes shorter than the text in the row and in
 * every index holding it). Users are few per home, so rows hold a small integer into `users`.
 * @module
 */
import type { SqliteStatement } from './sqlite-driver.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * A digest at rest, from an 86-character string already checked by `assertDigest`: its 64
 * bytes. 86 characters carry 516 bits, so the last character has 4 bits no byte holds; a
 * digest's own encoding has them zero (the last character is A, Q, g or w). Any other spelling
 * passes `assertDigest` too, and the store gave it back as it was given in the text layout, so
 * it keeps doing so: those 4 bits follow as a 65th byte (only odd input pays it; it never
 * equals a canonical digest's blob, as the strings never were equal).
 */
export function digestBlob(digest: string): Buffer {
  const bytes = Buffer.from(digest, 'base64url')
  const extra = ALPHABET.indexOf(digest[85]!) & 15
  return extra === 0 ? bytes : Buffer.concat([bytes, Buffer.of(extra)])
}

/** The interface spelling of a digest read from the database (see {@link digestBlob}). */
export function digestText(blob: Uint8Array): string {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
  if (b.byteLength === 64) return b.toString('base64url')
  const text = b.subarray(0, 64).toString('base64url')
  return text.slice(0, 85) + ALPHABET[ALPHABET.indexOf(text[85]!) | b[64]!]!
}

const B64_86 = /^[A-Za-z0-9_-]{86}$/

/**
 * A `ref` at rest: any name up to 256 characters (docs/store.md §1), most often a resource id.
 * An 86-character base64url name is stored as its digest blob ({@link digestBlob}), anything
 * else as the text (`ref` is an `ANY` column; a blob never equals a text), so a query matches
 * exactly the refs it names.
 */
export function refValue(ref: string): Buffer | string {
  return B64_86.test(ref) ? digestBlob(ref) : ref
}

/** The interface form of a stored `ref` (see {@link refValue}). */
export function refText(value: Uint8Array | string): string {
  return typeof value === 'string' ? value : digestText(value)
}

/** The statements of the `users` dictionary. */
export interface UserStatements {
  readonly find: SqliteStatement
  readonly add: SqliteStatement
}

/**
 * The row number of user `fingerprint`, adding it when `add` and absent. `cache` then holds a
 * row of the open transaction: a caller whose transaction rolls back must clear it
 * (commitGroup does), or a later row would point at a user number that was never committed.
 * The fingerprint's {@link digestBlob} is made only on a miss (a home has few users: every
 * appended line used to decode it for nothing).
 */
export function userNumber(
  st: UserStatements,
  cache: Map<string, number>,
  fingerprint: string,
  add: boolean,
): number | undefined {
  const hit = cache.get(fingerprint)
  if (hit !== undefined) return hit
  const blob = digestBlob(fingerprint)
  const row = st.find.get(blob) as { n: number } | undefined
  let n = row?.n
  if (n === undefined) {
    if (!add) return undefined
    n = Number(st.add.run(blob).lastInsertRowid)
  }
  if (cache.size >= 4096) cache.clear()
  cache.set(fingerprint, n)
  return n
}
