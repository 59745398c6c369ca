/**
 * The reads of the mailbox (docs/messaging.md "Index layout", "Chats"): pages of messages and
 * of chats, one message, its history, an attachment's key, the count. Each read takes one
 * {@link Reader} (queries.ts) so the same filters apply everywhere: expiry, the recipients'
 * standing for sent messages, and the users hidden by a block.
 * @module
 */
import type { Message, MessageDetail } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { hiddenUsers } from '../account/blocks.js'
import { contactStandings } from '../account/standing.js'
import type { ChatKeys } from './chats.js'
import { listChatMessages, listChats } from './chat-queries.js'
import type { ChatInfo } from './chat-queries.js'
import { historyOf } from './edits.js'
import type { Version } from './edits.js'
import { checkLimit, findMessage, listMessages, resolveMessageId } from './queries.js'
import type { Page, Reader } from './queries.js'
import { toDetail } from './receipts.js'
import { COUNT_KEY, receiptsKey } from './records.js'
import type { MailRecords, MessageRecord, ReceiptMap } from './records.js'
import type { AttachmentData } from './sender.js'

/** A page of messages and the cursor of the next (older) one, or null. */
export interface MessagePage {
  readonly messages: Message[]
  readonly next: string | null
}

/** Reads of one account's mailbox index. */
export class MailReads {
  readonly #account: Account
  readonly #records: MailRecords
  readonly #chats: ChatKeys

  constructor(account: Account, records: MailRecords, chats: ChatKeys) {
    this.#account = account
    this.#records = records
    this.#chats = chats
  }

  /**
   * Indexed messages, newest first: received only, or all with `all`, older than cursor
   * `before` (a `next` of an earlier page); expired and hidden ones left out.
   * @throws BAD_REQUEST (limit out of range, a malformed cursor)
   */
  async page(q: { all?: boolean; limit?: number; before?: string } = {}): Promise<MessagePage> {
    const limit = checkLimit(q.limit)
    const me = this.#account.user
    if (me === undefined) return { messages: [], next: null }
    const index = q.all === true ? 'a' : 'i'
    // Only sent messages need the recipients' standing (received-only lists never do).
    const reader = await this.#reader(me, index === 'a')
    return this.#messagePage(await listMessages(this.#records, index, limit, reader, q.before))
  }

  /**
   * Chats, most recent activity first, older than cursor `before`.
   * @throws BAD_REQUEST (limit out of range, a malformed cursor)
   */
  async chats(
    q: { limit?: number; before?: string } = {},
  ): Promise<{ chats: ChatInfo[]; next: string | null }> {
    const limit = checkLimit(q.limit)
    const me = this.#account.user
    if (me === undefined) return { chats: [], next: null }
    const page = await listChats(this.#records, limit, await this.#reader(me, true), q.before)
    const chats = await Promise.all(
      page.items.map(async (c) => ({ ...c, last: await this.#withAvailability(c.last) })),
    )
    return { chats, next: page.next }
  }

  /**
   * The messages of chat `id`, newest first, older than cursor `before`; an unknown chat is an
   * empty page. @throws BAD_REQUEST (not a chat id, limit out of range, a malformed cursor)
   */
  async chatMessages(
    id: string,
    q: { limit?: number; before?: string } = {},
  ): Promise<MessagePage> {
    const limit = checkLimit(q.limit)
    const me = this.#account.user
    if (me === undefined) return { messages: [], next: null }
    const reader = await this.#reader(me, true)
    const page = await listChatMessages(this.#records, this.#chats, id, limit, reader, q.before)
    return this.#messagePage(page)
  }

  /** An indexed, unexpired, not hidden message by its inner or outer id, with its receipts. */
  async get(id: string): Promise<MessageDetail | undefined> {
    const me = this.#account.user
    const record = await this.find(id)
    if (me === undefined || !record) return undefined
    const receipts = await this.#records.get<ReceiptMap>(receiptsKey(record.position))
    const standing = record.direction === 'out' ? await contactStandings(this.#account) : undefined
    return this.#withAvailability(toDetail(record, receipts, me, standing))
  }

  /** The record of a message by its inner or outer id, or by a unique prefix of its inner id. */
  async find(ref: string): Promise<MessageRecord | undefined> {
    const id = (await resolveMessageId(this.#records, ref)) ?? ref
    return findMessage(this.#records, id, this.#account.now(), hiddenUsers(this.#account))
  }

  /** The versions of message `ref`, oldest first (the last is shown; none when deleted). */
  async history(ref: string): Promise<Version[] | undefined> {
    const record = await this.find(ref)
    return record && historyOf(this.#records, record)
  }

  /**
   * Attachment `index` of an indexed, unexpired message, with its key (for the node's own
   * decryption only; never for the API's output).
   */
  async attachment(id: string, index: number): Promise<AttachmentData | undefined> {
    const record = await this.find(id)
    if (!record || !Number.isSafeInteger(index) || index < 0) return undefined
    return record.attachments?.[index]
  }

  /** Number of messages indexed. */
  async count(): Promise<number> {
    return (await this.#records.get<number>(COUNT_KEY)) ?? 0
  }

  /** The reader of the index now (queries.ts); `sent`: the standing is needed. */
  async #reader(me: string, sent: boolean): Promise<Reader> {
    return {
      me,
      now: this.#account.now(),
      standing: sent ? await contactStandings(this.#account) : undefined,
      hidden: hiddenUsers(this.#account),
    }
  }

  async #messagePage(page: Page<Message>): Promise<MessagePage> {
    const messages = await Promise.all(page.items.map((m) => this.#withAvailability(m)))
    return { messages, next: page.next }
  }

  /** Fill in `available` of a message's attachments from the store. */
  async #withAvailability<T extends Message>(message: T): Promise<T> {
    if (!message.attachments) return message
    const store = this.#account.store
    const attachments = await Promise.all(
      message.attachments.map(async (a) => ({ ...a, available: await store.hasBlob(a.hash) })),
    )
    return { ...message, attachments }
  }
}
