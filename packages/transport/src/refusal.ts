/**
 * The peer's refusal (transport.md §5): when the peer's trust gate answers `rejected` (before
 * or after the channel opened), the channel ends with FORBIDDEN `rejected: REASON`. This module
 * makes those errors and tells them apart from our own refusals (`refused peer: REASON`), so an
 * application can record that *the peer* refused us, and why, without parsing messages.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'

const reasons = new WeakMap<object, string>()

/** The FORBIDDEN error a channel ends with when the peer sent `rejected` with `reason`. */
export function peerRejected(reason: string): ProtocolError {
  const error = new ProtocolError(ErrorCode.FORBIDDEN, `rejected: ${reason}`)
  reasons.set(error, reason)
  return error
}

/**
 * The reason the peer gave when it refused us (`untrusted`, `unknown_node`, `revoked`, ...),
 * or undefined when `error` is anything else (our own refusal included).
 */
export function peerRefusal(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? reasons.get(error) : undefined
}
