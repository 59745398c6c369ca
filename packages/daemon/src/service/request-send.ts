/**
 * Sending a message request (docs/protocol/requests.md §3): from a target (a node address and
 * the user fingerprint; a short invite gives both, and an address resolver for `name@domain`
 * can produce one), ask the node for the user's public bundle, check it chains to that user,
 * seal the request (our invite and a signed message to that user) to the user's devices'
 * prekeys, deliver it over a second first-contact channel, and read the outcome. Both channels
 * use fresh random node keys: the recipient's node learns the sender only by opening the
 * request, which only the recipient's devices can.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  isDigest,
  prekeyRecordOf,
  sealEnvelope,
  sealResource,
  selectPrekeys,
} from '@sdmp/core'
import type { DecodedResource, PrekeyRecord } from '@sdmp/core'
import { parsePeerAddress } from '@sdmp/node'
import type { Account } from '../account/account.js'
import { checkInvite, createInvite } from '../account/contacts.js'
import type { CheckedInvite } from '../account/contacts.js'
import { decodeInviteRef, isInviteRef } from '../account/invite-ref.js'
import {
  MAX_REQUEST_INVITE_CHARS,
  decodeInboxAnswer,
  decodeOutcome,
  encodeInboxQuery,
  encodeRequest,
  encodeRequestPlaintext,
} from '../account/request-codec.js'
import type { RequestOutcome } from '../account/request-codec.js'
import { askNode } from './invite-fetch.js'
import type { InviteFetchOptions } from './invite-fetch.js'

/** Whom a request goes to: a user and where one of its nodes listens. */
export interface RequestTarget {
  readonly user: string
  /** The node expected at the addresses, when known (a short invite names it). */
  readonly node?: string
  readonly addresses: readonly string[]
}

/**
 * Parse a request address: a short invite (`sdmp-invite:3:...`), or `USER@ADDRESS[,ADDRESS...]`
 * where ADDRESS is a peer address (`host:port`, `ws://...`, optionally `#NODE`).
 * @throws BAD_REQUEST
 */
export function parseRequestTarget(text: string): RequestTarget {
  const t = typeof text === 'string' ? text.trim() : ''
  if (isInviteRef(t)) {
    const ref = decodeInviteRef(t)
    return { user: ref.user, node: ref.node, addresses: ref.addresses }
  }
  const at = t.indexOf('@')
  const user = t.slice(0, at)
  if (at < 0 || !isDigest(user))
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'request address: expected a short invite (sdmp-invite:3:...) or USER@HOST:PORT',
    )
  const addresses = t.slice(at + 1).split(',')
  if (addresses.length > 16)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'request address: at most 16 addresses')
  const nodes = new Set<string>()
  for (const a of addresses) {
    const fp = parsePeerAddress(a).fingerprint
    if (fp !== undefined) nodes.add(fp)
  }
  const node = nodes.size === 1 ? [...nodes][0] : undefined
  return { user, addresses, ...(node !== undefined && { node }) }
}

/** What {@link sendContactRequest} learned. */
export interface RequestDelivery {
  readonly outcome: RequestOutcome
  /** The recipient's invite, checked (to add them as a contact once it was delivered). */
  readonly invite?: string
  /**
   * The envelope of the request text, sealed to the recipient's and our reading devices, with
   * its inner message: to publish once delivered (the chat's first message, requests.md §3.3).
   */
  readonly envelope?: { readonly outer: DecodedResource; readonly inner: DecodedResource }
}

/**
 * Deliver a request to `target` with `text`; resolves with the node's outcome.
 * @throws BAD_REQUEST (the node answered something malformed, or a bundle of another user),
 *   NOT_FOUND (no device of the user can receive), UNAVAILABLE (no address answered),
 *   LIMIT_EXCEEDED (our own invite is too large for a request), FORBIDDEN (this device may not
 *   publish for its user)
 */
export async function sendContactRequest(
  account: Account,
  target: RequestTarget,
  text: string,
  options: InviteFetchOptions = {},
  ownKeys: readonly PrekeyRecord[] = [],
): Promise<RequestDelivery> {
  const me = account.requireUser()
  if (target.user === me)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'request: that is your own address')
  const { provider } = account
  // 1. The user's public bundle, from the first address that answers (requests.md §3.1).
  let address: string
  let answer: Awaited<ReturnType<typeof decodeInboxAnswer>>
  try {
    ;[address, answer] = await Promise.any(
      target.addresses.map(async (a) => {
        const bytes = await askNode(
          provider,
          a,
          target.node,
          encodeInboxQuery(target.user),
          options,
        )
        return [a, decodeInboxAnswer(bytes)] as const
      }),
    )
  } catch (e) {
    const first = (e as AggregateError).errors?.[0] as unknown
    if (first instanceof ProtocolError && first.code === ErrorCode.BAD_REQUEST) throw first
    throw new ProtocolError(
      ErrorCode.UNAVAILABLE,
      `request: cannot reach ${target.addresses.join(', ')} (${first instanceof Error ? first.message : 'no answer'})`,
    )
  }
  if (!('invite' in answer)) return { outcome: answer }
  const checked = checkInvite(account, answer.invite)
  if (checked.user !== target.user)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'request: the node answered with the bundle of another user',
    )
  // 2. Seal our invite and a signed message to the user's reading devices (requests.md §3.3).
  const keys = readingPrekeys(account, checked)
  if (keys.length === 0)
    throw new ProtocolError(
      ErrorCode.NOT_FOUND,
      `request: no device of ${target.user.slice(0, 10)} can receive encrypted messages yet`,
    )
  const invite = await createInvite(account)
  if (invite.length > MAX_REQUEST_INVITE_CHARS)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `request: your invite has ${invite.length} characters, more than ${MAX_REQUEST_INVITE_CHARS}`,
    )
  const message = account.signForUser(
    { kind: 'message', data: { body: text, type: 'text', to: [target.user] } },
    'publish_resource',
  )
  // The same message as an ordinary envelope to the recipient and our own devices: carried
  // inside the request (the recipient ingests it on accept) and published here once delivered.
  const trust = account.nodeTrusts('publish_resource')[0]
  const outer =
    trust === undefined
      ? undefined
      : sealResource(
          provider,
          message,
          [...keys, ...ownKeys],
          { key: account.nodeKey, user: me, trust: trust.id },
          { readers: [target.user, me] },
        )
  const sealed = sealEnvelope(
    provider,
    encodeRequestPlaintext({
      invite,
      message: message.bytes,
      ...(outer !== undefined && { envelope: outer.bytes }),
    }),
    keys,
  )
  // 3. Deliver it and read the outcome.
  const bytes = await askNode(
    provider,
    address,
    target.node,
    encodeRequest(target.user, sealed),
    options,
  )
  return {
    outcome: decodeOutcome(bytes),
    invite: answer.invite,
    ...(outer !== undefined && { envelope: { outer, inner: message } }),
  }
}

/** The newest valid prekey of every device of the invite's user that may read (envelope.md §7). */
function readingPrekeys(account: Account, checked: CheckedInvite) {
  const now = account.now()
  const readers = new Set(checked.graph.readersOf(checked.user, now))
  const records = checked.resources
    .filter((v) => v.kind === 'prekey')
    .map((v) => prekeyRecordOf(account.provider, v))
    .filter((r) => readers.has(r.node))
  return selectPrekeys(records, now)
}
