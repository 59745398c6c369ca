/**
 * Chats in the mailbox index (docs/messaging.md "Chats"). A chat is the set of people in a
 * message other than our user; its id is their sorted fingerprints joined by '.', or our own
 * fingerprint for notes to self (the API contract, docs/api.md "Chats"). The indexer keeps, per
 * chat, a time-ordered list of its messages and a summary (newest message, message and unread
 * counts), and one activity key per chat ordered by its newest message, so that the chat list
 * and a chat's page are O(limit) record reads, like the inbox.
 *
 * Index keys are not sealed, and they must not show who talks to whom (docs/messaging.md "Index
 * layout"): chats are keyed by an HMAC of the chat id under a random key kept sealed in the
 * index itself, never by the fingerprints (which are public, so a plain hash would be guessable).
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto'
import { BoundedKeyCache, isDigest } from '@sdmp/core'
import { MAX_CHAT_ID_CHARS } from '@sdmp/client'
import {
  earlyReceiptsKey,
  listKey,
  messageKey,
  outerKey,
  receiptsKey,
  timePosition,
} from './records.js'
import type { MailBatch, MailRecords, MessageRecord, ReceiptMap } from './records.js'
import { groupChatId, groupOfChatId } from './groups.js'

/** Key of the HMAC key that names chats in index keys (base64url of 32 random bytes). */
export const CHAT_SECRET_KEY = 'chat-secret'
/**
 * Layout version of the index. 1 (no version key): messages, receipts, `a:`/`i:` lists.
 * 2: chats (`c:`, `k:`, `l:`), derived from the version 1 records on start (chats.ts
 * {@link upgradeIndex}). 3: `o:` records keyed by journal position instead of outer id
 * (records.ts `outerKey`), moved on start.
 */
export const INDEX_VERSION = 3

/** Key of a chat's summary. */
export const chatKey = (ck: string) => `c:${ck}`
/** Prefix of a chat's message list (`k:<ck>:<created>:<inner>`, time order like `a:`). */
export const chatListPrefix = (ck: string) => `k:${ck}:`
/** Key of a chat in the activity list, by its newest message (`l:<created>:<ck>`). */
export const activityKey = (created: number, ck: string) => `l:${timePosition(created, ck)}`
/** Prefix of the activity list. */
export const ACTIVITY_PREFIX = 'l:'

/** A chat's summary as the index keeps it (counts include expired messages; see summaries). */
export interface ChatRecord {
  /** The chat id. */
  readonly id: string
  /** The people in it other than us, sorted (empty for notes to self). */
  readonly with: readonly string[]
  /** Creation time and inner id of its newest message (the largest list key). */
  readonly last: { readonly created: number; readonly id: string }
  readonly messages: number
  /** Received messages without a read receipt from our user. */
  readonly unread: number
  /**
   * `[expires, inner id, 1 when received]` of its messages that expire: read time subtracts
   * the expired ones from the counts, so the summary agrees with the list, which skips them.
   */
  readonly expiring?: readonly (readonly [number, string, 0 | 1])[]
  /** A group chat's group (docs/protocol/groups.md §6). */
  readonly group?: { readonly id: string; readonly name: string }
}

/** The people of a message other than `me`, sorted. */
export function chatPeople(record: Pick<MessageRecord, 'from' | 'to'>, me: string): string[] {
  const people = new Set(record.from === me ? record.to : [record.from, ...record.to])
  people.delete(me)
  return [...people].sort()
}

/** The id of the chat with `people` (sorted); our own fingerprint for notes to self. */
export function chatIdOf(people: readonly string[], me: string): string {
  return people.length === 0 ? me : people.join('.')
}

/**
 * The chat id of an indexed message: its group's chat for a group message or membership event
 * (docs/protocol/groups.md §6), else the chat of its people.
 */
export function chatIdOfRecord(
  record: Pick<MessageRecord, 'from' | 'to' | 'group'>,
  me: string,
): string {
  return record.group !== undefined
    ? groupChatId(record.group.id)
    : chatIdOf(chatPeople(record, me), me)
}

