/**
 * Sending sealed resources (docs/messaging.md "Send"): the inner message or receipt is signed
 * by this node for its user, sealed to the reading nodes of the recipient users and of our own
 * user (envelope.md §1, §7.2), and published as an `encrypted` resource.
 * @module
 */
import { ErrorCode, ProtocolError, sealResource, toMessageAttachment } from '@sdmp/core'
import type { DecodedResource, ForwardedData, MessageAttachment, PrekeyRecord } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { PrekeyBook } from './prekeys.js'
import type { SessionBook } from './sessions.js'

/** A message to send (recipients already resolved to user fingerprints). */
export interface SendRequest {
  readonly to: readonly string[]
  readonly body: string
  readonly type?: 'text' | 'markdown' | 'html'
  readonly subject?: string
  /** Inner or outer id of an indexed message this one answers. */
  readonly replyTo?: string
  /** Expiry, ms since the epoch. */
  readonly expires?: number
  /** Blobs already stored here (docs/protocol/attachments.md), in order. */
  readonly attachments?: readonly AttachmentData[]
  /** The message this one forwards, signed by its author, with its proof (forwarding.md). */
  readonly forwarded?: ForwardedData
  /**
   * Sent on behalf of another user: that user's `delegation` resource as canonical text
   * (docs/protocol/delegation.md §2). The mailbox fills it from `onBehalfOf` after checking it.
   */
  readonly delegation?: string
  /** The id of the group it is sent to (docs/protocol/groups.md §3); `to` is its members. */
  readonly group?: string
}

/** One attachment as the message carries it (schemas.md "message", attachments.md §1). */
export type AttachmentData = MessageAttachment

/** What a send published. */
export interface SendResult {
  /** Id of the signed inner message (what receipts and replies name). */
  readonly id: string
  /** Id of the `encrypted` resource that carries it. */
  readonly outer: string
  /** Journal position of the outer resource. */
  readonly position: number
}

/** The thread a reply joins. */
export interface Thread {
  readonly replyTo: string
  readonly conversation: string
}

/**
 * Sign the inner `message` for our user (schemas.md "message").
 * @throws BAD_REQUEST (no recipient, bad expiry), FORBIDDEN (no publish_resource),
 *   SCHEMA_VIOLATION (fields out of range, duplicate recipients)
 */
export function signMessage(
  account: Account,
  req: SendRequest,
  thread: Thread | undefined,
): DecodedResource {
  if (!Array.isArray(req.to) || req.to.length === 0)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'message.to: expected at least 1 recipient')
  if (req.expires !== undefined && (!Number.isSafeInteger(req.expires) || req.expires < 0))
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'message.expires: expected epoch ms')
  return account.signForUser(
    {
      kind: 'message',
      data: {
        body: req.body,
        type: req.type ?? 'text',
        to: [...req.to],
        ...(req.subject !== undefined && { subject: req.subject }),
        ...(thread && { conversation: thread.conversation, replyTo: thread.replyTo }),
        ...(req.expires !== undefined && { expires: new Date(req.expires).toISOString() }),
        ...(req.attachments !== undefined &&
          req.attachments.length > 0 && {
            attachments: req.attachments.map(toMessageAttachment),
          }),
        ...(req.forwarded !== undefined && {
          forwarded: {
            resource: req.forwarded.resource,
            proof: [...req.forwarded.proof],
            ...(req.forwarded.chain !== undefined && { chain: [...req.forwarded.chain] }),
          },
        }),
        ...(req.delegation !== undefined && { delegation: req.delegation }),
        ...(req.group !== undefined && { group: req.group }),
      },
    },
    'publish_resource',
  )
}

/**
 * Sign a `receipt` for messages of one author (schemas.md "receipt": 1..256 distinct ids).
 * @throws FORBIDDEN, SCHEMA_VIOLATION
 */
export function signReceipt(
  account: Account,
  messages: readonly string[],
  status: 'delivered' | 'read',
): DecodedResource {
  return account.signForUser(
    { kind: 'receipt', data: { resources: [...messages], status } },
    'publish_resource',
  )
}

