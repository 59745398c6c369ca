/**
 * The mailbox's outgoing side (mailbox.ts): sealing and publishing a message to its recipients
 * (their delegates and group fellows included), recording what we read, and sending receipts,
 * best effort.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { Account } from '../account/account.js'
import { delegationFrom, readDelegates } from '../account/delegations.js'
import { sendsReadReceiptTo } from '../account/settings.js'
import type { GroupBook } from './groups.js'
import { resolveGroup, toGroup } from './group-ops.js'
import type { FellowKeys } from './group-ops.js'
import type { PrekeyBook } from './prekeys.js'
import { notFound } from './queries.js'
import { readInChat } from './chats.js'
import type { ChatKeys } from './chats.js'
import { mergeReceipt } from './receipts.js'
import { receiptsKey } from './records.js'
import type { MailRecords, MessageRecord, ReceiptMap } from './records.js'
import { publishSealed, sendReceipt, signMessage } from './sender.js'
import type { SendRequest, SendResult } from './sender.js'

/** What {@link sendMail} needs of the mailbox. */
export interface SendContext {
  readonly account: Account
  readonly book: PrekeyBook
  readonly groups: GroupBook
  readonly fellowKeys: FellowKeys
  readonly running: boolean
  readonly find: (ref: string) => Promise<MessageRecord | undefined>
  readonly waitProcessed: (position: number) => Promise<void>
}

/**
 * Send an end-to-end encrypted message to `to` (user fingerprints) and our own devices;
 * resolves once it is indexed here, so the mailbox's `get` finds it.
 * @throws NOT_FOUND (an unknown replyTo; a recipient with no usable prekey), BAD_REQUEST,
 *   FORBIDDEN (this node may not publish), SCHEMA_VIOLATION, CLOSED (not started)
 */
export async function sendMail(
  ctx: SendContext,
  req: SendRequest & { readonly onBehalfOf?: string },
): Promise<SendResult> {
  const me = ctx.account.requireUser()
  if (!ctx.running) throw new ProtocolError(ErrorCode.CLOSED, 'mailbox: not running')
  const { onBehalfOf, ...request } = req
  // On someone's behalf: their newest delegation in force here, checked now (delegation.md §3).
  if (onBehalfOf !== undefined)
    req = {
      ...request,
      delegation: (await delegationFrom(ctx.account, onBehalfOf, 'send')).text,
    }
  let thread: { replyTo: string; conversation: string } | undefined
  if (req.replyTo !== undefined) {
    const replied = await ctx.find(req.replyTo)
    if (!replied) throw notFound(req.replyTo)
    thread = { replyTo: replied.id, conversation: replied.conversation }
    // A reply to a group message goes to the group (reply-all, groups.md §3).
    if (replied.group !== undefined && req.group === undefined)
      req = toGroup(
        ctx.account.requireUser(),
        ctx.groups.get(replied.group.id) ?? resolveGroup(ctx.groups, replied.group.id),
        req,
      )
  }
  if (req.group !== undefined)
    req = toGroup(ctx.account.requireUser(), resolveGroup(ctx.groups, req.group), req)
  // Fellows' proofs named by the versions applied so far are being fetched (groups.md §5).
  if (req.group !== undefined) await ctx.fellowKeys.settled()
  // Signing first validates the request (schema) before any recipient is looked up.
  const inner = signMessage(ctx.account, req, thread)
  const keys = await ctx.book.requireRecipients([...req.to, me])
  // Delegates who read for a recipient get it too, as far as their devices can (delegation.md §4).
  const delegates = (await readDelegates(ctx.account, req.to)).filter((u) => u !== me)
  if (delegates.length > 0) keys.push(...(await ctx.book.recipientsOf(delegates)).keys)
  const readers = [...req.to, me, ...delegates]
  const { outer, position } = await publishSealed(ctx.account, inner, keys, readers, {
    sessions: ctx.book.sessions,
  })
  await ctx.waitProcessed(position)
  return { id: inner.id, outer, position }
}

/** Send one receipt; failures become operational events (receipts are best effort). */
export async function sendReceiptQuietly(
  account: Account,
  book: PrekeyBook,
  event: (name: string, detail: Record<string, unknown>) => void,
  author: string,
  messages: readonly string[],
  status: 'delivered' | 'read',
): Promise<void> {
  try {
    // A read receipt reaches the author only when the settings say so (settings.ts); our
    // own devices always learn the read state.
    const toAuthor = status === 'delivered' || (await sendsReadReceiptTo(account, author))
    const missing = await sendReceipt(account, book, messages, author, status, {
      toAuthor,
    })
    if (missing.length > 0) event('mail.receipt-missing', { status, users: missing })
  } catch (e) {
    const code = e instanceof ProtocolError ? e.code : 'INTERNAL'
    event('mail.receipt-failed', { status, code })
  }
}

/**
 * Record that `me` read the received `record` (its receipts and its chat), in one commit;
 * false when it was already read. Run under the index's exclusive lock.
 */
export async function recordRead(
  account: Account,
  records: MailRecords,
  chats: ChatKeys,
  record: MessageRecord,
  me: string,
): Promise<boolean> {
  const key = receiptsKey(record.position)
  const batch = records.batch()
  const current = await batch.get<ReceiptMap>(key)
  if (current?.[me]?.status === 'read') return false
  batch.set(key, mergeReceipt(current, me, { status: 'read', at: account.now() }))
  await readInChat(batch, chats, record, me)
  await batch.commit()
  return true
}
