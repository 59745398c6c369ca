/**
 * Every request shape of the client API (docs/api.md §Requests), declared once: the TypeScript
 * type (`Contract`), the daemon's runtime check (it compiles these schemas) and the OpenAPI
 * document (it embeds them) all come from here. Bodies and query strings are closed objects.
 * @module
 */
import { Type } from '@sinclair/typebox'
import {
  ATTACHMENT_MAX_COUNT,
  ATTACHMENT_MAX_NAME_CHARS,
  BLOB_HASH_PATTERN,
  LIMITS,
} from '@sdmp/core'
import {
  API_PAGE_LIMITS,
  MAX_BATCH_MESSAGES,
  MAX_CHAT_ID_CHARS,
  MAX_PARAM_CHARS,
} from '../limits.js'
import { closed, nullable, oneOf } from './schema-kit.js'
import type { Contract } from './schema-kit.js'

/** Short strings: names, subjects. */
const SHORT = LIMITS.maxStringChars
/** Long opaque strings: invites and join requests (an invite is ~10 KB per device). */
const LONG = LIMITS.maxResourceBytes
/** 100 years in ms: far beyond any sensible TTL, far below Date's range. */
const MAX_TTL_MS = 3_153_600_000_000

/** How a client renders a message body. */
export const BodyType = oneOf('text', 'markdown', 'html')
export type BodyType = Contract<typeof BodyType>

/** The body types of a public post. */
export const PostType = oneOf('text', 'markdown')

/**
 * One attachment of a message to send (docs/protocol/attachments.md): the blob an upload
 * stored, as `uploadBlob` returned it, plus the file's name and media type.
 */
export const AttachmentRef = closed({
  hash: Type.String({ pattern: BLOB_HASH_PATTERN, description: 'SHA-256 of the encrypted blob' }),
  size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  // Its encoding is checked when the message is signed (INVALID_ENCODING, schemas.md "message").
  key: Type.String({ maxLength: 43, description: "the blob's 32-byte key, base64url" }),
  name: Type.String({ minLength: 1, maxLength: ATTACHMENT_MAX_NAME_CHARS }),
  type: Type.Optional(Type.String({ maxLength: ATTACHMENT_MAX_NAME_CHARS })),
})
export type AttachmentRef = Contract<typeof AttachmentRef>

/** What a message says: every member of a send but its recipients. */
const messageContent = {
  body: Type.String({ maxLength: LIMITS.maxBodyChars }),
  type: Type.Optional(BodyType),
  subject: Type.Optional(Type.String({ maxLength: SHORT })),
  replyTo: Type.Optional(
    Type.String({ maxLength: MAX_PARAM_CHARS, description: 'id of the message this answers' }),
  ),
  expiresInMs: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_TTL_MS, description: 'time to live in ms from now' }),
  ),
  attachments: Type.Optional(Type.Array(AttachmentRef, { maxItems: ATTACHMENT_MAX_COUNT })),
}

/** `POST /v1/messages`: an end-to-end encrypted message (docs/protocol/schemas.md "message"). */
export const SendRequest = closed({
  to: Type.Array(Type.String({ minLength: 1, maxLength: MAX_PARAM_CHARS }), {
    minItems: 1,
    maxItems: LIMITS.maxRecipients,
    description: 'recipient users: contact names or user fingerprints',
  }),
  ...messageContent,
  onBehalfOf: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_PARAM_CHARS,
      description:
        'send for this user (contact name or fingerprint) under their delegation (docs/protocol/delegation.md)',
    }),
  ),
})
export type SendRequest = Contract<typeof SendRequest>

/**
 * `POST /v1/messages/batch`: up to {@link MAX_BATCH_MESSAGES} messages sent together, sharing
 * commits (docs/api.md "Batches"). Each item is checked on its own: a bad item gets its own
 * coded error in the answer and does not stop the others; more items is `LIMIT_EXCEEDED`.
 */
export const SendBatchRequest = closed({
  messages: Type.Array(SendRequest, { minItems: 1, maxItems: MAX_BATCH_MESSAGES }),
})
export type SendBatchRequest = Contract<typeof SendBatchRequest>

/**
 * `POST /v1/groups/{group}/messages`: a message to every member of a group
 * (docs/protocol/groups.md §3), sealed once for all their reading nodes.
 */
export const GroupSendRequest = closed(messageContent)
export type GroupSendRequest = Contract<typeof GroupSendRequest>

/** A group's name (docs/protocol/groups.md §2): 1..64 characters. */
const GroupName = Type.String({ minLength: 1, maxLength: 64 })

/** `POST /v1/groups`: a new group with its first members (contacts), administered by me. */
export const GroupCreateRequest = closed({
  name: GroupName,
  members: Type.Array(Type.String({ minLength: 1, maxLength: MAX_PARAM_CHARS }), {
    minItems: 1,
    maxItems: LIMITS.maxGroupMembers - 1,
    description: 'contact names or user fingerprints (I am added as the admin)',
  }),
})
export type GroupCreateRequest = Contract<typeof GroupCreateRequest>

