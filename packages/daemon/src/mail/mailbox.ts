/**
 * The mailbox of an account (docs/messaging.md): end-to-end encrypted messages and receipts,
 * an index of what this node can open, and the event stream. The journal index
 * (journal-index.ts) follows the journal in order; the mailbox sends, answers queries, and acts
 * on what each committed batch found (receipts to send, blobs to fetch, contacts to share).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { RecipientSecret } from '@sdmp/core'
import type { Message, MessageDetail, SdmpEvent } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { MailIndexer } from './indexer.js'
import { JournalIndex } from './journal-index.js'
import type { MailboxOptions } from './mailbox-options.js'
import { afterBatch } from './mailbox-batch.js'
import type { BatchState } from './mailbox-batch.js'
import { MailboxJobs } from './mailbox-jobs.js'
import { recordRead, sendMail, sendReceiptQuietly } from './mailbox-send.js'
import type { SendContext } from './mailbox-send.js'
import { PrekeyBook } from './prekeys.js'
import { SessionBook } from './sessions.js'
import { notFound } from './queries.js'
import { MailReads } from './mail-reads.js'
import type { MessagePage } from './mail-reads.js'
import { ChatKeys, upgradeIndex } from './chats.js'
import { ReceiptQueue } from './receipt-queue.js'
import { MailRecords, VERSION_KEY, mailNamespace } from './records.js'
import type { MessageRecord } from './records.js'
import { shareContactList } from './contact-share.js'
import { forwardRequest } from './forward.js'
import type { ForwardOptions } from './forward.js'
import type { AttachmentData, EditContent, SendRequest, SendResult } from './sender.js'
import { changeMessage } from './edit-ops.js'
import type { Version } from './edits.js'
import { GroupBook } from './groups.js'
import type { GroupRejection, GroupState } from './groups.js'
import { FellowKeys, changeMembers, createGroup, resolveGroup } from './group-ops.js'
import type { GroupContext } from './group-ops.js'

export type { MailboxOptions } from './mailbox-options.js'

/**
 * Messages, receipts and events of one account.
 * @example
 * const mailbox = new Mailbox(account)
 * await mailbox.start()
 * const { id } = await mailbox.send({ to: [bob], body: 'hi' })
 */
export class Mailbox {
  readonly #account: Account
  readonly #event: (name: string, detail: Record<string, unknown>) => void
  readonly #records: MailRecords
  readonly #book: PrekeyBook
  readonly #chats = new ChatKeys()
  readonly #groups: GroupBook
  readonly #groupRejections = new Map<GroupRejection, number>()
  readonly #fellowKeys: FellowKeys
  readonly #reads: MailReads
  readonly #index: JournalIndex
  readonly #delivered: ReceiptQueue
  readonly #blobListeners = new Set<(hashes: readonly string[]) => void>()
  readonly #counts = { skipped: 0, rejectedChanges: 0 }
  readonly #refusedDelegations: string[] = []
  /** Forwarding rules and the rotation follower (mailbox-jobs.ts). */
  readonly #jobs: MailboxJobs
  #unsubscribe: (() => void) | undefined

