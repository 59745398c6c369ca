/**
 * Reads of the chats of the mailbox index (chats.ts, docs/messaging.md "Chats"): the chat list
 * by latest activity and a chat's messages, both paged with cursors and O(limit) record reads.
 * Expired messages are left out as `listMessages` leaves them out: from the pages, from the
 * counts, and from a chat's `last` (a chat whose messages all expired is not listed).
 * @module
 */
import type { Message } from '@sdmp/client'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { ACTIVITY_PREFIX, activityKey, chatKey, chatListPrefix, peopleOfChatId } from './chats.js'
import type { ChatKeys, ChatRecord } from './chats.js'
import { decodeCursor, messageOfKey, pageOfList } from './queries.js'
import type { Page, Reader } from './queries.js'
import { messageKey, receiptsKey, timePosition } from './records.js'
import type { MailRecords, MessageRecord, ReceiptMap } from './records.js'

/** A chat as the mailbox returns it (the service adds the people's names). */
export interface ChatInfo {
  readonly id: string
  readonly with: string[]
  readonly last: Message
  readonly unread: number
  readonly messages: number
  /** The group of a group chat (docs/protocol/groups.md §6). */
  readonly group: { readonly id: string; readonly name: string } | null
}

/** The summary of a chat as of `now`, or undefined when every message of it expired. */
async function summaryOf(
  records: MailRecords,
  chat: ChatRecord,
  ck: string,
  reader: Reader,
): Promise<ChatInfo | undefined> {
  const { me, now } = reader
  let { messages, unread } = chat
  for (const [expires, id, incoming] of chat.expiring ?? []) {
    if (expires > now) continue
    messages--
    const record = await records.get<MessageRecord>(messageKey(id))
    const receipts = record && (await records.get<ReceiptMap>(receiptsKey(record.position)))
    // Counted unread until now (a read one was already taken off by the read receipt).
    if (incoming === 1 && receipts?.[me]?.status !== 'read') unread--
  }
  if (messages <= 0) return undefined
  const prefix = chatListPrefix(ck)
  const newest = timePosition(chat.last.created, chat.last.id)
  let last = await messageOfKey(records, `${prefix}${newest}`, reader)
  if (last === undefined) {
    // The newest expired: the newest unexpired one before it.
    const older = await pageOfList(records, prefix, 1, newest, (key) =>
      messageOfKey(records, key, reader),
    )
    last = older.items[0]
  }
  if (last === undefined) return undefined
  return {
    id: chat.id,
    with: [...chat.with],
    last,
    unread: Math.max(0, unread),
    messages,
    group: chat.group === undefined ? null : { ...chat.group },
  }
}

/** A page of chats, most recent activity first, older than cursor `before`. */
export function listChats(
  records: MailRecords,
  limit: number,
  reader: Reader,
  before?: string,
): Promise<Page<ChatInfo>> {
  const position = before === undefined ? undefined : decodeCursor(before, 22)
  return pageOfList(records, ACTIVITY_PREFIX, limit, position, async (key) => {
    const ck = key.slice(key.lastIndexOf(':') + 1)
    const chat = await records.get<ChatRecord>(chatKey(ck))
    // A stale activity key (the chat has a newer message; its delete follows the commit).
    if (chat === undefined || activityKey(chat.last.created, ck) !== key) return undefined
    // A chat only with people hidden by a block is left out with their messages.
    if (chat.with.length > 0 && chat.with.every((u) => reader.hidden.has(u))) return undefined
    return summaryOf(records, chat, ck, reader)
  })
}

/**
 * A page of the messages of chat `id`, newest first, older than cursor `before`. An unknown
 * chat is an empty page (a chat with a contact may have no message yet).
 * @throws BAD_REQUEST (not a chat id; a malformed cursor)
 */
export function listChatMessages(
  records: MailRecords,
  keys: ChatKeys,
  id: string,
  limit: number,
  reader: Reader,
  before?: string,
): Promise<Page<Message>> {
  if (peopleOfChatId(id, reader.me) === undefined)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'chat: expected a chat id (sorted user fingerprints joined by ".", or g-<group id>)',
    )
  const position = before === undefined ? undefined : decodeCursor(before, 86)
  return pageOfList(records, chatListPrefix(keys.keyOf(id)), limit, position, (key) =>
    messageOfKey(records, key, reader),
  )
}
