/**
 * Every response shape of the client API (docs/api.md), declared once: the TypeScript types
 * that both `SdmpApi` implementations return and the OpenAPI document's schemas come from here.
 * All fingerprints and ids are 86-character base64url digests; times are ISO 8601 (UTC).
 * @module
 */
import { Type } from '@sinclair/typebox'
import { BodyType, PostType } from './requests.js'
import { closed, count, nullable, oneOf, text, time } from './schema-kit.js'
import type { Contract } from './schema-kit.js'

/** The error document of every failed API call: `{"error":{"code","message"}}`. */
export const ApiErrorBody = closed({ error: closed({ code: text(), message: text() }) })
export type ApiErrorBody = Contract<typeof ApiErrorBody>

/** When and by which key this device was revoked (docs/protocol/trust.md §6.1). */
export const RevokedInfo = closed({
  at: time(),
  by: Type.String({ description: 'fingerprint of the key that signed the revocation' }),
  message: Type.String({ description: '"this device was revoked on DATE by DEVICE"' }),
})
export type RevokedInfo = Contract<typeof RevokedInfo>

/** `GET /v1/whoami`. */
export const Whoami = closed({
  user: nullable(Type.String({ description: 'null on a joined device awaiting its trust' })),
  node: text(),
  uri: nullable(text()),
  name: Type.Optional(text()),
  address: Type.Optional(Type.String({ description: 'the name@domain this user claims' })),
  listen: closed({ peer: text(), api: text() }),
  running: Type.Optional(closed({ peer: text(), api: text(), pid: count() })),
  revoked: Type.Optional(RevokedInfo),
})
export type Whoami = Contract<typeof Whoami>

/** `GET /v1/status`. */
export const Status = closed({
  user: nullable(text()),
  node: text(),
  store: text(),
  encrypted: Type.Boolean(),
  counts: closed({
    resources: count(),
    journal: count(),
    contacts: count(),
    devices: count(),
    messages: count(),
  }),
  daemon: Type.Optional(closed({ pid: count(), uptimeMs: count(), peers: count() })),
  revoked: Type.Optional(RevokedInfo),
})
export type Status = Contract<typeof Status>

/** What `POST /v1/blobs` stored: the encrypted blob's hash and size and its key. */
export const UploadedBlob = closed({ hash: text(), size: count(), key: text() })
export type UploadedBlob = Contract<typeof UploadedBlob>

/** An attachment as messages show it (attachments.md §4); never the key. */
export const AttachmentInfo = closed({
  name: text(),
  size: Type.Integer({ minimum: 0, description: 'size of the file (plaintext) in bytes' }),
  type: nullable(text()),
  hash: text(),
  available: Type.Boolean({ description: 'this node holds the blob (else it is being fetched)' }),
})
export type AttachmentInfo = Contract<typeof AttachmentInfo>

/** An id of a published resource (`send`, `post`). */
export const Published = closed({ id: text() })
export type Published = Contract<typeof Published>

/**
 * `POST /v1/messages/batch`: one result per message, in the order sent: its id, or the error it
 * got (the document of a failed call, docs/api.md "Batches").
 */
export const BatchPublished = closed({
  results: Type.Array(Type.Union([Published, ApiErrorBody])),
})
export type BatchPublished = Contract<typeof BatchPublished>

/**
 * State of a message (docs/messaging.md "Delivery states"). Received: `unread` or `read`. Sent,
 * the weakest across its recipients: `rejected` (a recipient removed us as a contact: it will
 * not be delivered), `waiting` (a recipient has not added us yet: it goes once they do), `sent`
 * (no receipt yet), `delivered` (every recipient's node holds it), `read` (every recipient read
 * it). A recipient's receipt counts whatever came before.
 */
export const MessageState = oneOf('waiting', 'sent', 'delivered', 'read', 'unread', 'rejected')
export type MessageState = Contract<typeof MessageState>

/**
 * The original of a forwarded message (docs/protocol/forwarding.md), verified by this node
 * from the signature it carries: `body`, `type` and `subject` of the message are the
 * original's, `from` is who forwarded it.
 */
