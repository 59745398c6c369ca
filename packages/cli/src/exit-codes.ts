/**
 * The CLI's single table from error codes to process exit codes (HOUSE-STYLE error model, rule 8).
 * Values follow BSD sysexits.h where one fits, so scripts can tell "bad data" (65) from "try
 * again later" (75); 2 is a usage error, as for most Unix tools.
 * @module
 */
import type { ErrorCode } from '@sdmp/core'

/** Exit codes that do not come from a ProtocolError. */
export const EXIT = {
  OK: 0,
  /** The command ran and its outcome is a failure (for example, a check did not pass). */
  FAILURE: 1,
  /** Bad flags, a missing argument or an unknown command. */
  USAGE: 2,
  /** A bug in sdmp (EX_SOFTWARE). */
  INTERNAL: 70,
} as const

/**
 * ProtocolError code -> exit code. Typed over the whole ErrorCode union, so adding a code to core
 * without deciding its exit code here fails to compile.
 */
export const PROTOCOL_EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 65, // EX_DATAERR: input data was wrong
  INVALID_ENCODING: 65,
  INVALID_SIGNATURE: 65,
  UNKNOWN_SCHEMA: 65,
  SCHEMA_VIOLATION: 65,
  UNSUPPORTED_VERSION: 65,
  DECRYPT_FAILED: 65,
  BROKEN_CHAIN: 65,
  LIMIT_EXCEEDED: 65,
  UNAUTHORIZED_SIGNER: 77, // EX_NOPERM: refused by trust rules
  EXPIRED: 77,
  REVOKED: 77,
  UNAUTHORIZED: 77,
  FORBIDDEN: 77,
  NOT_FOUND: 66, // EX_NOINPUT
  CONFLICT: 73, // EX_CANTCREAT: it already exists
  TIMEOUT: 75, // EX_TEMPFAIL: retrying may work
  CLOSED: 75,
  IN_USE: 75,
  UNAVAILABLE: 69, // EX_UNAVAILABLE
  INCOMPATIBLE_STORE: 78, // EX_CONFIG
  KEY_CHANGED: 76, // EX_PROTOCOL: the remote side published another key than the pinned one
  ABORTED: 130, // 128 + SIGINT, as a shell reports an interrupted command
}

/** The exit code for a ProtocolError code; unknown codes count as internal errors. */
export function exitCodeFor(code: string): number {
  return Object.hasOwn(PROTOCOL_EXIT_CODES, code)
    ? PROTOCOL_EXIT_CODES[code as ErrorCode]
    : EXIT.INTERNAL
}
