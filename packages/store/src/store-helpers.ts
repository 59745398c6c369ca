/**
 * Small helpers every backend shares: query validation, abort checks and the blob
 * chunk size (docs/store.md).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { ResourceQuery } from './store.js'
import {
  assertArray,
  assertDigest,
  assertInteger,
  assertName,
  MAX_KIND_LENGTH,
} from './validate.js'

/** Size of the pieces blobs are streamed out in (bytes). */
export const BLOB_CHUNK = 64 * 1024

/** A validated ResourceQuery. @throws BAD_REQUEST */
export function assertQuery(value: unknown): ResourceQuery {
  if (typeof value !== 'object' || value === null)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'query: expected object')
  const q = value as Record<string, unknown>
  if (q['kinds'] !== undefined)
    assertArray(q['kinds'], 'query.kinds').forEach((k, i) =>
      assertName(k, `query.kinds[${i}]`, MAX_KIND_LENGTH),
    )
  if (q['user'] !== undefined) assertDigest(q['user'], 'query.user')
  if (q['ref'] !== undefined) assertName(q['ref'], 'query.ref')
  if (q['afterPosition'] !== undefined) assertInteger(q['afterPosition'], 'query.afterPosition')
  if (q['limit'] !== undefined) assertInteger(q['limit'], 'query.limit')
  if (q['descending'] !== undefined && typeof q['descending'] !== 'boolean')
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'query.descending: expected boolean')
  return value as ResourceQuery
}

/** @throws ABORTED when `signal` has fired */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ProtocolError(ErrorCode.ABORTED, 'operation aborted')
}
