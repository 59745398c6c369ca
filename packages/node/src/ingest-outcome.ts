/**
 * What an ingest answers for each resource offered (docs/protocol/sync.md §5, §9): stored,
 * duplicate, pending (its authorization has not arrived) or rejected with a code, and which
 * codes prove that the sending peer sent bad data.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Outcome of one resource offered to the pipeline. */
export interface IngestOutcome {
  /** The resource id when it could be decoded, else undefined. */
  readonly id?: string
  readonly status: 'stored' | 'duplicate' | 'pending' | 'rejected'
  /** The error code for `rejected` and `pending` (why it waits). */
  readonly code?: string
  readonly message?: string
  /** 1-based journal position for `stored` and `duplicate`. */
  readonly position?: number
  /** Refused because its author's storage quota is used up: a refusal, not a fault (sync.md §9). */
  readonly overQuota?: true
  /** Why it was refused, when it is a policy of this node's user rather than an error. */
  readonly reason?: 'blocked'
}

/** Codes that prove the sender sent bad data (and earn it a penalty), as opposed to stale data. */
export const FAULT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.INVALID_ENCODING,
  ErrorCode.INVALID_SIGNATURE,
  ErrorCode.SCHEMA_VIOLATION,
  ErrorCode.UNKNOWN_SCHEMA,
  ErrorCode.LIMIT_EXCEEDED,
  ErrorCode.BAD_REQUEST,
])

/** A refusal over the author's quota: a refusal, not a fault. */
export const OVER_QUOTA = {
  status: 'rejected',
  code: ErrorCode.LIMIT_EXCEEDED,
  message: "the author's storage quota is used up",
  overQuota: true,
} as const

/** The outcome of a resource refused with `e` (a non-protocol error is rethrown: a bug). */
export function rejected(e: unknown, id?: string): IngestOutcome {
  if (!(e instanceof ProtocolError)) throw e
  return id === undefined
    ? { status: 'rejected', code: e.code, message: e.message }
    : { id, status: 'rejected', code: e.code, message: e.message }
}

/**
 * A refusal because the author is blocked by this node's user (docs/messaging.md "Blocking"):
 * a policy, not a fault of the peer that relayed it.
 */
export const BLOCKED = {
  status: 'rejected',
  code: ErrorCode.FORBIDDEN,
  message: 'its author is blocked here',
  reason: 'blocked',
} as const