/** `POST /v1/groups/{group}/members`: add a contact to a group I administer. */
export const GroupMemberRequest = closed({
  member: Type.String({
    minLength: 1,
    maxLength: MAX_PARAM_CHARS,
    description: 'a contact name or user fingerprint',
  }),
})
export type GroupMemberRequest = Contract<typeof GroupMemberRequest>

/**
 * `POST /v1/messages/{id}/forward`: forward a message, its author's signature kept inside
 * (docs/protocol/forwarding.md).
 */
export const ForwardRequest = closed({
  to: Type.Array(Type.String({ minLength: 1, maxLength: MAX_PARAM_CHARS }), {
    minItems: 1,
    maxItems: LIMITS.maxRecipients,
    description: 'recipient users: contact names or user fingerprints',
  }),
  note: Type.Optional(
    Type.String({ maxLength: LIMITS.maxBodyChars, description: 'a note shown with it' }),
  ),
})
export type ForwardRequest = Contract<typeof ForwardRequest>

/** `POST /v1/posts`. */
export const PostRequest = closed({
  body: Type.String({ maxLength: LIMITS.maxBodyChars }),
  type: Type.Optional(PostType),
  subject: Type.Optional(Type.String({ maxLength: SHORT })),
})
export type PostRequest = Contract<typeof PostRequest>

/**
 * `PUT /v1/messages/{id}`, `PUT /v1/posts/{id}`: a new version of one's own message or post
 * (docs/protocol/edits.md); type and subject stay those of the version shown unless given.
 */
export const EditRequest = closed({
  body: Type.String({ maxLength: LIMITS.maxBodyChars }),
  type: Type.Optional(BodyType),
  subject: Type.Optional(Type.String({ maxLength: SHORT })),
})
export type EditRequest = Contract<typeof EditRequest>

/** `POST /v1/contacts`: add a contact from its invite, short invite or name@domain address. */
export const AddContactRequest = closed({
  invite: Type.String({ maxLength: LONG }),
  name: Type.Optional(Type.String({ maxLength: SHORT })),
  insecureHttp: Type.Optional(
    Type.Boolean({
      description: 'fetch the well-known document of an address over http:// (tests only)',
    }),
  ),
})
export type AddContactRequest = Contract<typeof AddContactRequest>

/** `POST /v1/devices`: authorize a device from its join request. */
export const AuthorizeDeviceRequest = closed({
  request: Type.String({ maxLength: LONG }),
  hostOnly: Type.Optional(Type.Boolean()),
})
export type AuthorizeDeviceRequest = Contract<typeof AuthorizeDeviceRequest>

/** `POST /v1/devices/join`: the user's invite, on a joined device. */
export const JoinRequest = closed({ invite: Type.String({ maxLength: LONG }) })
export type JoinRequest = Contract<typeof JoinRequest>

/** `POST /v1/identity/recover`: an invite of the old identity and the recovery words. */
export const RecoverRequest = closed({
  invite: Type.String({ maxLength: LONG }),
  words: Type.String({ maxLength: SHORT }),
})
export type RecoverRequest = Contract<typeof RecoverRequest>

/** `POST /v1/blocks`: block a user (docs/messaging.md "Blocking"). */
export const BlockRequest = closed({
  user: Type.String({
    minLength: 1,
    maxLength: MAX_PARAM_CHARS,
    description: 'a contact name or a user fingerprint',
  }),
  hide: Type.Optional(
    Type.Boolean({ description: 'also hide their messages received before (until unblocked)' }),
  ),
})
export type BlockRequest = Contract<typeof BlockRequest>

/**
 * `PUT /v1/settings`: whether read receipts go to senders (docs/messaging.md §4), for everyone
 * or for one contact; `null` with `contact` removes that contact's override.
 */
export const SettingsRequest = closed({
  readReceipts: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  // Message requests from strangers (docs/protocol/requests.md §5): open (default), silent
  // (stored, every sender told `silent`), closed (refused).
  requests: Type.Optional(oneOf('open', 'silent', 'closed')),
  contact: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_PARAM_CHARS,
      description: 'only for this contact (name or fingerprint)',
    }),
  ),
})
export type SettingsRequest = Contract<typeof SettingsRequest>

/**
 * `POST /v1/requests`: send a message request to someone who is not a contact yet
 * (docs/protocol/requests.md): `to` is their short invite or `USER@ADDRESS[,ADDRESS...]`.
 */
export const RequestSend = closed({
  to: Type.String({
    minLength: 1,
    maxLength: 4096,
    description: 'a short invite (sdmp-invite:3:...) or USER@ADDRESS[,ADDRESS...]',
  }),
  text: Type.String({ minLength: 1, maxLength: 1000, description: 'a short introduction' }),
  name: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'their contact name here' }),
  ),
})
export type RequestSend = Contract<typeof RequestSend>

