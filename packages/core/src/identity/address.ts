/**
 * `name@domain` addresses (docs/protocol/addresses.md §1): the one syntax check shared by the
 * `user` profile schema (where a user claims an address, schemas.md "user") and every place that
 * reads an address from a person or a well-known document. Addresses are compared in lower case;
 * only ASCII is allowed (no IDNA: a look-alike Unicode domain could pass for another).
 * @module
 */
import { ErrorCode, ProtocolError } from '../errors.js'

/** Longest address, in characters (a DNS name is at most 253; `_sdmp.` must still fit). */
export const ADDRESS_MAX_CHARS = 240

/** Local part: 1..64 of `a-z 0-9 . _ -`, not starting or ending with `.`. */
const LOCAL = /^[a-z0-9_-](?:[a-z0-9._-]{0,62}[a-z0-9_-])?$/
/** One DNS label: letters, digits, hyphens inside, 1..63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** An address split in its two parts, both lower case. */
export interface SdmpAddress {
  /** The whole address, `local@domain`, lower case. */
  readonly address: string
  readonly local: string
  readonly domain: string
}

/**
 * Parse `text` as an address, or undefined when it is not one. Lower-cases it; the domain needs
 * at least two labels (`alice@localhost` is not an address).
 */
export function parseAddress(text: unknown): SdmpAddress | undefined {
  if (typeof text !== 'string' || text.length > ADDRESS_MAX_CHARS) return undefined
  const address = text.trim().toLowerCase()
  const at = address.indexOf('@')
  if (at <= 0 || at !== address.lastIndexOf('@')) return undefined
  const local = address.slice(0, at)
  const domain = address.slice(at + 1).replace(/\.$/, '')
  const labels = domain.split('.')
  if (!LOCAL.test(local) || labels.length < 2 || !labels.every((l) => LABEL.test(l)))
    return undefined
  return { address: `${local}@${domain}`, local, domain }
}

/** Whether `text` is an address (and so not an invite). */
export const isAddress = (text: unknown): boolean => parseAddress(text) !== undefined

/**
 * Require an address, lower case.
 * @throws `code` (default BAD_REQUEST), naming `label` and never echoing the value
 */
export function assertAddress(
  text: unknown,
  label: string,
  code: ErrorCode = ErrorCode.BAD_REQUEST,
): SdmpAddress {
  const a = parseAddress(text)
  if (a === undefined)
    throw new ProtocolError(
      code,
      `${label}: expected name@domain (name: a-z 0-9 . _ -; domain: DNS labels, ASCII, ` +
        `at least two; at most ${ADDRESS_MAX_CHARS} characters)`,
    )
  return a
}
