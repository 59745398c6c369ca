/**
 * The mailbox indexer (docs/messaging.md "Indexing"): turns journal lines into index records
 * and events. An `encrypted` line is opened with this node's prekey secrets (unless it is an
 * envelope this node sealed: the ingestor hands its inner resource on); the opened message or
 * receipt is written to a batch whose commit also carries the processed cursor, so the index and
 * the cursor always agree. Lines that do not open are skipped, all for the same (silent) reason.
 * Each line's event is derived here once, from the batch as it will be committed.
 * @module
 */
import {
  ProtocolError,
  fromUtf8,
  openResource,
  toMessageAttachment,
  validateResource,
} from '@sdmp/core'
import type { ContentData, Verified } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { JournalEvent } from './event-log.js'
import { EVENT_KINDS, eventOfLine } from './events.js'
import type { IndexLine } from './journal-lines.js'
import { applySharedContacts } from '../account/contacts.js'
import type { PrekeyBook } from './prekeys.js'
import { COUNT_KEY, CURSOR_KEY, listKey, messageKey, outerKey, receiptsKey } from './records.js'
import { earlyReceiptsKey } from './records.js'
import type { MailBatch, MessageRecord, OuterEntry, ReceiptMap } from './records.js'
import { mergeReceipt } from './receipts.js'
import { addToChat, readInChat } from './chats.js'
import { checkForward } from './forward.js'
import type { CheckedForward } from './forward.js'
import { applyPending, changeOf, indexChange, isChange } from './edits.js'
import type { ChangeRejection } from './edits.js'
import type { ChatKeys } from './chats.js'

/** A delivered receipt to send once the batch that decided it is committed. */
export interface ReceiptTask {
  readonly message: string
  readonly author: string
}

/** What indexing a batch of lines found. */
export interface BatchOutcome {
  readonly receipts: ReceiptTask[]
  /** Encrypted lines that did not open for us (not addressed to us, no secrets, bad inner). */
  readonly skipped: number
  /** Blob hashes of the attachments of newly indexed messages (to fetch when missing). */
  readonly blobs: string[]
  /** A prekey of our user passed: share the contact list again (a device may be new). */
  readonly shareContacts: boolean
  /** The events of the lines, in order, as of this batch's commit. */
  readonly events: JournalEvent[]
  /** Codes of the forwarded messages refused: their embedded signature did not verify. */
  readonly refusedForwards: string[]
  /** Edits and deletes refused (not by the original's author, ...; edits.ts), by reason. */
  readonly rejected: ChangeRejection[]
}

/** Indexes journal lines for one account. */
export class MailIndexer {
  readonly #account: Account
  readonly #book: PrekeyBook
  readonly #chats: ChatKeys
  constructor(account: Account, book: PrekeyBook, chats: ChatKeys) {
    this.#account = account
    this.#book = book
    this.#chats = chats
  }