  constructor(account: Account, options: MailboxOptions = {}) {
    this.#account = account
    this.#event = options.event ?? (() => undefined)
    this.#records = new MailRecords(
      account.store,
      account.vault,
      mailNamespace(account.config.instance),
    )
    this.#book = new PrekeyBook(account)
    this.#groups = new GroupBook(() => account.user)
    // Fellow members widen admission and relay to their mail and keys (groups.md §5).
    account.ingestor.fellows = (a, b) => this.#groups.fellows(a, b)
    account.ingestor.fellowsOf = (u) => this.#groups.fellowsOf(u)
    this.#fellowKeys = new FellowKeys(account, options.fetch ?? (async () => undefined), (e) =>
      this.#event('mail.error', { code: e instanceof ProtocolError ? e.code : 'INTERNAL' }),
    )
    this.#reads = new MailReads(account, this.#records, this.#chats)
    this.#index = new JournalIndex(
      account,
      this.#records,
      new MailIndexer(account, this.#book, this.#chats, this.#groups),
      {
        onBatch: (outcome, position) => afterBatch(this.#batchState(), outcome, position),
        onError: (e) =>
          this.#event('mail.error', { code: e instanceof ProtocolError ? e.code : 'INTERNAL' }),
      },
      options.indexLinger,
    )
    this.#book.sessions = new SessionBook(account, this.#records, this.#book, (fn) =>
      this.#index.exclusive(fn),
    )
    this.#delivered = new ReceiptQueue(
      (author, messages) => this.#sendReceipt(author, messages, 'delivered'),
      options.receiptLinger,
    )
    this.#jobs = new MailboxJobs({
      account,
      event: this.#event,
      running: () => this.#index.running,
      forward: (ref, o) => this.forward(ref, o),
      shareContacts: () => this.shareContacts(),
    })
  }

  /**
   * Load the cursor, follow new journal lines, and index everything after the cursor.
   * Resolves once the lines present at start are indexed.
   * @throws DECRYPT_FAILED (a tampered cursor), the store's codes
   */
  async start(): Promise<void> {
    if (this.#index.running) return
    await this.#chats.load(this.#records)
    await this.#groups.load(this.#records)
    // Before any line is indexed: an index of an older layout gains what this one adds.
    await upgradeIndex(this.#records, this.#chats, this.#account.user, VERSION_KEY)
    this.#unsubscribe = this.#account.ingestor.onAppended((lines) => this.#jobs.onAppended(lines))
    await this.#index.start()
  }

  /** Stop following the journal and wait for the queue to drain. Idempotent. */
  async stop(): Promise<void> {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    await this.#index.stop()
    // Stale keys waiting to be deleted go before the store closes.
    await this.#index.exclusive(() => this.#records.settleDeletes([], [], true))
    await this.#jobs.idle()
    // Decided receipts go out before the store closes (a graceful stop loses none).
    await this.#delivered.flush()
    this.#index.stopped()
  }

  /** Journal position up to which every line is processed and its index durable. */
  get processed(): number {
    return this.#index.processed
  }

  /** Resolves once {@link processed} reaches `position`. @throws CLOSED when stopped first */
  waitProcessed(position: number): Promise<void> {
    return this.#index.waitProcessed(position)
  }

  /** Be told the new cursor after each durable index commit. Returns the unsubscribe. */
  onProcessed(listener: (position: number) => void): () => void {
    return this.#index.onProcessed(listener)
  }

  /** mailbox-send.ts {@link sendMail}. @throws as sendMail */
  send(req: SendRequest & { readonly onBehalfOf?: string }): Promise<SendResult> {
    return sendMail(this.#sendContext(), req)
  }

  /** What sending, changing and group operations need of the mailbox (mailbox-send.ts). */
  #sendContext(): SendContext {
    return {
      account: this.#account,
      book: this.#book,
      groups: this.#groups,
      fellowKeys: this.#fellowKeys,
      running: this.#index.running,
      find: (r: string) => this.#find(r),
      waitProcessed: (p: number) => this.waitProcessed(p),
    }
  }

  /** The groups this node knows, ours first (groups.ts). */
  groups(): GroupState[] {
    return this.#groups.list()
  }

  /** The group `ref` (id or name of one of ours) names. @throws NOT_FOUND, CONFLICT */
  group(ref: string): GroupState {
    return resolveGroup(this.#groups, ref)
  }

  /**
   * Create a group of contacts administered by our user (group-ops.ts); resolves once its
   * first version is indexed here. @throws the codes of `createGroup`, CLOSED
   */
  createGroup(name: string, members: readonly string[]): Promise<GroupState> {
    return createGroup(this.#groupContext(), name, members)
  }

  /** Add (`add`) or remove `user` in group `ref` (ours to administer). @throws as changeMembers */
  changeGroup(ref: string, user: string, add: boolean): Promise<GroupState> {
    return changeMembers(this.#groupContext(), resolveGroup(this.#groups, ref), user, add)
  }

  /** Resolves once the fellow members' proofs learnt of so far are stored or given up. */
  fellowKeysSettled(): Promise<void> {
    return this.#fellowKeys.settled()
  }

  /** Group versions and group messages refused since start (groups.ts), by reason. */
  get groupRejections(): ReadonlyMap<GroupRejection, number> {
    return this.#groupRejections
  }

  #groupContext(): GroupContext {
    if (!this.#index.running) throw new ProtocolError(ErrorCode.CLOSED, 'mailbox: not running')
    return this.#sendContext()
  }

  /**
   * Forward message `ref` (inner, outer id or unique prefix) with its author's signature inside
   * (forward.ts). @throws NOT_FOUND, CONFLICT, the codes of `verifyForwarded` and `send`
   */
  async forward(ref: string, req: ForwardOptions): Promise<SendResult> {
    const record = await this.#find(ref)
    if (!record) throw notFound(ref)
    return this.send(await forwardRequest(this.#account, record, req))
  }

  /**
   * Edit (with `edit`) or delete our own message `ref` (docs/protocol/edits.md); resolves once
   * the change is indexed here, with the message as it is now.
   * @throws NOT_FOUND, FORBIDDEN (not ours), CONFLICT (deleted), SCHEMA_VIOLATION, CLOSED
   */
  async change(ref: string, edit: EditContent | undefined): Promise<MessageDetail> {
    if (!this.#index.running) throw new ProtocolError(ErrorCode.CLOSED, 'mailbox: not running')
    return (await this.get(await changeMessage(this.#sendContext(), ref, edit, notFound)))!
  }

  /** The versions of message `ref`, oldest first (the last is shown; none when deleted). */
  history(ref: string): Promise<Version[] | undefined> {
    return this.#reads.history(ref)
  }

  /** Edits and deletes refused since start (not from the original's author; edits.ts). */
  get rejectedChanges(): number {
    return this.#counts.rejectedChanges
  }

  /** Reasons of the messages sent on someone's behalf refused since start (delegation.md §3). */
  get refusedDelegations(): readonly string[] {
    return this.#refusedDelegations
  }

  /** Resolves once the forwarding rules queued so far have run (for tests and `stop`). */
  rulesIdle(): Promise<void> {
    return this.#jobs.rulesIdle()
  }

  /**
   * Seal the contact list to this user's own reading devices and publish it (contact-share.ts).
   * Best effort: a failure becomes a `mail.error` event and the next change shares again.
   */
  async shareContacts(): Promise<void> {
    if (this.#account.user === undefined || this.#account.revoked !== undefined) return
    try {
      await shareContactList(this.#account, this.#book)
    } catch (e) {
      this.#event('contacts.share-error', {
        code: e instanceof ProtocolError ? e.code : 'INTERNAL',
      })
    }
  }

  /** Indexed messages, newest first: received only, or all with `all`; expired ones left out. */
  async list(q: { all?: boolean; limit?: number } = {}): Promise<Message[]> {
    return (await this.page(q)).messages
  }

  /** mail-reads.ts {@link MailReads.page}. @throws BAD_REQUEST */
  page(q: { all?: boolean; limit?: number; before?: string } = {}): Promise<MessagePage> {
    return this.#reads.page(q)
  }

  /** mail-reads.ts {@link MailReads.chats} (docs/messaging.md "Chats"). @throws BAD_REQUEST */
  chats(q: { limit?: number; before?: string } = {}): ReturnType<MailReads['chats']> {
    return this.#reads.chats(q)
  }

  /** mail-reads.ts {@link MailReads.chatMessages}. @throws BAD_REQUEST */
  chatMessages(id: string, q: { limit?: number; before?: string } = {}): Promise<MessagePage> {
    return this.#reads.chatMessages(id, q)
  }

  /** An indexed, unexpired message by its inner or outer id, with its receipts. */
  get(id: string): Promise<MessageDetail | undefined> {
    return this.#reads.get(id)
  }

  /**
   * Mark a received message read: recorded here at once, and a `read` receipt goes (once) to
   * our devices, and to the author's when read receipts are on for them (settings.ts). A sent
   * message is returned unchanged.
   * @throws NOT_FOUND
   */
  async markRead(id: string): Promise<MessageDetail> {
    const me = this.#account.requireUser()
    const record = await this.#find(id)
    if (!record) throw notFound(id)
    if (record.direction === 'in') {
      const first = await this.#index.exclusive(() =>
        recordRead(this.#account, this.#records, this.#chats, record, me),
      )
      if (first) await this.#sendReceipt(record.from, [record.id], 'read')
    }
    return (await this.get(record.id))!
  }

  /**
   * Be told the blob hashes of attachments of newly indexed messages, after the commit, so the
   * network can fetch the missing ones (docs/protocol/attachments.md §3). Returns the
   * unsubscribe.
   */
  onAttachments(listener: (hashes: readonly string[]) => void): () => void {
    this.#blobListeners.add(listener)
    return () => this.#blobListeners.delete(listener)
  }

  /** Attachment `index` of a message, with its key (for the node's own decryption only). */
  attachment(id: string, index: number): Promise<AttachmentData | undefined> {
    return this.#reads.attachment(id, index)
  }

  /** Number of messages indexed. */
  count(): Promise<number> {
    return this.#reads.count()
  }

  /** Events of journal positions in (after, processed], in order, at most `limit`. */
  eventsAfter(after: number, limit: number): Promise<SdmpEvent[]> {
    return this.#index.eventsAfter(after, limit)
  }

  /** The usable prekeys of `users`' reading devices (sealing to them), and who has none. */
  recipientKeys(users: readonly string[]): ReturnType<PrekeyBook['recipientsOf']> {
    return this.#book.recipientsOf(users)
  }

  /** The prekey secrets this node opens envelopes with (a message request too: requests.md). */
  prekeySecrets(): Promise<readonly RecipientSecret[]> {
    return this.#book.secrets()
  }

  /** Rotate this node's prekey when due and erase expired secrets (envelope.md §7.3). */
  maintainPrekeys(): Promise<{ published: boolean; deleted: string[] }> {
    return this.#book.maintain()
  }

  /** A message by its inner or outer id, or by a unique prefix of its inner id. */
  #find(ref: string): Promise<MessageRecord | undefined> {
    return this.#reads.find(ref)
  }

  #batchState(): BatchState {
    return {
      event: this.#event,
      groups: this.#groups,
      groupRejections: this.#groupRejections,
      fellowKeys: this.#fellowKeys,
      refusedDelegations: this.#refusedDelegations,
      blobListeners: this.#blobListeners,
      delivered: this.#delivered,
      counts: this.#counts,
      applyRules: (records) => this.#jobs.applyRules(records),
      shareContacts: () => this.shareContacts(),
    }
  }

  /** Send one receipt, best effort (mailbox-send.ts). */
  #sendReceipt(author: string, messages: readonly string[], status: 'delivered' | 'read') {
    return sendReceiptQuietly(this.#account, this.#book, this.#event, author, messages, status)
  }
}
