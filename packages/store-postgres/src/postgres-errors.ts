/**
 * Mapping of `pg` driver errors to coded ProtocolErrors (HOUSE-STYLE error rule 5): the store
 * never rejects with a driver error; the original is kept in `cause` and never shown to clients.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** SQLSTATE of a unique violation. */
const UNIQUE_VIOLATION = '23505'

/** Node socket errors that mean the server cannot be reached or went away. */
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * True for failures that say nothing about the request and may pass on retry: the connection
 * (SQLSTATE class 08), an administrator shutdown (57P0x), resource exhaustion (class 53),
 * serialization failures and deadlocks (40001, 40P01), and socket errors. `pg` reports a
 * connection dropped mid-query as a plain Error with one of a few fixed messages.
 */
export function isTransientPgError(e: unknown): boolean {
  const code = sqlState(e)
  if (code !== undefined) {
    if (NET_CODES.has(code)) return true
    if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P')) return true
    if (code === '40001' || code === '40P01') return true
  }
  const message = e instanceof Error ? e.message : ''
  return /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed/i.test(
    message,
  )
}

/**
 * Wrap a driver error thrown while doing `what`: unique violation -> CONFLICT, connection loss and
 * other transient failures -> UNAVAILABLE, anything else (a bug such as bad SQL) -> plain Error.
 * ProtocolErrors pass through unchanged.
 */
export function wrapPgError(e: unknown, what: string): Error {
  if (e instanceof ProtocolError) return e
  if (sqlState(e) === UNIQUE_VIOLATION)
    return new ProtocolError(ErrorCode.CONFLICT, `${what}: already exists`, { cause: e })
  if (isTransientPgError(e))
    return new ProtocolError(ErrorCode.UNAVAILABLE, `${what}: postgres unavailable`, { cause: e })
  return new Error(`${what}: postgres error`, { cause: e })
}