/** `POST /v1/requests/{id}/accept`: the contact name (default: the name their invite gives). */
export const RequestAccept = closed({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
})
export type RequestAccept = Contract<typeof RequestAccept>
/** `POST /v1/delegations`: let a contact send or read for us (docs/protocol/delegation.md). */
export const DelegationRequest = closed({
  contact: Type.String({ minLength: 1, maxLength: MAX_PARAM_CHARS, description: 'contact name' }),
  scope: Type.Array(oneOf('send', 'read'), { minItems: 1, maxItems: 2, uniqueItems: true }),
  until: Type.Optional(
    Type.String({ maxLength: 64, description: 'end of the delegation (exclusive), ISO 8601' }),
  ),
})
export type DelegationRequest = Contract<typeof DelegationRequest>

/** `POST /v1/rules`: a forwarding rule (docs/protocol/forwarding.md §6). */
export const RuleRequest = closed({
  from: Type.String({
    minLength: 1,
    maxLength: 128,
    description: 'sender pattern: contact name or fingerprint, `*` matching any characters',
  }),
  to: Type.Array(Type.String({ minLength: 1, maxLength: MAX_PARAM_CHARS }), {
    minItems: 1,
    maxItems: 16,
    description: 'contacts to forward to (names or fingerprints)',
  }),
})
export type RuleRequest = Contract<typeof RuleRequest>

/** `PUT /v1/profile`: the display name contacts see (schemas.md "user"). */
export const ProfileRequest = closed({ name: Type.String({ minLength: 1, maxLength: 128 }) })
export type ProfileRequest = Contract<typeof ProfileRequest>

/** `PUT /v1/address`: claim name@domain in the profile, or drop the claim with null. */
export const AddressRequest = closed({
  address: nullable(Type.String({ minLength: 3, maxLength: 240 })),
})
export type AddressRequest = Contract<typeof AddressRequest>

/** `POST /v1/sync`. */
export const SyncRequest = closed({
  wait: Type.Optional(
    Type.Boolean({ description: 'wait until every reachable peer is caught up' }),
  ),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000, default: 30_000 })),
})
export type SyncRequest = Contract<typeof SyncRequest>

/** A body that must be empty or `{}` (routes that take no input). */
export const EmptyRequest = closed({})

/** `?limit` of a listing: 1..max (API_PAGE_LIMITS). */
const limit = (max: number) =>
  Type.Optional(
    Type.Integer({ minimum: 1, maximum: max, description: `at most this many (1..${max})` }),
  )
/** `?after`: a journal position. */
const after = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description }))

/** `?before`: the opaque cursor of the next page (`next` of the previous one). */
const before = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'the `next` cursor of the previous page: only older entries',
  }),
)

/** `GET /v1/messages`. */
export const InboxQuery = closed({
  all: Type.Optional(Type.Boolean({ description: 'include sent messages' })),
  limit: limit(API_PAGE_LIMITS.list),
  before,
})
export type InboxQuery = Contract<typeof InboxQuery>

/** `GET /v1/chats`, `GET /v1/chats/{id}/messages`. */
export const ChatsQuery = closed({ limit: limit(API_PAGE_LIMITS.list), before })
export type ChatsQuery = Contract<typeof ChatsQuery>

/**
 * A chat id (docs/api.md "Chats"): the sorted fingerprints of the people in it other than me,
 * joined by '.', or my own fingerprint for notes to self. Up to 100 people (URL length).
 */
export const ChatId = Type.String({
  minLength: 1,
  maxLength: MAX_CHAT_ID_CHARS,
  pattern: '^([A-Za-z0-9_-]{86}(\\.[A-Za-z0-9_-]{86})*|g-[A-Za-z0-9_-]{86})$',
  description:
    "sorted user fingerprints joined by '.' (my own for notes to self), or g-<group id> for a group",
})

/** `GET /v1/posts`. */
export const PostsQuery = closed({ limit: limit(API_PAGE_LIMITS.list) })
export type PostsQuery = Contract<typeof PostsQuery>

/** `GET /v1/journal`. */
export const JournalQuery = closed({
  after: after('only lines after this position'),
  limit: limit(API_PAGE_LIMITS.journal),
})
export type JournalQuery = Contract<typeof JournalQuery>

/** `GET /v1/events`. */
export const EventsQuery = closed({
  after: after('start after this journal position (else the Last-Event-ID header, else now)'),
})

/** A path parameter: an id, a fingerprint or a name. */
export const PathParam = Type.String({ minLength: 1, maxLength: MAX_PARAM_CHARS })

/** `GET /v1/messages/{id}/attachments/{index}`: the index of an attachment. */
export const AttachmentIndex = Type.Integer({ minimum: 0, maximum: ATTACHMENT_MAX_COUNT - 1 })
