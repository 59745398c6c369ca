/**
 * Response shapes of the client API (docs/api.md) for messaging: published ids and batches,
 * messages with their states, receipts, versions, attachments and forwards, public posts, chats
 * and groups, and the pages that list them.
 * @module
 */
import { Type } from '@sinclair/typebox'
import { BodyType, PostType } from './requests.js'
import { ApiErrorBody } from './responses-node.js'
import { closed, count, nullable, oneOf, text, time } from './schema-kit.js'
import type { Contract } from './schema-kit.js'

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
/** `GET /v1/messages/{id}/history`: the message and its versions, oldest first. */
export const MessageHistory = closed({ message: MessageDetail, versions: Type.Array(Version) })
export type MessageHistory = Contract<typeof MessageHistory>
/** `PUT`/`DELETE /v1/posts/{id}`: the post as it is now. */
export const PostChanged = closed({ post: Post })
export type PostChanged = Contract<typeof PostChanged>
/** `POST /v1/messages/{id}/read`. */
export const MessageRead = closed({ message: MessageDetail })
