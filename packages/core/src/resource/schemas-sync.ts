/**
 * The node-to-node control schemas (docs/protocol/schemas.md §4, sync.md §8): broadcast, request_journal,
 * request_resource, response, and for attachment blobs request_blob and offer_blobs
 * (docs/protocol/attachments.md §2). They are signed by the sending node and never journaled.
 * @module
 */
import type { Json } from '../json.js'
import { isBlobHash } from '../attachment/attachment.js'
import {
  assertArray,
  assertDigest,
  assertEnum,
  assertInteger,
  assertObject,
  assertString,
  violation,
} from './fields.js'

const LINE = /^[A-Za-z0-9_-]{86}@[A-Za-z0-9_-]{86}\/[A-Za-z0-9_-]{86}$/
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/
/** Most journal lines in one broadcast or response. */
export const MAX_ENTRIES = 10_000

function requestId(v: Json | undefined, l: string): string {
  if (typeof v !== 'string' || !REQUEST_ID.test(v))
    violation(l, 'expected 1..128 characters of [A-Za-z0-9_.:-]')
  return v
}

/** broadcast: journal lines written since `since` (the line id before the first entry). */
function broadcast(v: Json, l: string) {
  const o = assertObject(v, l, ['since', 'entries'])
  return {
    since: assertDigest(o['since'], `${l}.since`),
    entries: assertArray(
      o['entries'],
      `${l}.entries`,
      (x, li) => {
        if (typeof x !== 'string' || !LINE.test(x))
          violation(li, 'expected journal line lineId@fingerprint/resourceId')
        return x
      },
      MAX_ENTRIES,
      1,
    ),
  }
}

/** request_journal: lines after `since` (or from the start), at most `limit`. */
function requestJournal(v: Json, l: string) {
  const o = assertObject(v, l, ['identifier'], ['since', 'limit'])
  return {
    identifier: requestId(o['identifier'], `${l}.identifier`),
    since: o['since'] === undefined ? undefined : assertDigest(o['since'], `${l}.since`),
    limit:
      o['limit'] === undefined
        ? undefined
        : assertInteger(o['limit'], `${l}.limit`, 1, MAX_ENTRIES),
  }
}

/** Most resources asked for in one request_resource. */
export const MAX_REQUESTED = 256

/**
 * request_resource: one resource (`resource`, as in 0.12) or a batch (`resources`); exactly one
 * of the two. `author` is the user it is published for (optional: ids are global).
 */
function requestResource(v: Json, l: string) {
  const o = assertObject(v, l, ['identifier'], ['resource', 'resources', 'author'])
  if ((o['resource'] === undefined) === (o['resources'] === undefined))
    violation(l, 'expected exactly one of resource, resources')
  const resources =
    o['resources'] === undefined
      ? [assertDigest(o['resource'], `${l}.resource`)]
      : assertArray(
          o['resources'],
          `${l}.resources`,
          (x, li) => assertDigest(x, li),
          MAX_REQUESTED,
          1,
        )
  return {
    identifier: requestId(o['identifier'], `${l}.identifier`),
    resources,
    author: o['author'] === undefined ? undefined : assertDigest(o['author'], `${l}.author`),
  }
}

/** response: every request gets one; `reason` is a reason code on `rejected`/`bad_request`. */
function response(v: Json, l: string) {
  const o = assertObject(v, l, ['identifier', 'status'], ['reason', 'data'])
  const status = assertEnum(o['status'], `${l}.status`, [
    'ok',
    'bad_request',
    'not_found',
    'rejected',
  ] as const)
  if (o['data'] !== undefined && status !== 'ok')
    violation(`${l}.data`, 'only an ok response carries data')
  if (status === 'rejected' && o['reason'] === undefined)
    violation(`${l}.reason`, 'a rejected response names a reason code')
  return {
    identifier: requestId(o['identifier'], `${l}.identifier`),
    status,
    reason: o['reason'] === undefined ? undefined : assertString(o['reason'], `${l}.reason`, 64),
    data: o['data'],
  }
}

function blobHash(v: Json | undefined, l: string): string {
  if (!isBlobHash(v)) violation(l, 'expected 64 lowercase hex characters')
  return v
}

/** request_blob: the bytes of one blob from `offset` on (attachments.md §2). */
function requestBlob(v: Json, l: string) {
  const o = assertObject(v, l, ['identifier', 'hash', 'offset'])
  return {
    identifier: requestId(o['identifier'], `${l}.identifier`),
    hash: blobHash(o['hash'], `${l}.hash`),
    offset: assertInteger(o['offset'], `${l}.offset`, 0, Number.MAX_SAFE_INTEGER),
  }
}

/** Most hashes in one offer_blobs. */
export const MAX_OFFERED_BLOBS = 256

/** offer_blobs: the sender holds these blobs (attachments.md §2); no response. */
function offerBlobs(v: Json, l: string) {
  const o = assertObject(v, l, ['hashes'])
  return {
    hashes: assertArray(
      o['hashes'],
      `${l}.hashes`,
      (x, li) => blobHash(x, li),
      MAX_OFFERED_BLOBS,
      1,
    ),
  }
}

/** The control schemas, merged into the content schema table. */
export const SYNC_SCHEMAS = Object.freeze({
  broadcast,
  request_journal: requestJournal,
  request_resource: requestResource,
  response,
  request_blob: requestBlob,
  offer_blobs: offerBlobs,
})
