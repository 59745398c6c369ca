/**
 * The one error class of sdmp, with a closed set of codes.
 * Every failure caused by untrusted input is a {@link ProtocolError}; bugs are plain Errors.
 * See docs/protocol/errors.md for the code list and its wire mapping.
 * @module
 */

/** Closed set of error codes; wire reason codes are the lowercase forms (docs/protocol/errors.md). */
export const ErrorCode = {
  /** Malformed input from outside: shape, length, range. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Bytes that are not valid JSON, base64url, UTF-8 or not in canonical form. */
  INVALID_ENCODING: 'INVALID_ENCODING',
  /** A signature that does not verify, or a signer key that does not match its fingerprint. */
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  /** A container names a schema this implementation does not bundle. */
  UNKNOWN_SCHEMA: 'UNKNOWN_SCHEMA',
  /** A container's schema data does not satisfy the schema's rules. */
  SCHEMA_VIOLATION: 'SCHEMA_VIOLATION',
  /** A protocol or container version this implementation does not speak. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** The signer is not authorized by the user it claims to act for. */
  UNAUTHORIZED_SIGNER: 'UNAUTHORIZED_SIGNER',
  /** The authorizing trust (or identity) has expired. */
  EXPIRED: 'EXPIRED',
  /** The authorizing trust (or identity) has been revoked. */
  REVOKED: 'REVOKED',
  /** Any decryption failure, deliberately uninformative (no oracle). */
  DECRYPT_FAILED: 'DECRYPT_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** A journal whose hash chain does not hold. */
  BROKEN_CHAIN: 'BROKEN_CHAIN',
  TIMEOUT: 'TIMEOUT',
  ABORTED: 'ABORTED',
  CLOSED: 'CLOSED',
  UNAVAILABLE: 'UNAVAILABLE',
  /** A store written by a newer version, or a file that is not an sdmp store. */
  INCOMPATIBLE_STORE: 'INCOMPATIBLE_STORE',
  /** Another process holds the home or store. */
  IN_USE: 'IN_USE',
  /**
   * A name@domain address now publishes another identity than the one pinned for it, with no
   * rotation proof from the pinned key (docs/protocol/addresses.md §4): never followed silently.
   */
  KEY_CHANGED: 'KEY_CHANGED',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** The error every sdmp layer raises for untrusted input and expected failures. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** True when `e` is a ProtocolError (optionally with the given code). */
export function isProtocolError(e: unknown, code?: ErrorCode): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code)
}

/** Shorthand for `new ProtocolError(code, message)`, for use in expressions. */
export function fail(code: ErrorCode, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause })
}
