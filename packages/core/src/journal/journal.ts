/**
 * Journal lines and hash-chain verification (docs/protocol/journal.md). Line 1 is the node's
 * fingerprint; every later line is `lineId@userFingerprint/resourceId`, where lineId is
 * base64url(SHA-512(previous line's text, no newline)).
 * @module
 */
import { toBase64url } from '../bytes.js'
import { ErrorCode, ProtocolError } from '../errors.js'

/** base64url of a SHA-512 digest: always 86 characters. */
export const HASH_B64_LENGTH = 86
const B64_86 = /^[A-Za-z0-9_-]{86}$/
const LINE = /^([A-Za-z0-9_-]{86})@([A-Za-z0-9_-]{86})\/([A-Za-z0-9_-]{86})$/

/** One parsed journal line after the first. */
export interface JournalEntry {
  /** base64url(SHA-512(previous line)). */
  readonly lineId: string
  /** The user on whose behalf the resource was published (the signer's fingerprint in 0.12). */
  readonly fingerprint: string
  readonly resourceId: string
}

/** A SHA-512 function; core takes it from the crypto provider. */
export type Sha512 = (data: Uint8Array) => Uint8Array

/** The identifier of the line that follows `previousLine`. */
export function nextLineId(previousLine: string, sha512: Sha512): string {
  // Journal lines are ASCII by construction (and checked by pattern before anything chains
  // from them), so the plain encoder is exact; this runs once per appended line.
  return toBase64url(sha512(encoder.encode(previousLine)))
}

const encoder = new TextEncoder()

/** Format the line recording `resourceId` for `fingerprint` after `previousLine`. */
export function formatJournalLine(
  previousLine: string,
  fingerprint: string,
  resourceId: string,
  sha512: Sha512,
): string {
  return `${nextLineId(previousLine, sha512)}@${fingerprint}/${resourceId}`
}

/** True when `text` is an 86-character base64url digest (fingerprint, identifier, line id). */
export function isDigest(text: unknown): text is string {
  return typeof text === 'string' && B64_86.test(text)
}

/** Parse a journal line (not the first). @throws BAD_REQUEST */
export function parseJournalLine(line: string): JournalEntry {
  const m = typeof line === 'string' ? LINE.exec(line) : null
  if (!m)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'journal line: expected lineId@fingerprint/resourceId',
    )
  return { lineId: m[1]!, fingerprint: m[2]!, resourceId: m[3]! }
}

/** The outcome of verifying an imported journal: first failure and its reason, if any. */
export interface JournalVerification {
  readonly ok: boolean
  /** Number of lines checked. */
  readonly lines: number
  /** 1-based line number of the first bad line. */
  readonly badLine?: number
  readonly reason?: string
}

/**
 * Verify a whole journal: line 1 must be a fingerprint, every later line must parse and its
 * lineId must be the hash of the line before it. Returns a result; never throws for bad input.
 * @example verifyJournal(text.split('\n'), provider.sha512).ok
 */
export function verifyJournal(lines: readonly string[], sha512: Sha512): JournalVerification {
  const body = lines.length > 0 && lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines
  if (body.length === 0) return { ok: false, lines: 0, badLine: 1, reason: 'empty journal' }
  if (!isDigest(body[0]))
    return { ok: false, lines: body.length, badLine: 1, reason: 'line 1 is not a node fingerprint' }
  for (let i = 1; i < body.length; i++) {
    const line = body[i]!
    const m = LINE.exec(line)
    if (!m) {
      const id = line.split('@')[0] ?? ''
      const why =
        id.length !== HASH_B64_LENGTH
          ? `line id has ${id.length} characters, expected ${HASH_B64_LENGTH}`
          : 'malformed line'
      return { ok: false, lines: body.length, badLine: i + 1, reason: why }
    }
    if (m[1] !== nextLineId(body[i - 1]!, sha512)) {
      return {
        ok: false,
        lines: body.length,
        badLine: i + 1,
        reason: 'line id is not the hash of the previous line',
      }
    }
  }
  return { ok: true, lines: body.length }
}
