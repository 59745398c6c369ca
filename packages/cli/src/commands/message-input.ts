/**
 * Input checks shared by the messaging commands, done before anything is opened so that a bad
 * argument is a usage line and costs nothing (docs/cli.md "Messages").
 * @module
 */
import { isMessageRef } from '@sdmp/client/ids'
import { CliError, usageError } from '../cli-error.js'
import { PROTOCOL_EXIT_CODES } from '../exit-codes.js'

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** The longest `--expires` accepted: 10 years, far below the range of a JS Date. */
const MAX_DURATION_MS = 3_650 * UNIT_MS.d

/**
 * Parse a DURATION (`30s`, `10m`, `2h`, `7d`: a positive whole number and one unit) into
 * milliseconds.
 * @throws CliError USAGE (exit 2) for anything else, zero, or more than 3650d
 */
export function parseDuration(flag: string, text: string): number {
  const m = /^([0-9]{1,7})([smhd])$/.exec(text)
  const ms = m === null ? 0 : Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
  if (ms <= 0 || ms > MAX_DURATION_MS)
    throw usageError(
      `${flag}: bad duration '${text}' (a positive number and a unit s, m, h or d, e.g. 30s, 10m, 2h, 7d; at most 3650d)`,
    )
  return ms
}

/**
 * Check the shape of a message or post id (or a prefix of one) before asking the node for it.
 * @throws CliError BAD_REQUEST (exit 65)
 */
export function checkId(what: string, id: string): string {
  if (!isMessageRef(id))
    throw new CliError(
      'BAD_REQUEST',
      `${what}: malformed id '${id.length > 20 ? `${id.slice(0, 20)}…` : id}' (an id, or at least its first 6 characters, as inbox shows them)`,
      PROTOCOL_EXIT_CODES.BAD_REQUEST,
    )
  return id
}

/**
 * Split the TO argument of `send`: one or more contact names or user fingerprints separated by
 * commas. Neither can hold a comma (names are letters, digits, `.`, `_`, `-`; fingerprints are
 * base64url), so the split is unambiguous. Duplicates are dropped, order kept.
 * @throws CliError USAGE for an empty recipient (`alice,,bob`, a trailing comma)
 */
export function splitRecipients(to: string, what = 'send'): string[] {
  const list = to.split(',').map((s) => s.trim())
  if (list.some((s) => s === ''))
    throw usageError(`${what}: empty recipient in '${to}' (write TO as NAME[,NAME...])`)
  return [...new Set(list)]
}

/** Body types `send --type` accepts (the message schema, docs/protocol/schemas.md). */
export const BODY_TYPES = ['text', 'markdown', 'html'] as const
