/**
 * The daemon's error documents read back into errors (docs/api.md §3): a failed response's
 * `{"error":{"code","message"}}` body, or an SSE `error` event's data, becomes the same coded
 * ProtocolError the in-process {@link SdmpApi} throws. Browser-safe.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'

const CODES = new Set<string>(Object.values(ErrorCode))

/** The ProtocolError of a failed response (its `{"error":{"code","message"}}` body). */
export async function errorOf(response: Response): Promise<Error> {
  let text = ''
  try {
    text = await response.text()
  } catch {
    // fall through with an empty body
  }
  return errorFromBody(text, response.status)
}

/**
 * The error an error document stands for: its ProtocolError when the code is one of ours, a
 * plain Error for the daemon's INTERNAL (a bug), else UNAVAILABLE (not an sdmp daemon's answer).
 */
export function errorFromBody(text: string, status: number): Error {
  let code: unknown
  let message: unknown
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    code = body.error?.code
    message = body.error?.message
  } catch {
    // not an error document
  }
  const msg = typeof message === 'string' ? message : `daemon replied with status ${status}`
  if (typeof code === 'string' && CODES.has(code)) return new ProtocolError(code as ErrorCode, msg)
  // INTERNAL is a bug in the daemon, reported as one (exit 70), not as a coded outcome.
  if (code === 'INTERNAL' && typeof message === 'string')
    return new Error(`daemon: ${msg} (INTERNAL)`)
  // Anything else is not an answer of an sdmp daemon: a broken reply (found by the fuzzer).
  return new ProtocolError(
    ErrorCode.UNAVAILABLE,
    `daemon replied with status ${status} and no sdmp error document`,
  )
}
