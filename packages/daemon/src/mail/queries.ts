/**
 * Reads of the mailbox index (docs/messaging.md "Index layout"): a page of the newest messages
 * and a message by inner or outer id, each O(limit) or O(1) record reads, never a scan.
 * @module
 */
import type { Message } from '@sdmp/client'
import { ErrorCode, ProtocolError, isDigest } from '@sdmp/core'
import { SHORT_ID_CHARS, isMessageRef } from '@sdmp/client/ids'
import { isExpired, toMessage } from './receipts.js'
import type { Standings } from './receipts.js'
import { idOfListKey, messageKey, outerKey, receiptsKey } from './records.js'
import type { ListIndex, MailRecords, MessageRecord, OuterEntry, ReceiptMap } from './records.js'

const NONE: ReadonlySet<string> = new Set()

/**
 * Whether a message is left out of every read of the mailbox: received from a user blocked
 * with `hide` (docs/messaging.md "Blocking"; `hidden` is `account/blocks.ts` `hiddenUsers`).
 * A filter at read time, so unblocking shows the messages again. Every listing of the index
 * (inbox, show, chats) filters through this one function.
 */
export function isHidden(
  record: Pick<MessageRecord, 'direction' | 'from'>,
  hidden: ReadonlySet<string>,
): boolean {
  return record.direction === 'in' && hidden.has(record.from)
}

/** The newest `limit` unexpired, not hidden messages of a list index, newest first. */
export async function listMessages(
  records: MailRecords,
  index: ListIndex,
  limit: number,
  me: string,
  now: number,
  standing?: Standings,
  hidden: ReadonlySet<string> = NONE,
): Promise<Message[]> {
  const out: Message[] = []
  let before: string | undefined
  // Expired messages are skipped, so a page may need a few more keys than `limit`.
  while (out.length < limit) {
    const keys = await records.listKeys(index, limit, before)
    for (const key of keys) {
      const record = await records.get<MessageRecord>(messageKey(idOfListKey(key)))
      if (!record || isExpired(record, now) || isHidden(record, hidden)) continue
      const receipts = await records.get<ReceiptMap>(receiptsKey(record.id))
      out.push(toMessage(record, receipts, me, standing))
      if (out.length === limit) break
    }
    if (keys.length < limit) break
    before = keys[keys.length - 1]
  }
  return out
}

/**
 * A message by inner id, else by outer id; undefined when unknown, malformed, expired or
 * hidden ({@link isHidden}).
 */
export async function findMessage(
  records: MailRecords,
  id: string,
  now: number,
  hidden: ReadonlySet<string> = NONE,
): Promise<MessageRecord | undefined> {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(id)) return undefined
  let record = await records.get<MessageRecord>(messageKey(id))
  if (!record) {
    const entry = await records.get<OuterEntry>(outerKey(id))
    if (entry?.kind === 'message') record = await records.get<MessageRecord>(messageKey(entry.id))
  }
  return record && !isExpired(record, now) && !isHidden(record, hidden) ? record : undefined
}

/**
 * The full inner id of the one message whose id starts with `ref` (as git takes a short hash;
 * docs/cli.md "Short ids"); a full id is returned as it is.
 * @returns undefined when `ref` is not an id or a prefix of one, or when no message matches
 * @throws CONFLICT when several match, naming them by their short ids
 */
export async function resolveMessageId(
  records: MailRecords,
  ref: string,
): Promise<string | undefined> {
  if (!isMessageRef(ref)) return undefined
  if (isDigest(ref)) return ref
  const keys = await records.messageKeysStartingWith(ref, 6)
  const ids = keys.map((k) => k.slice(messageKey('').length))
  if (ids.length <= 1) return ids[0]
  const shown = ids.slice(0, 5).map((id) => id.slice(0, SHORT_ID_CHARS + 4))
  throw new ProtocolError(
    ErrorCode.CONFLICT,
    `id ${ref} is ambiguous: it starts ${ids.length > 5 ? 'more than 5' : ids.length} messages (${shown.join(', ')}${ids.length > 5 ? ', ...' : ''}); give more characters`,
  )
}