  /**
   * Index `lines` (consecutive, in journal order) into `batch`, set the cursor to `upTo` (the
   * last line's position), and derive the lines' events. Re-indexing a line changes nothing.
   */
  async indexLines(
    batch: MailBatch,
    lines: readonly IndexLine[],
    upTo: number,
  ): Promise<BatchOutcome> {
    const receipts: ReceiptTask[] = []
    const blobs: string[] = []
    const eventful: IndexLine[] = []
    const refusedForwards: string[] = []
    const rejected: ChangeRejection[] = []
    let skipped = 0
    let shareContacts = false
    for (const line of lines) {
      const { id, kind } = line
      if (id === undefined) continue
      // Secrets of a prekey published just now must open the very next lines; and a device of
      // ours that can newly receive gets the contact list sealed again (contact-share.ts).
      if (kind === 'prekey' && line.user === this.#account.user) {
        this.#book.reloadSecrets()
        shareContacts = true
      }
      if (kind !== 'encrypted') {
        if (kind !== undefined && EVENT_KINDS.has(kind)) eventful.push(line)
        continue
      }
      const inner = await this.#open(line, id)
      // Only our user and the users it trusts reach the inbox (docs/messaging.md "Indexing"):
      // a stranger's message relayed by a contact is dropped like one that does not open.
      if (inner === undefined || !this.#fromTrusted(inner)) {
        skipped++
        continue
      }
      if (inner.kind === 'message' && isChange(inner)) {
        // An edit or delete (edits.ts): applied only for the original's author.
        const outcome = await indexChange(batch, line.position, changeOf(inner))
        if (outcome.kind === 'rejected') rejected.push(outcome.reason)
        if (outcome.kind === 'applied') {
          for (const a of outcome.record.attachments ?? []) blobs.push(a.hash)
          eventful.push(line)
        }
      } else if (inner.kind === 'message') {
        // A forward is shown only if its embedded original verifies (forwarding.md §4).
        let forward: CheckedForward | undefined
        if ((inner.data as ContentData<'message'>).forwarded !== undefined) {
          try {
            forward = checkForward(this.#account, inner)
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e
            refusedForwards.push(e.code)
            continue
          }
        }
        const task = await this.#indexMessage(
          batch,
          line.position,
          id,
          inner,
          blobs,
          rejected,
          forward,
        )
        if (task) receipts.push(task)
        eventful.push(line)
      } else if (inner.kind === 'contacts') {
        // Only our own user's list (openResource refuses anyone else's).
        if (inner.header.user === this.#account.user)
          await applySharedContacts(this.#account, (inner.data as ContentData<'contacts'>).entries)
      } else {
        await this.#indexReceipt(batch, line.position, inner)
        eventful.push(line)
      }
    }
    batch.set(CURSOR_KEY, upTo)
    const decided = await this.#decideReceipts(batch, receipts)
    const events: JournalEvent[] = []
    for (const line of eventful) {
      const event = await eventOfLine(this.#account, batch, line)
      if (event) events.push(event)
    }
    return { receipts: decided, skipped, blobs, shareContacts, events, refusedForwards, rejected }
  }

  /** Whether the author of an opened resource is our user or a user our user trusts now. */
  #fromTrusted(inner: Verified): boolean {
    const me = this.#account.user!
    const author = inner.header.user
    return author === me || this.#account.ingestor.graph.trustsUser(me, author, this.#account.now())
  }

  /** The opened inner resource, or undefined for any failure (uniform: no reason kept). */
  async #open(line: IndexLine, id: string): Promise<Verified | undefined> {
    const me = this.#account.user
    if (me === undefined) return undefined
    // An envelope this node sealed: the ingestor verified the inner resource it carries.
    if (line.inner) return line.inner
    const secrets = await this.#book.secrets()
    if (secrets.length === 0) return undefined
    const { provider, ingestor, store } = this.#account
    const now = this.#account.now()
    try {
      let outer = line.resource
      if (outer === undefined) {
        const bytes = await store.getResource(id)
        if (!bytes) return undefined
        outer = validateResource(provider, bytes, ingestor.graph, { now })
      }
      return openResource(provider, outer, secrets, ingestor.graph, { now, reader: me })
    } catch {
      return undefined
    }
  }

  async #indexMessage(
    batch: MailBatch,
    position: number,
    outer: string,
    inner: Verified,
    blobs: string[],
    rejected: ChangeRejection[],
    forward?: CheckedForward,
  ): Promise<ReceiptTask | undefined> {
    const me = this.#account.user!
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
    // Receipts that came before the message move under its position.
    const receipts = await batch.get<ReceiptMap>(earlyReceiptsKey(inner.id))
    if (receipts) {
      batch.set(receiptsKey(position), receipts)
      batch.delete(earlyReceiptsKey(inner.id))
    }
    await addToChat(batch, this.#chats, record, receipts, me)
    return record.direction === 'in' ? { message: inner.id, author } : undefined
  }

  /**
   * Decide the delivered receipts of a batch, after all its lines (a receipt from our user
   * later in the same batch counts). A receipt from our user (another device, or this one
   * before a restart) means the author has been told already; otherwise ours is recorded now,
   * in the same commit as the cursor, so that it is decided once whatever happens next.
   */
  async #decideReceipts(batch: MailBatch, tasks: readonly ReceiptTask[]): Promise<ReceiptTask[]> {
    const me = this.#account.user!
    const out: ReceiptTask[] = []
    for (const task of tasks) {
      // Indexed in this batch: its record is there.
      const record = (await batch.get<MessageRecord>(messageKey(task.message)))!
      const key = receiptsKey(record.position)
      const receipts = await batch.get<ReceiptMap>(key)
      if (receipts?.[me]) continue
      const at = this.#account.now()
      batch.set(key, mergeReceipt(receipts, me, { status: 'delivered', at }))
      out.push(task)
    }
    return out
  }

  /** Index a receipt (the inner resource of the encrypted line at `position`). */
  async #indexReceipt(batch: MailBatch, position: number, inner: Verified): Promise<void> {
    const d = inner.data as ContentData<'receipt'>
    const user = inner.header.user
    const entry = { status: d.status, at: inner.created }
    const me = this.#account.user!
    for (const message of d.resources) {
      const record = await batch.get<MessageRecord>(messageKey(message))
      const key = record ? receiptsKey(record.position) : earlyReceiptsKey(message)
      const current = await batch.get<ReceiptMap>(key)
      const merged = mergeReceipt(current, user, entry)
      if (!merged) continue
      batch.set(key, merged)
      // Our user read it (on any device): one fewer unread in its chat, once.
      if (record && user === me && entry.status === 'read' && current?.[me]?.status !== 'read')
        await readInChat(batch, this.#chats, record, me)
    }
    batch.set(outerKey(position), {
      kind: 'receipt',
      messages: d.resources,
      user,
      ...entry,
    } as OuterEntry)
  }
}
