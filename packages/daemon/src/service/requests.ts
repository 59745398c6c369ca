/**
 * Message requests behind the client API (docs/protocol/requests.md §6, docs/api.md "Message
 * requests"): the received ones (account/requests.ts) shaped as the API's responses, and
 * sending one (request-send.ts), after which the recipient is added as a contact so that sync
 * starts as soon as they accept. NodeService maps its methods here.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type {
  ContactRequest,
  RequestAccept,
  RequestAccepted,
  RequestRemoved,
  RequestSend,
  RequestSent,
} from '@sdmp/client'
import { RequestAccept as AcceptSchema, RequestSend as SendSchema } from '@sdmp/client/schemas'
import type { Account } from '../account/account.js'
import { addContact } from '../account/contacts.js'
import type { PrekeyRecord } from '@sdmp/core'
import {
  REQUEST_KEEP_MS,
  acceptRequest,
  blockRequest,
  declineRequest,
  pendingRequests,
} from '../account/requests.js'
import type { StoredRequest } from '../account/requests.js'
import { assertRequest } from './request-check.js'
import { parseRequestTarget, sendContactRequest } from './request-send.js'
import type { InviteFetchOptions } from './invite-fetch.js'

/** What the request operations need of the service around them. */
export interface RequestHooks {
  /** Our other devices learn a new contact (contact-share.ts). */
  readonly shareContacts: () => Promise<void>
  /** Close the connections of a user just blocked. */
  readonly refuseBlocked: () => void
  readonly fetch: InviteFetchOptions
  /** The prekeys of our own reading devices (the request's envelope is sealed to them too). */
  readonly ownKeys: () => Promise<readonly PrekeyRecord[]>
  /** A request was decided here: tell our hosts to drop what they held (requests.md §7.2). */
  readonly decided: () => void
}

const ID = /^[A-Za-z0-9_-]{6,86}$/
function assertRef(id: string): string {
  if (typeof id !== 'string' || !ID.test(id))
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'id: expected a request id or 6+ of its characters',
    )
  return id
}

/** A stored request as the API shows it (the held id stays inside). */
function shown(r: StoredRequest): ContactRequest {
  return { id: r.id, user: r.user, name: r.name, text: r.text, received: r.received }
}

/** `GET /v1/requests`. */
export async function listRequests(account: Account): Promise<{ requests: ContactRequest[] }> {
  return { requests: (await pendingRequests(account, REQUEST_KEEP_MS)).map(shown) }
}

/** `POST /v1/requests/{id}/accept`. @throws NOT_FOUND, CONFLICT, and addContact's codes */
export async function accept(
  account: Account,
  id: string,
  request: RequestAccept,
  hooks: RequestHooks,
): Promise<RequestAccepted> {
  assertRequest(AcceptSchema, request, 'accept')
  const { request: r, contact } = await acceptRequest(
    account,
    assertRef(id),
    request.name === undefined ? {} : { name: request.name },
  )
  await hooks.shareContacts()
  hooks.decided()
  return { request: shown(r), contact }
}

/** `POST /v1/requests/{id}/decline`. @throws NOT_FOUND */
export async function decline(
  account: Account,
  id: string,
  hooks: RequestHooks,
): Promise<RequestRemoved> {
  const request = await declineRequest(account, assertRef(id))
  hooks.decided()
  return { request: shown(request) }
}

/** `POST /v1/requests/{id}/block`. @throws NOT_FOUND */
export async function block(
  account: Account,
  id: string,
  hooks: RequestHooks,
): Promise<RequestRemoved> {
  const request = await blockRequest(account, assertRef(id))
  hooks.refuseBlocked()
  hooks.decided()
  return { request: shown(request) }
}

/**
 * `POST /v1/requests`: deliver a request; when it was delivered (or the node answers `silent`)
 * the recipient becomes a contact here, so sync starts once they accept.
 * @throws BAD_REQUEST, NOT_FOUND, UNAVAILABLE, LIMIT_EXCEEDED
 */
export async function send(
  account: Account,
  request: RequestSend,
  hooks: RequestHooks,
): Promise<RequestSent> {
  assertRequest(SendSchema, request, 'request')
  const target = parseRequestTarget(request.to)
  const { outcome, invite, envelope } = await sendContactRequest(
    account,
    target,
    request.text,
    hooks.fetch,
    await hooks.ownKeys(),
  )
  let contact: string | null = null
  if (outcome.outcome !== 'rejected' && invite !== undefined) {
    const added = await addContact(
      account,
      invite,
      request.name === undefined ? {} : { name: request.name },
    )
    if (added.refreshed !== true) await hooks.shareContacts()
    contact = added.name
    // The request text, as our first message to them: it flows once they accept.
    if (envelope !== undefined) await account.publishSealed(envelope.outer, envelope.inner)
  }
  return {
    user: target.user,
    outcome: outcome.outcome,
    reason: outcome.outcome === 'rejected' ? outcome.reason : null,
    contact,
  }
}
