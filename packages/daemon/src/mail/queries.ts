/**
 * Reads of the mailbox index (docs/messaging.md "Index layout"): a page of the newest messages
 * and a message by inner or outer id, each O(limit) or O(1) record reads, never a scan.
 * @module
 */
import { API_DEFAULT_PAGE, API_PAGE_LIMITS } from '@sdmp/client'
import type { Message } from '@sdmp/client'
import { ErrorCode, ProtocolError, isDigest } from '@sdmp/core'
import { SHORT_ID_CHARS, isMessageRef } from '@sdmp/client/ids'
import { isExpired, toMessage } from './receipts.js'
import type { Standings } from './receipts.js'
import { idOfListKey, messageKey, receiptsKey } from './records.js'
import type { ListIndex, MailRecords, MessageRecord, ReceiptMap } from './records.js'

/**
 * Who reads the index, and as of when: the reading user, the time (expired messages are left
 * out), the recipients' standing for the state of sent messages (receipts.ts), and the users
 * whose received messages are hidden (blocked with `hide`: `account/blocks.ts` `hiddenUsers`).
 * Every read of the index (inbox, show, chats) takes one, so each filter lives in one place.
 */
export interface Reader {
  readonly me: string
  readonly now: number
  readonly standing?: Standings | undefined
  readonly hidden: ReadonlySet<string>
}

/**
 * Whether a message is left out of every read of the mailbox: received from a user blocked
 * with `hide` (docs/messaging.md "Blocking"). A filter at read time, so unblocking shows the
 * messages again.
 */
export function isHidden(
  record: Pick<MessageRecord, 'direction' | 'from'>,
  hidden: ReadonlySet<string>,
): boolean {
  return record.direction === 'in' && hidden.has(record.from)
}

/** One page of a list: its items, and the cursor of the next (older) page or null. */
export interface Page<T> {
  readonly items: T[]
  readonly next: string | null
}

/** A paging cursor: base64url of a list position (`<created 14 digits>:<id or chat key>`). */
export function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url')
}

/**
 * The list position a cursor names, or BAD_REQUEST. A cursor is opaque to clients, and checked
 * here like any other input: canonical base64url of 14 digits, ':' and a `tail`-character id.
 */
export function decodeCursor(cursor: unknown, tail: number): string {
  const bad = new ProtocolError(
    ErrorCode.BAD_REQUEST,
    'before: expected a cursor (next) of this list',
  )
  if (typeof cursor !== 'string' || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw bad
  const position = Buffer.from(cursor, 'base64url').toString('utf8')
  if (encodeCursor(position) !== cursor) throw bad
  if (!new RegExp(`^[0-9]{14}:[A-Za-z0-9_-]{${tail}}$`).test(position)) throw bad
  return position
}

/**
 * Up to `limit` items of the list under `prefix` (a key prefix ending in ':'), newest first,
 * strictly older than the position `before`. `read` turns a key into an item, or undefined to
 * skip it (an expired message, a stale key). One item more is read to know whether a next page
 * exists, so `next` is null exactly when there is none (as of this read).
 */
export async function pageOfList<T>(
  records: MailRecords,
  prefix: string,
  limit: number,
  before: string | undefined,
  read: (key: string) => Promise<T | undefined>,
): Promise<Page<T>> {
  const items: T[] = []
  let lastPosition = ''
  let upper = before === undefined ? `${prefix.slice(0, -1)};` : `${prefix}${before}`
  for (;;) {
    const keys = await records.keysBetween(prefix, upper, limit + 1, true)
    for (const key of keys) {
      const item = await read(key)
      if (item === undefined) continue
      if (items.length === limit) return { items, next: encodeCursor(lastPosition) }
      items.push(item)
      lastPosition = key.slice(prefix.length)
    }
    if (keys.length < limit + 1) return { items, next: null }
    upper = keys[keys.length - 1]!
  }
}

/** The API shape of the message a list key names, or undefined when unknown, expired or hidden. */
export async function messageOfKey(
  records: MailRecords,
  key: string,
  reader: Reader,
): Promise<Message | undefined> {
  const record = await records.get<MessageRecord>(messageKey(idOfListKey(key)))
  if (!record || isExpired(record, reader.now) || isHidden(record, reader.hidden)) return undefined
  const receipts = await records.get<ReceiptMap>(receiptsKey(record.position))
  return toMessage(record, receipts, reader.me, reader.standing)
}

/** A page of unexpired messages of a list index, newest first, older than cursor `before`. */
export function listMessages(
  records: MailRecords,
  index: ListIndex,
  limit: number,
  reader: Reader,
  before?: string,
): Promise<Page<Message>> {
  const position = before === undefined ? undefined : decodeCursor(before, 86)
  return pageOfList(records, `${index}:`, limit, position, (key) =>
    messageOfKey(records, key, reader),
  )
}

/** A message by inner id, else by outer id; undefined when unknown, malformed, expired or hidden. */
export async function findMessage(
  records: MailRecords,
  id: string,
  now: number,
  hidden: ReadonlySet<string>,
): Promise<MessageRecord | undefined> {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(id)) return undefined
  let record = await records.get<MessageRecord>(messageKey(id))
  if (!record) {
    const entry = await records.outerEntry(id)
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

/** Default and largest `list` limit (client types: 1..1,000, default 100). */
const MAX_LIST_LIMIT = API_PAGE_LIMITS.list

/** A page size, API_DEFAULT_PAGE when absent. @throws BAD_REQUEST out of 1..MAX_LIST_LIMIT */
export function checkLimit(limit: number | undefined): number {
  const n = limit ?? API_DEFAULT_PAGE
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LIST_LIMIT)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `limit: expected 1..${MAX_LIST_LIMIT}`)
  return n
}

/** NOT_FOUND naming the id when it has the shape of one (never echo arbitrary input). */
export function notFound(id: unknown): ProtocolError {
  const named = isMessageRef(id) ? ` ${id}` : ''
  return new ProtocolError(ErrorCode.NOT_FOUND, `message${named}: not found`)
}
