/**
 * Digests at rest in the SQLite store (docs/store.md §2, schema version 4): resource ids, line
 * ids and user fingerprints are SHA-512 digests, 86 base64url characters at the interface and
 * their 64 bytes in the database (a BLOB is 22 bytes shorter than the text in the row and in
 * every index holding it). Users are few per home, so rows hold a small integer into `users`.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { IngestItem } from '@sdmp/store'
import type { SqliteStatement } from './sqlite-driver.js'

/** Length of a digest at rest: SHA-512, 64 bytes. */
export const DIGEST_BYTES = 64

/**
 * The 64 bytes of a digest already checked by `assertDigest` (86 characters of the base64url
 * alphabet), or undefined when it is not the canonical encoding of any 64 bytes: 86 characters
 * carry 516 bits, so the last character's low 4 bits must be zero (A, Q, g or w). No stored
 * digest has a non-canonical spelling, so a lookup by one finds nothing (as with the text
 * layout, where no stored id was spelled that way).
 */
export function digestBlob(digest: string): Buffer | undefined {
  const last = digest.charCodeAt(85)
  if (last !== 0x41 && last !== 0x51 && last !== 0x67 && last !== 0x77) return undefined
  return Buffer.from(digest, 'base64url')
}

/** The interface spelling of a digest read from the database. */
export function digestText(blob: Uint8Array): string {
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('base64url')
}

const B64_86 = /^[A-Za-z0-9_-]{86}$/

/**
 * A `ref` at rest: any name up to 256 characters (docs/store.md §1), most often a resource id.
 * Canonical digests are stored as their 64 bytes, anything else as the text (`ref` is an `ANY`
 * column): the two never compare equal, so a query matches exactly the refs it names.
 */
export function refValue(ref: string): Buffer | string {
  return (B64_86.test(ref) && digestBlob(ref)) || ref
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
 * The row number of user `fingerprint` (a canonical digest blob), adding it when `add` and
 * absent. `cache` is only ever filled with committed rows: callers adding inside a transaction
 * clear it when the transaction rolls back.
 */
export function userNumber(
  st: UserStatements,
  cache: Map<string, number>,
  fingerprint: string,
  blob: Buffer,
  add: boolean,
): number | undefined {
  const hit = cache.get(fingerprint)
  if (hit !== undefined) return hit
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

/**
 * Refuse ids and users that are not the canonical spelling of 64 bytes (BAD_REQUEST, nothing
 * stored): a digest is kept as its bytes, so a second spelling could not be given back. Ids are
 * hashes and fingerprints come from verified resources, so only hostile callers meet this.
 */
export function assertCanonical(items: readonly IngestItem[]): void {
  items.forEach((item, i) => {
    for (const field of ['id', 'user'] as const)
      if (digestBlob(item[field]) === undefined)
        throw new ProtocolError(
          ErrorCode.BAD_REQUEST,
          `items[${i}].${field}: not the canonical base64url of a 64-byte digest`,
        )
  })
}
