/**
 * The one error-to-HTTP mapping of the client API (docs/api.md §Errors): a code → status table and
 * the body every failure carries, `{"error":{"code","message"}}`.
 * @module
 */
import { ErrorCode, isProtocolError } from '@sdmp/core'
import type { ApiErrorBody } from '@sdmp/client'

/** HTTP status per error code; codes not listed here are 422 (the request was understood). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.INVALID_ENCODING]: 400,
  [ErrorCode.SCHEMA_VIOLATION]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.KEY_CHANGED]: 409,
  [ErrorCode.LIMIT_EXCEEDED]: 413,
  [ErrorCode.IN_USE]: 503,
  [ErrorCode.UNAVAILABLE]: 503,
}

/** The code of a 500 response; deliberately not an ErrorCode (it marks a bug, not bad input). */
export const INTERNAL = 'INTERNAL'

/** HTTP status for an error code (docs/api.md §Errors). */
export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 422
}

/**
 * Turn anything thrown by a route into a status and an error body. A ProtocolError keeps its
 * code and message; anything else is a bug and gets a generic message: never the stack, the
 * cause or request data, which could hold secrets.
 */
export function toErrorResponse(error: unknown): { status: number; body: ApiErrorBody } {
  if (isProtocolError(error)) {
    return { status: statusOf(error.code), body: errorBody(error.code, error.message) }
  }
  return { status: 500, body: errorBody(INTERNAL, 'internal error') }
}

/** The error document `{"error":{"code","message"}}`. */
export function errorBody(code: string, message: string): ApiErrorBody {
  return { error: { code, message } }
}
