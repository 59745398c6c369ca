/**
 * Receipts and message state (docs/messaging.md "Receipts", "State"): per (message, user) the
 * strongest receipt (read > delivered) and, at equal strength, the earliest; a message's state
 * and its API shape (packages/client/src/types.ts) derived from them.
 * @module
 */
import { plainAttachmentSize } from '@sdmp/core'
import type { Message, MessageDetail, MessageState, ReceiptInfo } from '@sdmp/client'
import type { MessageRecord, ReceiptEntry, ReceiptMap } from './records.js'
import { chatIdOfRecord } from './chats.js'
import { groupEventText } from './groups.js'

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

/** A recipient's name and standing with us, for the state of what we sent them. */
export interface RecipientStanding {
  readonly name: string
  readonly status: 'mutual' | 'waiting' | 'removed'
}

/** Standings by user (account/standing.ts); users without one count as `mutual`. */
export type Standings = ReadonlyMap<string, RecipientStanding>

/** Sent states from weakest to strongest: a message is as far as its least advanced recipient. */
const SENT_ORDER = ['rejected', 'waiting', 'sent', 'delivered', 'read'] as const
type SentState = (typeof SENT_ORDER)[number]

/** A message's state and, for `waiting` and `rejected`, why (naming the recipients). */
export interface Delivery {
  readonly state: MessageState
  readonly reason: string | null
}

/**
 * State of a message for user `me` (docs/messaging.md "Delivery states"). Received: `read` once
 * our user's read receipt is indexed (from this or another device), else `unread`. Sent: per
 * recipient other than us, its receipt if any (`read`, `delivered`): a receipt wins over
 * whatever the recipient's standing says, since they hold the message; without one, `rejected`
 * when they removed us, `waiting` when they have not added us yet, else `sent`. The message's
 * state is the weakest of its recipients'; a message only to ourselves stays `sent`.
 */
export function deliveryOf(
  record: MessageRecord,
  receipts: ReceiptMap | undefined,
  me: string,
  standing?: Standings,
): Delivery {
  if (record.direction === 'in')
    return { state: receipts?.[me]?.status === 'read' ? 'read' : 'unread', reason: null }
  const users = others(record, me)
  if (users.length === 0) return { state: 'sent', reason: null }
  const removed: string[] = []
  const waiting: string[] = []
  let weakest: SentState = 'read'
  for (const u of users) {
    let state: SentState = receipts?.[u]?.status ?? 'sent'
    const s = standing?.get(u)
    if (state === 'sent' && s?.status === 'removed') {
      state = 'rejected'
      removed.push(s.name)
    } else if (state === 'sent' && s?.status === 'waiting') {
      state = 'waiting'
      waiting.push(s.name)
    }
    if (SENT_ORDER.indexOf(state) < SENT_ORDER.indexOf(weakest)) weakest = state
  }
  return { state: weakest, reason: reasonOf(removed, waiting) }
}

/** State of a message for user `me`: {@link deliveryOf} without the reason. */
export function stateOf(
  record: MessageRecord,
  receipts: ReceiptMap | undefined,
  me: string,
  standing?: Standings,
): MessageState {
  return deliveryOf(record, receipts, me, standing).state
}

/** `bob`, `bob and carol`, `bob, carol and dave`. */
function names(list: readonly string[]): string {
  const sorted = [...list].sort()
  return sorted.length <= 1
    ? (sorted[0] ?? '')
    : `${sorted.slice(0, -1).join(', ')} and ${sorted[sorted.length - 1]}`
}

/** The plain-language reason of a `rejected` or `waiting` message; null for the others. */
function reasonOf(removed: readonly string[], waiting: readonly string[]): string | null {
  const parts: string[] = []
  if (removed.length > 0)
    parts.push(
      `${names(removed)} removed you as a contact${removed.length === 1 ? '' : 's'}; the message will not be delivered${removed.length === 1 ? '' : ' to them'}`,
    )
  if (waiting.length > 0)
    parts.push(
      `${names(waiting)} ${waiting.length === 1 ? 'has' : 'have'} not added you yet; the message waits`,
    )
  return parts.length === 0 ? null : parts.join('; ')
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
  standing?: Standings,
): Message {
  const { state, reason } = deliveryOf(record, receipts, me, standing)
  return {
    id: record.id,
    from: record.from,
    to: [...record.to],
    subject: record.subject ?? null,
    body: record.groupEvent === undefined ? record.body : groupEventText(record.groupEvent),
    type: record.type,
    created: new Date(record.created).toISOString(),
    conversation: record.conversation,
    chat: chatIdOfRecord(record, me),
    replyTo: record.replyTo ?? null,
    expires: record.expires === undefined ? null : new Date(record.expires).toISOString(),
    state,
    reason,
    direction: record.direction,
    forwardedFrom:
      record.forwarded === undefined
        ? null
        : {
            user: record.forwarded.user,
            id: record.forwarded.id,
            created: new Date(record.forwarded.created).toISOString(),
            note: record.forwarded.note ?? null,
          },
    edited: record.edited === undefined ? null : new Date(record.edited).toISOString(),
    deleted: record.deleted === true,
    onBehalfOf: record.onBehalfOf ?? null,
    group:
      record.group === undefined
        ? null
        : {
            ...record.group,
            event: record.groupEvent
              ? { ...record.groupEvent, users: [...record.groupEvent.users] }
              : null,
          },
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
  standing?: Standings,
): MessageDetail {
  return {
    ...toMessage(record, receipts, me, standing),
    receipts: receiptInfos(record, receipts, me),
  }
}

/** True when the message's `expires` has passed at `now` (hidden from list, get and events). */
export function isExpired(record: MessageRecord, now: number): boolean {
  return record.expires !== undefined && record.expires <= now
}