/**
 * The people of a chat id, or undefined when it is not one: fingerprints in strictly ascending
 * order (so every chat has exactly one id), at most MAX_CHAT_ID_CHARS long; `me` alone means notes to
 * self; a chat id never names `me` among others.
 */
export function peopleOfChatId(id: unknown, me: string): string[] | undefined {
  if (typeof id !== 'string' || id.length > MAX_CHAT_ID_CHARS) return undefined
  if (id === me) return []
  // A group chat (groups.ts): its people are the group's, known from its records.
  if (groupOfChatId(id) !== undefined) return []
  const people = id.split('.')
  for (let i = 0; i < people.length; i++) {
    if (!isDigest(people[i]!) || people[i] === me) return undefined
    if (i > 0 && !(people[i - 1]! < people[i]!)) return undefined
  }
  return people
}

/** Chats whose index names {@link ChatKeys} keeps (the oldest go first). */
const KEPT_CHAT_KEYS = 512

/** Names chats in index keys: an HMAC of the chat id (see the module comment). */
export class ChatKeys {
  #secret: Buffer | undefined
  /**
   * Index names by chat id: every indexed message names its chat, and an HMAC through
   * node:crypto (an object per call) took ~2 us alone but ~9 us per message in the receiving
   * daemon's profile (issue 14, docs/load.md §5 fourteenth pass); a kept name ~0.2 us. Bounded,
   * so a node in many chats stays flat; a new one per secret.
   */
  #names = new BoundedKeyCache<string>(KEPT_CHAT_KEYS)

  /** Load the HMAC key, creating it (durably) on first use. */
  async load(records: MailRecords): Promise<void> {
    let stored = await records.get<string>(CHAT_SECRET_KEY)
    if (stored === undefined) {
      stored = randomBytes(32).toString('base64url')
      const batch = records.batch()
      batch.set(CHAT_SECRET_KEY, stored)
      await batch.commit()
    }
    this.#secret = Buffer.from(stored, 'base64url')
    this.#names = new BoundedKeyCache(KEPT_CHAT_KEYS)
  }

