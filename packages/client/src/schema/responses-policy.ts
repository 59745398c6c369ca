/**
 * Response shapes of the client API (docs/api.md) for what the user decides about others:
 * delegations, forwarding rules, blocks, message requests and settings (read receipts, who may
 * send requests).
 * @module
 */
import { Type } from '@sinclair/typebox'
import { ContactAdded } from './responses-trust.js'
import { closed, nullable, oneOf, text, time } from './schema-kit.js'
import type { Contract } from './schema-kit.js'

/** A delegation by or to our user (docs/protocol/delegation.md). */
export const Delegation = closed({
  id: Type.String({ description: 'id of the signed delegation resource' }),
  principal: Type.String({ description: 'the user who delegated' }),
  delegate: Type.String({ description: 'the user who may act for the principal' }),
  scope: Type.Array(oneOf('send', 'read')),
  created: time(),
  until: nullable(time()),
  state: oneOf('active', 'revoked', 'expired'),
})
export type Delegation = Contract<typeof Delegation>

/** `GET /v1/delegations`: what our user granted and what was granted to it. */
export const DelegationList = closed({
  granted: Type.Array(Delegation),
  received: Type.Array(Delegation),
})
export type DelegationList = Contract<typeof DelegationList>

/** `DELETE /v1/delegations/{contact}`: the delegations revoked (none was active: empty). */
export const DelegationsRevoked = closed({ revoked: Type.Array(Delegation) })
export type DelegationsRevoked = Contract<typeof DelegationsRevoked>

/** A forwarding rule of this node (docs/protocol/forwarding.md §6). */
export const Rule = closed({
  id: text(),
  from: Type.String({ description: 'sender pattern' }),
  to: Type.Array(Type.String({ description: 'target user fingerprint' })),
  created: time(),
})
export type Rule = Contract<typeof Rule>

/** `GET /v1/rules`. */
export const RuleList = closed({ rules: Type.Array(Rule) })
export type RuleList = Contract<typeof RuleList>

/** A blocked user (docs/messaging.md "Blocking"). */
export const Block = closed({
  user: text(),
  name: nullable(Type.String({ description: 'the contact name, null for a stranger' })),
  hide: Type.Boolean({ description: 'their earlier messages are hidden' }),
  at: time(),
})
export type Block = Contract<typeof Block>

/** `DELETE /v1/blocks/{user}`: `unblocked` false when the user was not blocked. */
export const Unblocked = closed({ user: text(), name: nullable(text()), unblocked: Type.Boolean() })
export type Unblocked = Contract<typeof Unblocked>

/** `GET /v1/settings`, `PUT /v1/settings`: read receipts, default and per contact overrides. */
export const Settings = closed({
  readReceipts: Type.Boolean({ description: 'send read receipts to senders (default false)' }),
  requests: oneOf('open', 'silent', 'closed'),
  contacts: Type.Array(
    closed({ user: text(), name: nullable(text()), readReceipts: Type.Boolean() }),
  ),
})
export type Settings = Contract<typeof Settings>

/** A message request received from someone not yet a contact (docs/protocol/requests.md §6). */
export const ContactRequest = closed({
  id: text(),
  user: Type.String({ description: "the sender's user fingerprint (proven by its signature)" }),
  name: nullable(Type.String({ description: "the sender's display name, as its invite gives" })),
  text: text(),
  received: time(),
})
export type ContactRequest = Contract<typeof ContactRequest>

/** `POST /v1/requests/{id}/accept`: the request and the contact it made. */
export const RequestAccepted = closed({ request: ContactRequest, contact: ContactAdded })
export type RequestAccepted = Contract<typeof RequestAccepted>

/** `POST /v1/requests/{id}/decline`, `.../block`: the request removed. */
export const RequestRemoved = closed({ request: ContactRequest })
export type RequestRemoved = Contract<typeof RequestRemoved>

/** `POST /v1/requests`: what the recipient's node answered (requests.md §5). */
export const RequestSent = closed({
  user: text(),
  outcome: oneOf('delivered', 'rejected', 'silent'),
  reason: nullable(
    oneOf('blocked', 'over-quota', 'bad-signature', 'undecryptable', 'unknown-user', 'policy'),
  ),
  contact: nullable(
    Type.String({ description: 'the contact name the recipient was added under, once sent' }),
  ),
})
export type RequestSent = Contract<typeof RequestSent>

/** `GET /v1/requests`: oldest first. */
export const RequestList = closed({ requests: Type.Array(ContactRequest) })
/** `GET /v1/blocks`. */
export const BlockList = closed({ blocks: Type.Array(Block) })
