/**
 * The message routes of the service that do more than call the mailbox (docs/api.md §2): a
 * send resolves its recipients and attachments and offers the blobs, a forward resolves its
 * recipients, the history joins a message with its versions; and the id rule every message
 * route checks first.
 * @module
 */
import { ErrorCode, ProtocolError, isDigest, isProtocolError } from '@sdmp/core'
import { ForwardRequest, GroupSendRequest, SendRequest } from '@sdmp/client/schemas'
import { MAX_BATCH_MESSAGES } from '@sdmp/client'
import type { BatchPublished, MessageHistory, Published, SendBatchRequest } from '@sdmp/client'
import { isMessageRef } from '@sdmp/client/ids'
import type { Account } from '../account/account.js'
import type { ContactEntry } from '../account/contacts.js'
import { readContacts } from '../account/contacts.js'
import { requireContact } from '../account/contact-names.js'
import type { Mailbox } from '../mail/index.js'
import { checkAttachments } from '../mail/attachment-store.js'
import { assertRequest } from './request-check.js'
import { versionOf } from './versions.js'

/** What a send asks of the network's blob transfer (node-service.ts `ServiceBlobs`). */
export interface BlobOffer {
  offer(hashes: readonly string[], users: ReadonlySet<string>): Promise<void>
}

/** A message id, or a prefix of one (docs/cli.md "Short ids"). @throws BAD_REQUEST */
export function assertId(id: string, label: string): void {
  if (!isMessageRef(id))
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `${label}: expected an 86-character base64url id or a prefix of 6 or more of its characters`,
    )
}

/** A contact name or a user fingerprint → a user fingerprint. @throws NOT_FOUND, CONFLICT */
function resolveUser(contacts: readonly ContactEntry[], ref: string): string {
  if (isDigest(ref) && !contacts.some((c) => c.name === ref)) return ref
  return requireContact(contacts, ref).user
}

/**
 * Recipients by contact name or fingerprint, each user once. `table`: the contact table read
 * once for a whole batch (sendMessages), instead of a read per message.
 */
export async function recipients(
  account: Account,
  to: readonly string[],
  table?: Promise<readonly ContactEntry[]>,
): Promise<string[]> {
  const contacts = await (table ?? readContacts(account))
  return [...new Set(to.map((t) => resolveUser(contacts, t)))]
}

/**
 * `POST /v1/messages`: checked (the HTTP edge did, the CLI's in-process call did not), sent,
 * and its attachments offered to our other devices and the recipients' connected nodes.
 * @throws BAD_REQUEST, NOT_FOUND (recipient, reply, attachment), the mailbox's codes
 */
export async function sendMessage(
  account: Account,
  mailbox: Mailbox,
  blobs: BlobOffer | undefined,
  request: SendRequest,
  table?: Promise<readonly ContactEntry[]>,
): Promise<Published> {
  assertRequest(SendRequest, request, 'send')
  const to = await recipients(account, request.to, table)
  return sendContent(account, mailbox, blobs, request, { to }, table)
}

/**
 * `POST /v1/groups/{group}/messages` (docs/protocol/groups.md §3): to every other member of
 * the group (a name or id of one of ours). @throws as {@link sendMessage}, FORBIDDEN
 */
export async function sendToGroup(
  account: Account,
  mailbox: Mailbox,
  blobs: BlobOffer | undefined,
  group: string,
  request: GroupSendRequest,
): Promise<Published> {
  assertRequest(GroupSendRequest, request, 'send')
  const g = mailbox.group(group)
  return sendContent(account, mailbox, blobs, request, { to: [], group: g.id })
}