export const ForwardedFrom = closed({
  user: Type.String({ description: "the original author's user fingerprint" }),
  id: Type.String({ description: "the original message's id" }),
  created: time(),
  note: nullable(Type.String({ description: "the forwarder's note, if any" })),
})
export type ForwardedFrom = Contract<typeof ForwardedFrom>

/**
 * A membership change of a group (docs/protocol/groups.md §6), shown in its chat as a message
 * whose body says it ("added 1a2b3c4d5e"); clients may render names from `by` and `users`.
 */
export const GroupEventInfo = closed({
  kind: oneOf('create', 'add', 'remove'),
  users: Type.Array(text(), { description: 'who was added or removed (empty for create)' }),
  by: Type.String({ description: 'the admin who made the change' }),
})
export type GroupEventInfo = Contract<typeof GroupEventInfo>

/** The group a message belongs to (docs/protocol/groups.md §3). */
export const MessageGroup = closed({
  id: text(),
  name: text(),
  event: nullable(GroupEventInfo),
})
export type MessageGroup = Contract<typeof MessageGroup>

const messageMembers = {
  id: Type.String({ description: 'id of the signed inner message resource' }),
  from: text(),
  to: Type.Array(text()),
  subject: nullable(text()),
  body: text(),
  type: BodyType,
  created: time(),
  conversation: Type.String({ description: "the first message's id for a thread root" }),
  chat: Type.String({ description: 'id of its chat: the people in it other than me' }),
  replyTo: nullable(text()),
  expires: nullable(time()),
  state: MessageState,
  reason: nullable(
    Type.String({
      description:
        'why the message is `waiting` or `rejected`, naming the recipients (e.g. "bob has not added you yet; the message waits"); null otherwise',
    }),
  ),
  direction: oneOf('in', 'out'),
  attachments: Type.Optional(Type.Array(AttachmentInfo)),
  forwardedFrom: nullable(ForwardedFrom),
  edited: nullable(
    Type.String({
      format: 'date-time',
      description: 'creation time of the edit shown (docs/protocol/edits.md); null if none',
    }),
  ),
  deleted: Type.Boolean({
    description: 'deleted by its author: body, subject and attachments are gone',
  }),
  onBehalfOf: nullable(
    Type.String({
      description:
        'the user fingerprint `from` sent it for, under a delegation verified here (docs/protocol/delegation.md); null if none',
    }),
  ),
  group: nullable(MessageGroup),
}
/** One message as `inbox` and `show` return it. */
export const Message = closed(messageMembers)
export type Message = Contract<typeof Message>

/** A receipt a recipient's node sent for a message (sender side). */
export const ReceiptInfo = closed({ user: text(), status: oneOf('delivered', 'read'), at: time() })
export type ReceiptInfo = Contract<typeof ReceiptInfo>

/** `show` of a message: the message and, for sent ones, who has it. */
export const MessageDetail = closed({ ...messageMembers, receipts: Type.Array(ReceiptInfo) })
export type MessageDetail = Contract<typeof MessageDetail>

/** One version of an edited message or post (`GET /v1/messages/{id}/history`). */
export const Version = closed({
  id: Type.String({ description: "id of this version's resource (the original's for the first)" }),
  at: time(),
  body: text(),
  type: BodyType,
  subject: nullable(text()),
})
export type Version = Contract<typeof Version>

/** A public post. */
export const Post = closed({
  id: text(),
  from: text(),
  body: text(),
  type: PostType,
  subject: nullable(text()),
  created: time(),
  edited: nullable(
    Type.String({
      format: 'date-time',
      description: 'creation time of the update shown; null if none',
    }),
  ),
  deleted: Type.Boolean({ description: 'deleted by its author' }),
})
export type Post = Contract<typeof Post>

/** `GET /v1/items/{id}`: any message or post the node holds. */
export const Shown = Type.Union([closed({ message: MessageDetail }), closed({ post: Post })])
export type Shown = Contract<typeof Shown>