/**
 * Seal `inner` to `keys` and publish the `encrypted` resource (signed by this node under its
 * publish_resource trust). `readers` (the reader users: recipients and our own) become the
 * envelope's routing tags (envelope.md §12), so it is offered to their nodes only (sync.md §10).
 * `sessions`: seal with session entries where a session exists (sessions.md §8; the mailbox
 * always passes its {@link SessionBook}); without it every reading node gets a prekey wrap.
 * The inner resource travels with the envelope into the journal's appended line, so this node
 * indexes what it sent without opening its own envelope (docs/architecture.md). `replaces`:
 * the envelope of a delete names the original's envelope, for hosts (docs/protocol/edits.md §3).
 * @throws FORBIDDEN (no publish_resource), the ingest codes of {@link Account.publish}
 */
export async function publishSealed(
  account: Account,
  inner: DecodedResource,
  keys: readonly PrekeyRecord[],
  readers: readonly string[],
  options: { replaces?: string; sessions?: SessionBook | undefined } = {},
): Promise<{ outer: string; position: number }> {
  const trust = account.nodeTrusts('publish_resource')[0]
  if (trust === undefined)
    throw new ProtocolError(ErrorCode.FORBIDDEN, 'this node may not publish_resource for its user')
  const replaces = options.replaces !== undefined ? { replaces: options.replaces } : {}
  // With sessions (sessions.md §8) the advanced session state is durable before this publish.
  const outer = options.sessions
    ? await options.sessions.seal(inner, keys, { trust: trust.id }, { readers, ...replaces })
    : sealResource(
        account.provider,
        inner,
        keys,
        { key: account.nodeKey, user: account.requireUser(), trust: trust.id },
        { readers, ...replaces },
      )
  const outcome = await account.publishSealed(outer, inner)
  return { outer: outer.id, position: outcome.position! }
}

/**
 * Send one receipt for `messages` (all by `author`) to the author's reading nodes and our own.
 * Best effort: when no node of the author can receive yet, it goes to the nodes that can (our
 * own at least), and the caller is told who was missing.
 * @returns the users without a usable prekey (empty when everyone got it)
 */
export async function sendReceipt(
  account: Account,
  book: PrekeyBook,
  messages: readonly string[],
  author: string,
  status: 'delivered' | 'read',
  options: { readonly toAuthor?: boolean } = {},
): Promise<string[]> {
  const me = account.requireUser()
  // Without the author, the receipt is sealed to our own devices only (no routing tag).
  const readers = options.toAuthor === false ? [me] : [author, me]
  const { keys, missing } = await book.recipientsOf(readers)
  if (keys.length === 0) return missing
  await publishSealed(account, signReceipt(account, messages, status), keys, readers, {
    sessions: book.sessions,
  })
  return missing
}

/** What an edit changes: the body, and optionally the type and subject. */
export interface EditContent {
  readonly body: string
  readonly type?: 'text' | 'markdown' | 'html'
  readonly subject?: string
}

/** The fields of an indexed message an update or delete repeats (edits.md §1). */
export interface ChangedMessage {
  readonly id: string
  readonly to: readonly string[]
  readonly type: 'text' | 'markdown' | 'html'
  readonly subject?: string
  readonly conversation: string
  readonly replyTo?: string
  readonly expires?: number
  /** Kept by an update (an edit changes the text, not the files); dropped by a delete. */
  readonly attachments?: readonly AttachmentData[]
}

/**
 * Sign an update (with `edit`) or a delete (without) of message `original` for our user: a
 * complete `message` with `action` and `replaces` = the original's inner id (schemas.md §1). A
 * delete carries an empty body and no subject or attachments. It does not check that the
 * original is ours: readers do (edits.ts), and the mailbox refuses before signing.
 * @throws FORBIDDEN (no publish_resource), SCHEMA_VIOLATION
 */
export function signChange(
  account: Account,
  original: ChangedMessage,
  edit: EditContent | undefined,
): DecodedResource {
  const subject = edit === undefined ? undefined : (edit.subject ?? original.subject)
  return account.signForUser(
    {
      kind: 'message',
      action: edit === undefined ? 'delete' : 'update',
      replaces: original.id,
      data: {
        body: edit?.body ?? '',
        type: edit?.type ?? original.type,
        to: [...original.to],
        ...(subject !== undefined && { subject }),
        ...(original.conversation !== original.id && { conversation: original.conversation }),
        ...(original.replyTo !== undefined && { replyTo: original.replyTo }),
        ...(original.expires !== undefined && {
          expires: new Date(original.expires).toISOString(),
        }),
        ...(edit !== undefined &&
          original.attachments !== undefined &&
          original.attachments.length > 0 && {
            attachments: original.attachments.map(toMessageAttachment),
          }),
      },
    },
    'publish_resource',
  )
}
