/**
 * Receipts and message state (docs/messaging.md "Receipts", "State"): per (message, user) the
 * strongest receipt (read > delivered) and, at equal strength, the earliest; a message's state
 * and its API shape (packages/client/src/types.ts) derived from them.
 * @module
 */
import { plainAttachmentSize } from '@sdmp/core'
import type { Message, MessageDetail, MessageState, ReceiptInfo } from '@sdmp/client'
import type { MessageRecord, ReceiptEntry, ReceiptMap } from './records.js'
import { chatIdOf, chatPeople } from './chats.js'

const RANK = { delivered: 1, read: 2 } as const

/**
 * Merge one receipt into a message's map: the stronger status wins; at equal strength the
 * earlier time. Returns undefined when nothing changes (re-processing is idempotent).
 */
export function mergeReceipt(
  map: ReceiptMap | undefined,
  user: string,
  entry: ReceiptEntry,
): ReceiptMap | undefined {
  const current = map?.[user]
  if (current) {
    const stronger = RANK[entry.status] > RANK[current.status]
    const earlier = entry.status === current.status && entry.at < current.at
    if (!stronger && !earlier) return undefined
  }
  return { ...map, [user]: { status: entry.status, at: entry.at } }
}

/** The recipients whose receipts count for a message: its `to`, without our own user. */
function others(record: MessageRecord, me: string): string[] {
  return record.to.filter((u) => u !== me)
}

/**
 * State of a message for user `me`. Received: `read` once our user's read receipt is indexed
 * (from this or another device), else `unread`. Sent: `read` when every other recipient read
 * it, `delivered` when every one at least holds it, else `sent`.
 */
export function stateOf(
  record: MessageRecord,
  receipts: ReceiptMap | undefined,
  me: string,
): MessageState {
  if (record.direction === 'in') return receipts?.[me]?.status === 'read' ? 'read' : 'unread'
  const users = others(record, me)
  if (users.length === 0) return 'sent'
  const statuses = users.map((u) => receipts?.[u]?.status)
  if (statuses.every((s) => s === 'read')) return 'read'
  if (statuses.every((s) => s !== undefined)) return 'delivered'
  return 'sent'
}

/** Receipts of other users that are recipients of the message, by user. */
export function receiptInfos(
  record: MessageRecord,
  receipts: ReceiptMap | undefined,
  me: string,
): ReceiptInfo[] {
  const out: ReceiptInfo[] = []
  for (const user of others(record, me).sort()) {
    const r = receipts?.[user]
    if (r) out.push({ user, status: r.status, at: new Date(r.at).toISOString() })
  }
  return out
}

/** The API shape of an indexed message. */
export function toMessage(
  record: MessageRecord,
  receipts: ReceiptMap | undefined,
  me: string,
): Message {
  return {
    id: record.id,
    from: record.from,
    to: [...record.to],
    subject: record.subject ?? null,
    body: record.body,
    type: record.type,
    created: new Date(record.created).toISOString(),
    conversation: record.conversation,
    chat: chatIdOf(chatPeople(record, me), me),
    replyTo: record.replyTo ?? null,
    expires: record.expires === undefined ? null : new Date(record.expires).toISOString(),
    state: stateOf(record, receipts, me),
    direction: record.direction,
    ...(record.attachments !== undefined && {
      // Availability is filled in by the mailbox (it needs the store); the key never leaves.
      attachments: record.attachments.map((a) => ({
        name: a.name,
        size: plainAttachmentSize(a.size) ?? 0,
        type: a.type ?? null,
        hash: a.hash,
        available: false,
      })),
    }),
  }
}

/** The API shape of `show`: the message and the receipts of its other recipients. */
export function toDetail(
  record: MessageRecord,
  receipts: ReceiptMap | undefined,
  me: string,
): MessageDetail {
  return { ...toMessage(record, receipts, me), receipts: receiptInfos(record, receipts, me) }
}

/** True when the message's `expires` has passed at `now` (hidden from list, get and events). */
export function isExpired(record: MessageRecord, now: number): boolean {
  return record.expires !== undefined && record.expires <= now
}