/**
 * A contact: `mutual` once the contact's trust back has arrived, `waiting` until then, `removed`
 * once they withdrew it (their trust revoked, or their nodes refuse us after they had added us).
 */
export const Contact = closed({
  name: text(),
  user: text(),
  trust: text(),
  added: time(),
  status: oneOf('mutual', 'waiting', 'removed'),
  displayName: Type.Optional(
    Type.String({ description: 'the name the contact gave themselves (their newest profile)' }),
  ),
  blocked: Type.Optional(Type.Literal(true, { description: 'blocked here' })),
})
export type Contact = Contract<typeof Contact>

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

/** `GET /v1/profile`, `PUT /v1/profile`: this user's published display name. */
export const Profile = closed({
  user: text(),
  name: nullable(text()),
  updated: nullable(Type.String({ format: 'date-time', description: 'when it was signed' })),
  address: Type.Optional(Type.String({ description: 'the name@domain claimed (addresses.md §2)' })),
})
export type Profile = Contract<typeof Profile>

/** How a replaced identity was proven (docs/protocol/keys.md §5). */
const RotationKind = oneOf('key', 'recovery')

/** `POST /v1/contacts`. */
export const ContactAdded = closed({
  name: text(),
  user: text(),
  trust: text(),
  added: time(),
  nodes: Type.Integer({ minimum: 0, description: "how many of the contact's devices it lists" }),
  refreshed: Type.Optional(Type.Boolean({ description: 'already a contact: devices refreshed' })),
  address: Type.Optional(
    Type.String({ description: 'the name@domain it was added by, now pinned' }),
  ),
  replaced: Type.Optional(
    closed({ from: text(), kind: RotationKind }, 'the invite replaces this identity (rotation)'),
  ),
})
export type ContactAdded = Contract<typeof ContactAdded>

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

/** `DELETE /v1/contacts/{name}`. */
export const ContactRemoved = closed({ name: text(), user: text(), revokes: Type.Array(text()) })
export type ContactRemoved = Contract<typeof ContactRemoved>

/** One of the user's devices. */
export const Device = closed({
  node: text(),
  name: Type.Optional(text()),
  authorization: Type.Array(text()),
  status: oneOf('active', 'revoked', 'expired', 'pending'),
  self: Type.Boolean(),
  trusts: Type.Array(text()),
})
export type Device = Contract<typeof Device>

/** `POST /v1/devices`. */
export const DeviceAuthorized = closed({
  node: text(),
  name: Type.Optional(text()),
  trust: text(),
  authorization: Type.Array(text()),
})
export type DeviceAuthorized = Contract<typeof DeviceAuthorized>

/** `DELETE /v1/devices/{node}`. */
export const DeviceRevoked = closed({ node: text(), revokes: Type.Array(text()) })
export type DeviceRevoked = Contract<typeof DeviceRevoked>

/** `POST /v1/identity/rotate` and `/recover`: the user identity was replaced (keys.md §5). */
export const IdentityRotated = closed({
  user: Type.String({ description: 'the new user identity' }),
  previous: Type.String({ description: 'the identity it replaces' }),
  kind: RotationKind,
  devices: count(),
  contacts: count(),
  recoveryWords: Type.Optional(Type.String({ description: 'after a recovery, shown once' })),
})
export type IdentityRotated = Contract<typeof IdentityRotated>

/** A peer of the running node. */
export const Peer = closed({
  node: nullable(text()),
  user: nullable(
    Type.String({
      description:
        "the peer node's user: of the session when connected, else as the trust log says (who refused us); null if unknown",
    }),
  ),
  address: nullable(
    Type.String({
      description: 'the address dialled (`HOST:PORT`, `ws://…`, `wss://…`); null when inbound only',
    }),
  ),
  state: oneOf('connected', 'connecting', 'backoff', 'offline'),
  direction: nullable(oneOf('inbound', 'outbound')),
  lastError: nullable(text()),
  nextAttempt: nullable(time()),
})
export type Peer = Contract<typeof Peer>

/** The outcome of `sync`: `synced` when every connected peer finished before the timeout. */
export const SyncResult = closed({ synced: Type.Boolean(), peers: Type.Array(Peer) })
export type SyncResult = Contract<typeof SyncResult>