  /** The index name of a chat: 22 base64url characters (128 bits). */
  keyOf(chatId: string): string {
    if (!this.#secret) throw new Error('chat keys: not loaded')
    return (
      this.#names.get(chatId) ??
      this.#names.set(
        chatId,
        createHmac('sha256', this.#secret).update(chatId).digest('base64url').slice(0, 22),
      )
    )
  }
}

/**
 * Add a newly indexed message to its chat: the chat's list, its summary, and its activity key
 * when the message is the chat's newest. `receipts` are those already indexed (a read receipt
 * from our user may come before the message).
 */
export async function addToChat(
  batch: MailBatch,
  keys: ChatKeys,
  record: MessageRecord,
  receipts: ReceiptMap | undefined,
  me: string,
): Promise<void> {
  const people = chatPeople(record, me)
  const id = chatIdOfRecord(record, me)
  const ck = keys.keyOf(id)
  const chat = await batch.get<ChatRecord>(chatKey(ck))
  const unread = record.direction === 'in' && receipts?.[me]?.status !== 'read' ? 1 : 0
  batch.set(`${chatListPrefix(ck)}${timePosition(record.created, record.id)}`, 1)
  let last = chat?.last ?? { created: record.created, id: record.id }
  if (chat === undefined || isNewer(record, chat.last)) {
    // Lazy: readers skip a stale activity key, and the key of an older `last` is never set again.
    if (chat !== undefined) batch.delete(activityKey(chat.last.created, ck), { lazy: true })
    last = { created: record.created, id: record.id }
  }
  batch.set(activityKey(last.created, ck), 1)
  const expiring = [...(chat?.expiring ?? [])]
  if (record.expires !== undefined)
    expiring.push([record.expires, record.id, record.direction === 'in' ? 1 : 0])
  const next: ChatRecord = {
    id,
    with: people,
    last,
    messages: (chat?.messages ?? 0) + 1,
    unread: (chat?.unread ?? 0) + unread,
    ...(expiring.length > 0 && { expiring }),
    ...(record.group !== undefined && { group: record.group }),
  }
  batch.set(chatKey(ck), next)
}

/**
 * Our user read an indexed received message (a read receipt of ours, from this device or
 * another): one fewer unread in its chat. Call only on the change to read, never twice.
 */
export async function readInChat(
  batch: MailBatch,
  keys: ChatKeys,
  record: MessageRecord,
  me: string,
): Promise<void> {
  if (record.direction !== 'in') return
  const ck = keys.keyOf(chatIdOfRecord(record, me))
  const chat = await batch.get<ChatRecord>(chatKey(ck))
  if (chat === undefined || chat.unread === 0) return
  batch.set(chatKey(ck), { ...chat, unread: chat.unread - 1 })
}

/** True when `a` sorts after `b` in list-key order (time, then id). */
function isNewer(a: { created: number; id: string }, b: { created: number; id: string }) {
  return listKey('a', a.created, a.id) > listKey('a', b.created, b.id)
}

/**
 * Bring an index of an older layout to {@link INDEX_VERSION}, in one commit with the version:
 * move the `o:` and `r:` records from outer and inner ids to journal positions (layouts 1 and
 * 2; receipts of a message not indexed go to `q:`; the old keys are deleted after the commit,
 * and one left by a crash in between is never read), then build the chats from the indexed
 * messages and their receipts (layout 1). The index is not
 * rebuilt from the journal: messages whose prekey secrets were erased no longer open
 * (envelope.md §7.3), and the index, not the envelope, is the node's copy of them
 * (docs/messaging.md §7).
 */
export async function upgradeIndex(
  records: MailRecords,
  keys: ChatKeys,
  me: string | undefined,
  versionKey: string,
): Promise<boolean> {
  const version = await records.get<number>(versionKey)
  if (version !== undefined && version >= INDEX_VERSION) return false
  const batch = records.batch({ durable: false })
  await moveOuterKeys(records, batch)
  await moveReceiptKeys(records, batch)
  if ((version ?? 1) < 2 && me !== undefined) await buildChats(records, batch, keys, me)
  batch.set(versionKey, INDEX_VERSION)
  await batch.commit()
  return true
}

/** Records read per page while upgrading. */
const UPGRADE_PAGE = 1_000

async function buildChats(records: MailRecords, batch: MailBatch, keys: ChatKeys, me: string) {
  let after = 'a:'
  for (;;) {
    const page = await records.keysBetween(after, 'a;', UPGRADE_PAGE)
    for (const key of page) {
      const id = key.slice(key.lastIndexOf(':') + 1)
      const record = await records.get<MessageRecord>(messageKey(id))
      // Receipts as moved by moveReceiptKeys in this batch.
      const receipts = record && (await batch.get<ReceiptMap>(receiptsKey(record.position)))
      if (record) await addToChat(batch, keys, record, receipts, me)
    }
    if (page.length < UPGRADE_PAGE) break
    after = page[page.length - 1]!
  }
}

/** Move every `o:<outer id>` record to `o:<journal position>` (index layout 3). */
async function moveOuterKeys(records: MailRecords, batch: MailBatch) {
  let after = 'o:'
  for (;;) {
    const page = await records.keysBetween(after, 'o;', UPGRADE_PAGE)
    for (const key of page) {
      const outer = key.slice(2)
      if (!isDigest(outer)) continue // already keyed by position
      const position = await records.positionOf(outer)
      if (position !== undefined) batch.set(outerKey(position), await records.get(key))
      batch.delete(key)
    }
    if (page.length < UPGRADE_PAGE) break
    after = page[page.length - 1]!
  }
}

/** Move every `r:<inner id>` record to `r:<its message's position>`, or `q:` (index layout 3). */
async function moveReceiptKeys(records: MailRecords, batch: MailBatch) {
  let after = 'r:'
  for (;;) {
    const page = await records.keysBetween(after, 'r;', UPGRADE_PAGE)
    for (const key of page) {
      const inner = key.slice(2)
      if (!isDigest(inner)) continue // already keyed by position
      const record = await records.get<MessageRecord>(messageKey(inner))
      const moved = record ? receiptsKey(record.position) : earlyReceiptsKey(inner)
      batch.set(moved, await records.get(key))
      batch.delete(key)
    }
    if (page.length < UPGRADE_PAGE) break
    after = page[page.length - 1]!
  }
}
