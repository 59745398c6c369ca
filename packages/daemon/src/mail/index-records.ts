/**
 * The index records the mailbox indexer (indexer.ts) writes for an opened message or receipt,
 * and the delivered receipts it decides per batch (docs/messaging.md "Indexing", §4).
 * @module
 */
import { fromUtf8, toMessageAttachment } from '@sdmp/core'
import type { ContentData, Verified } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { CheckedDelegation } from '../account/delegations.js'
import { addToChat, readInChat } from './chats.js'
import type { ChatKeys } from './chats.js'
import { applyPending } from './edits.js'
import type { ChangeRejection } from './edits.js'
import type { CheckedForward } from './forward.js'
import type { GroupState } from './groups.js'
import type { ReceiptTask } from './indexer.js'
import { mergeReceipt } from './receipts.js'
import {
  COUNT_KEY,
  earlyReceiptsKey,
  listKey,
  messageKey,
  outerKey,
  receiptsKey,
} from './records.js'
import type { MailBatch, MessageRecord, OuterEntry, ReceiptMap } from './records.js'

/**
 * Index a message (the inner resource of the encrypted line at `position`): its record, lists,
 * count, early receipts and chat; undefined when the same inner message is indexed already.
 * Attachment hashes go to `blobs`, refused pending changes to `rejected`.
 */
export async function indexMessage(
  account: Account,
  chats: ChatKeys,
  batch: MailBatch,
  position: number,
  outer: string,
  inner: Verified,
  blobs: string[],
  rejected: ChangeRejection[],
  {
    forward,
    delegation,
    group,
  }: { forward?: CheckedForward; delegation?: CheckedDelegation; group?: GroupState } = {},
): Promise<MessageRecord | undefined> {
  const me = account.user!
  const known = await batch.get<MessageRecord>(messageKey(inner.id))
  if (known) {
    // The same inner message sealed again (another outer): one message, one event.
    if (known.outer !== outer)
      batch.set(outerKey(position), { kind: 'message', id: inner.id, first: false })
    return undefined
  }
  const d = inner.data as ContentData<'message'>
  const author = inner.header.user
  const record: MessageRecord = {
    id: inner.id,
    outer,
    from: author,
    to: [...d.to],
    // A forward reads as its original (subject, body, type); the note is in `forwarded`.
    ...(forward?.shown ?? {
      ...(d.subject !== undefined && { subject: d.subject }),
      body: d.body,
      type: d.type,
    }),
    created: inner.created,
    conversation: d.conversation ?? inner.id,
    ...(d.replyTo !== undefined && { replyTo: d.replyTo }),
    ...(d.expires !== undefined && { expires: d.expires }),
    direction: author === me ? 'out' : 'in',
    position,
    ...(d.attachments !== undefined &&
      d.attachments.length > 0 && {
        attachments: d.attachments.map(toMessageAttachment),
      }),
    // Anything but a forward keeps its signed form, to be forwarded with its signature.
    ...(forward ? { forwarded: forward.record } : { signed: fromUtf8(inner.bytes) }),
    ...(delegation && { onBehalfOf: delegation.principal }),
    ...(group !== undefined && { group: { id: group.id, name: group.name } }),
  }
  batch.set(messageKey(inner.id), record)
  // Edits or a delete that came first (edits.ts) apply now; the chat reads the final record.
  const settled = await applyPending(batch, record)
  rejected.push(...settled.rejected)
  for (const a of settled.record.attachments ?? []) blobs.push(a.hash)
  batch.set(outerKey(position), { kind: 'message', id: inner.id, first: true } as OuterEntry)
  batch.set(listKey('a', record.created, record.id), 1)
  if (record.direction === 'in') batch.set(listKey('i', record.created, record.id), 1)
  batch.set(COUNT_KEY, ((await batch.get<number>(COUNT_KEY)) ?? 0) + 1)
  // Receipts that came before the message move under its position. Otherwise it has none yet:
  // every `r:` key is the position of an indexed message's record, and this is the first record
  // at this line (its decided receipt and its event read them next: no store read for that).
  const receipts = await batch.get<ReceiptMap>(earlyReceiptsKey(inner.id))
  if (receipts) {
    batch.set(receiptsKey(position), receipts)
    batch.delete(earlyReceiptsKey(inner.id))
  } else batch.absent(receiptsKey(position))
  await addToChat(batch, chats, record, receipts, me)
  return settled.record
}

/**
 * Decide the delivered receipts of a batch, after all its lines (a receipt from our user
 * later in the same batch counts). A receipt from our user (another device, or this one
 * before a restart) means the author has been told already; otherwise ours is recorded now,
 * in the same commit as the cursor, so that it is decided once whatever happens next.
 */
export async function decideReceipts(
  account: Account,
  batch: MailBatch,
  tasks: readonly ReceiptTask[],
): Promise<ReceiptTask[]> {
  const me = account.user!
  const out: ReceiptTask[] = []
  for (const task of tasks) {
    // Indexed in this batch: its record is there.
    const record = (await batch.get<MessageRecord>(messageKey(task.message)))!
    const key = receiptsKey(record.position)
    const receipts = await batch.get<ReceiptMap>(key)
    if (receipts?.[me]) continue
    const at = account.now()
    batch.set(key, mergeReceipt(receipts, me, { status: 'delivered', at }))
    out.push(task)
  }
  return out
}

/** Index a receipt (the inner resource of the encrypted line at `position`). */
export async function indexReceipt(
  account: Account,
  chats: ChatKeys,
  batch: MailBatch,
  position: number,
  inner: Verified,
): Promise<void> {
  const d = inner.data as ContentData<'receipt'>
  const user = inner.header.user
  const entry = { status: d.status, at: inner.created }
  const me = account.user!
  for (const message of d.resources) {
    // Only the position: the whole record is read when the chat needs it (a read by our user).
    const position = await batch.messagePosition(message)
    const key = position !== undefined ? receiptsKey(position) : earlyReceiptsKey(message)
    const current = await batch.get<ReceiptMap>(key)
    const merged = mergeReceipt(current, user, entry)
    if (!merged) continue
    batch.set(key, merged)
    // Our user read it (on any device): one fewer unread in its chat, once.
    if (
      position !== undefined &&
      user === me &&
      entry.status === 'read' &&
      current?.[me]?.status !== 'read'
    )
      await readInChat(batch, chats, (await batch.get<MessageRecord>(messageKey(message)))!, me)
  }
  batch.set(outerKey(position), {
    kind: 'receipt',
    messages: d.resources,
    user,
    ...entry,
  } as OuterEntry)
}