/** One journal line. */
export const JournalLine = closed({ position: count(), line: text() })
export type JournalLine = Contract<typeof JournalLine>

/** A page's `next`: the cursor of the next (older) page, null when there is none. */
const next = nullable(Type.String({ description: 'pass as ?before= for the next page' }))

/** `GET /v1/messages`, `GET /v1/chats/{id}/messages`: newest first. */
export const MessageList = closed({ messages: Type.Array(Message), next })

/** One chat of `GET /v1/chats` (docs/api.md "Chats"). */
export const ChatSummary = closed({
  id: Type.String({ description: "the chat id: the fingerprints of `with` joined by '.'" }),
  with: Type.Array(text(), { description: 'the people in it other than me, sorted' }),
  names: Type.Array(text(), {
    description: 'contact names, or 10-character short fingerprints; same order as with',
  }),
  last: Message,
  unread: count(),
  messages: count(),
  group: nullable(closed({ id: text(), name: text() }, 'the group of a group chat, else null')),
})
export type ChatSummary = Contract<typeof ChatSummary>

/** One member of a group as `group list` shows it. */
export const GroupMemberInfo = closed({
  user: text(),
  name: Type.String({ description: 'contact name, my own name, or a 10-character short id' }),
  admin: Type.Boolean(),
})
export type GroupMemberInfo = Contract<typeof GroupMemberInfo>

/** A group (docs/protocol/groups.md): its latest version as this node applied it. */
export const GroupInfo = closed({
  id: text(),
  name: text(),
  admin: text(),
  version: count(),
  members: Type.Array(GroupMemberInfo),
  member: Type.Boolean({ description: 'I am a member (false once removed)' }),
  chat: Type.String({ description: 'the id of its chat (g-<id>)' }),
  updated: time(),
})
export type GroupInfo = Contract<typeof GroupInfo>
/** `GET /v1/groups`. */
export const GroupList = closed({ groups: Type.Array(GroupInfo) })
/** `GET /v1/chats`: most recent activity first. */
export const ChatList = closed({ chats: Type.Array(ChatSummary), next })
/** `GET /v1/posts`. */
export const PostList = closed({ posts: Type.Array(Post) })
/** `GET /v1/contacts`. */
export const ContactList = closed({ contacts: Type.Array(Contact) })
/** `GET /v1/requests`: oldest first. */
export const RequestList = closed({ requests: Type.Array(ContactRequest) })
/** `GET /v1/blocks`. */
export const BlockList = closed({ blocks: Type.Array(Block) })
/** `GET /v1/devices`: `revoked` when this device was revoked. */
export const DeviceList = closed({
  devices: Type.Array(Device),
  revoked: Type.Optional(RevokedInfo),
})
/** `GET /v1/peers`. */
export const PeerList = closed({ peers: Type.Array(Peer) })
/** `GET /v1/journal`. */
export const JournalPage = closed({ lines: Type.Array(JournalLine) })
/** `GET /v1/messages/{id}/history`: the message and its versions, oldest first. */
export const MessageHistory = closed({ message: MessageDetail, versions: Type.Array(Version) })
export type MessageHistory = Contract<typeof MessageHistory>
/** `PUT`/`DELETE /v1/posts/{id}`: the post as it is now. */
export const PostChanged = closed({ post: Post })
export type PostChanged = Contract<typeof PostChanged>
/** `POST /v1/messages/{id}/read`. */
export const MessageRead = closed({ message: MessageDetail })
/** `GET /v1/contacts/{name}/invite`. */
export const Invite = closed({ invite: text() })
/**
 * `GET /v1/invite`: the full invite, and the short one (`sdmp-invite:3:`, fetched from this node
 * by whoever adds it) once this node has published a peer address (docs/cli.md "Invites").
 */
export const OwnInvite = closed({
  invite: text(),
  short: Type.Optional(text()),
})
/** `POST /v1/devices/join`: the user learned and this node. */
export const Joined = closed({ user: text(), node: text() })