/** Send checked content to resolved recipients (or a group), offering its attachments. */
async function sendContent(
  account: Account,
  mailbox: Mailbox,
  blobs: BlobOffer | undefined,
  request: Omit<SendRequest, 'to'>,
  target: { to: string[]; group?: string },
  table?: Promise<readonly ContactEntry[]>,
): Promise<Published> {
  if (request.replyTo !== undefined) assertId(request.replyTo, 'replyTo')
  const expires =
    request.expiresInMs === undefined ? undefined : account.now() + request.expiresInMs
  const attachments = await checkAttachments(account.store, request.attachments)
  const sent = await mailbox.send({
    to: target.to,
    ...(target.group !== undefined && { group: target.group }),
    body: request.body,
    ...(request.type !== undefined && { type: request.type }),
    ...(request.subject !== undefined && { subject: request.subject }),
    ...(request.replyTo !== undefined && { replyTo: request.replyTo }),
    ...(expires !== undefined && { expires }),
    ...(attachments.length > 0 && { attachments }),
    ...(request.onBehalfOf !== undefined && {
      onBehalfOf: resolveUser(await (table ?? readContacts(account)), request.onBehalfOf),
    }),
  })
  if (attachments.length > 0) {
    // Our other devices (host-only ones too) and the recipients' connected nodes fetch the
    // blobs from us (attachments.md §3).
    const to = target.group === undefined ? target.to : mailbox.group(target.group).members
    await blobs
      ?.offer(
        attachments.map((a) => a.hash),
        new Set([account.requireUser(), ...to]),
      )
      // The message is sent; an offer that fails (a channel closing) is repeated to every
      // peer that connects later (BlobTransfer.attached), so the send still succeeds.
      .catch(() => undefined)
  }
  return { id: sent.id }
}

/**
 * `POST /v1/messages/batch` (docs/api.md "Batches"): every item sent at once, so that their
 * journal appends share group commits (the store's and the ingestor's) and the mailbox indexes
 * them in one batch. Each item is checked and answered on its own, in order: its id once its
 * commit is durable, or its coded error; an item that fails does not stop the others. The
 * items are independent: one cannot reply to another of the same batch.
 * @throws BAD_REQUEST (not `{messages: [...]}`, or no message), LIMIT_EXCEEDED (more than
 *   MAX_BATCH_MESSAGES)
 */
export async function sendMessages(
  account: Account,
  mailbox: Mailbox,
  blobs: BlobOffer | undefined,
  request: SendBatchRequest,
): Promise<BatchPublished> {
  const messages = batchItems(request)
  // One read of the contact table for the batch; a failed read fails each item, as it would
  // have one by one.
  const table = readContacts(account)
  table.catch(() => undefined)
  const settled = await Promise.allSettled(
    messages.map((m) => sendMessage(account, mailbox, blobs, m as SendRequest, table)),
  )
  return {
    results: settled.map((s) => {
      if (s.status === 'fulfilled') return s.value
      // As the HTTP edge answers a whole call: a coded error keeps its code and message; any
      // other failure is a bug, reported without its details (they could hold request data).
      const e: unknown = s.reason
      return isProtocolError(e)
        ? { error: { code: e.code, message: e.message } }
        : { error: { code: 'INTERNAL', message: 'internal error' } }
    }),
  }
}

/** The items of a batch: only its shape is checked here, each item by {@link sendMessage}. */
function batchItems(request: unknown): readonly unknown[] {
  const shape = 'batch: expected {"messages": [message, ...]}'
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw new ProtocolError(ErrorCode.BAD_REQUEST, shape)
  const keys = Object.keys(request)
  const messages = (request as { messages?: unknown }).messages
  if (keys.length !== 1 || keys[0] !== 'messages' || !Array.isArray(messages))
    throw new ProtocolError(ErrorCode.BAD_REQUEST, shape)
  if (messages.length === 0)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'batch.messages: expected at least 1 message')
  if (messages.length > MAX_BATCH_MESSAGES)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `batch.messages: at most ${MAX_BATCH_MESSAGES} messages per batch (got ${messages.length})`,
    )
  return messages
}

/** `POST /v1/messages/{id}/forward` (docs/protocol/forwarding.md). */
export async function forwardMessage(
  account: Account,
  mailbox: Mailbox,
  id: string,
  request: ForwardRequest,
): Promise<Published> {
  assertId(id, 'id')
  assertRequest(ForwardRequest, request, 'forward')
  const to = await recipients(account, request.to)
  const sent = await mailbox.forward(id, {
    to,
    ...(request.note !== undefined && { note: request.note }),
  })
  return { id: sent.id }
}

/** `GET /v1/messages/{id}/history` (docs/protocol/edits.md). @throws BAD_REQUEST, NOT_FOUND */
export async function messageHistory(mailbox: Mailbox, id: string): Promise<MessageHistory> {
  assertId(id, 'id')
  const [message, versions] = [await mailbox.get(id), await mailbox.history(id)]
  if (!message || !versions)
    throw new ProtocolError(ErrorCode.NOT_FOUND, `this node holds no message ${id}`)
  return { message, versions: versions.map(versionOf) }
}
