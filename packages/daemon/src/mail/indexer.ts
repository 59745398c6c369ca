/**
 * The mailbox indexer (docs/messaging.md "Indexing"): turns journal lines into index records
 * and events. An `encrypted` line is opened with this node's prekey secrets (unless it is an
 * envelope this node sealed: the ingestor hands its inner resource on), or with its sessions
 * (sessions.ts); the opened message or
 * receipt is written to a batch whose commit also carries the processed cursor, so the index and
 * the cursor always agree. Lines that do not open are skipped, all for the same (silent) reason.
 * Each line's event is derived here once, from the batch as it will be committed.
 * @module
 */
import {
  ProtocolError,
  fromUtf8,
  openSessionResource,
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
import { sessionKey, sessionsOf, storeSession } from './sessions.js'
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
import { checkDelegation, readPrincipals } from '../account/delegations.js'
import type { CheckedDelegation, DelegationRefusal } from '../account/delegations.js'
import { applyGroupVersion, checkGroupMessage } from './groups.js'
import type { GroupBook, GroupRejection, GroupState } from './groups.js'

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
  /** Messages sent on someone's behalf refused, by reason (delegation.md §3). */
  readonly refusedDelegations: DelegationRefusal[]
  /** Messages newly indexed that others sent (for forwarding rules, rules.ts). */
  readonly received: MessageRecord[]
  /** Group versions and group messages refused (groups.ts), by reason. */
  readonly groupRejected: GroupRejection[]
  /** Group states applied by this batch, in order (the mailbox takes them after the commit). */
  readonly groups: GroupState[]
  /** Ids of fellow members' proof resources to fetch after the commit (groups.md §4-§5). */
  readonly imports: string[]
}

/** Indexes journal lines for one account. */
export class MailIndexer {
  readonly #account: Account
  readonly #book: PrekeyBook
  readonly #chats: ChatKeys
  readonly #groups: GroupBook
  constructor(account: Account, book: PrekeyBook, chats: ChatKeys, groups: GroupBook) {
    this.#account = account
    this.#book = book
    this.#chats = chats
    this.#groups = groups
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
    const refusedDelegations: DelegationRefusal[] = []
    const received: MessageRecord[] = []
    // Users who delegated reading to ours (delegation.md §4), read once per batch when needed.
    let principals: Promise<string[]> | undefined
    const readFor = () => (principals ??= readPrincipals(this.#account))
    const groupRejected: GroupRejection[] = []
    const groups: GroupState[] = []
    const imports: string[] = []
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
      const inner = await this.#open(batch, line, id, readFor)
      // Only our user, the users it trusts and fellow group members (groups.md §5) reach the
      // inbox (docs/messaging.md "Indexing"): a stranger's message relayed by a contact is
      // dropped like one that does not open.
      if (inner === undefined || !(this.#fromTrusted(inner) || this.#fromFellow(inner))) {
        skipped++
        continue
      }
      const group =
        inner.kind === 'message' ? (inner.data as ContentData<'message'>).group : undefined
      let groupState: GroupState | undefined
      if (group !== undefined) {
        // A group message only from a member of the group as we know it (groups.md §3).
        const checked = await checkGroupMessage(batch, group, inner.header.user)
        if (typeof checked === 'string') {
          groupRejected.push(checked)
          continue
        }
        groupState = checked
      }
      if (inner.kind === 'group') {
        const outcome = await applyGroupVersion(
          batch,
          this.#account.provider,
          this.#account.user!,
          inner,
          id,
          line.position,
        )
        if (outcome.kind === 'rejected') {
          groupRejected.push(outcome.reason)
          continue
        }
        groups.push(outcome.state)
        imports.push(...outcome.imports)
        // The membership event lives in the group's chat only (not in the inbox lists).
        batch.set(messageKey(outcome.record.id), outcome.record)
        batch.set(outerKey(line.position), {
          kind: 'message',
          id: outcome.record.id,
          first: true,
        } as OuterEntry)
        await addToChat(batch, this.#chats, outcome.record, undefined, this.#account.user!)
        eventful.push(line)
      } else if (inner.kind === 'message' && isChange(inner)) {
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
        // Sent on someone's behalf: shown only under a delegation in force here (delegation.md §3).
        let delegation: CheckedDelegation | undefined
        const embedded = (inner.data as ContentData<'message'>).delegation
        if (embedded !== undefined) {
          const checked = checkDelegation(this.#account, embedded, inner.header.user, inner.created)
          if (typeof checked === 'string') {
            refusedDelegations.push(checked)
            continue
          }
          delegation = checked
        }
        const indexed = await this.#indexMessage(batch, line.position, id, inner, blobs, rejected, {
          ...(forward && { forward }),
          ...(delegation && { delegation }),
          ...(groupState && { group: groupState }),
        })
        if (indexed?.direction === 'in') {
          receipts.push({ message: indexed.id, author: indexed.from })
          received.push(indexed)
        }
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
    return {
      receipts: decided,
      skipped,
      blobs,
      shareContacts,
      events,
      refusedForwards,
      rejected,
      refusedDelegations,
      received,
      groupRejected,
      groups,
      imports,
    }
  }

  /** Whether the author of an opened resource is our user or a user our user trusts now. */
  #fromTrusted(inner: Verified): boolean {
    const me = this.#account.user!
    const author = inner.header.user
    return author === me || this.#account.ingestor.graph.trustsUser(me, author, this.#account.now())
  }

  /**
   * Whether the author of an opened resource shares a group with our user (groups.md §5): its
   * group messages, group versions (checked for the admin by groups.ts) and receipts count.
   */
  #fromFellow(inner: Verified): boolean {
    return this.#groups.fellows(this.#account.user!, inner.header.user)
  }

  /**
   * The opened inner resource, or undefined for any failure (uniform: no reason kept). An
   * envelope is opened with this node's sessions with its sealing node and its prekey secrets
   * (sessions.md §8.3); a session that opening advanced or started goes into `batch`, the same
   * commit as the indexed message (sessions.md §7). A message that names not our user but one
   * who delegated reading to ours is opened on a second try (delegation.md §4); the delegations
   * are read only then, so other lines pay nothing. Opening never changes the sessions it was
   * given, so the second try starts from the same state.
   */
  async #open(
    batch: MailBatch,
    line: IndexLine,
    id: string,
    readFor: () => Promise<string[]>,
  ): Promise<Verified | undefined> {
    if (this.#account.user === undefined) return undefined
    // An envelope this node sealed: the ingestor verified the inner resource it carries.
    if (line.inner) return line.inner
    const secrets = await this.#book.secrets()
    if (secrets.length === 0) return undefined
    const first = await this.#openWith(batch, line, id, secrets)
    if (first !== 'FORBIDDEN') return first
    const principals = await readFor()
    if (principals.length === 0) return undefined
    const second = await this.#openWith(batch, line, id, secrets, principals)
    return second === 'FORBIDDEN' ? undefined : second
  }

  async #openWith(
    batch: MailBatch,
    line: IndexLine,
    id: string,
    secrets: Awaited<ReturnType<PrekeyBook['secrets']>>,
    principals?: readonly string[],
  ): Promise<Verified | undefined | 'FORBIDDEN'> {
    const reader = this.#account.user!
    const { provider, ingestor, store } = this.#account
    const now = this.#account.now()
    try {
      let outer = line.resource
      if (outer === undefined) {
        const bytes = await store.getResource(id)
        if (!bytes) return undefined
        outer = validateResource(provider, bytes, ingestor.graph, { now })
      }
      if (outer.kind !== 'encrypted') return undefined
      const sessions = sessionsOf(await batch.get<string[]>(sessionKey(outer.signers[0]!)))
      const opened = openSessionResource(
        provider,
        outer,
        { self: this.#account.node, secrets, sessions },
        ingestor.graph,
        { now, reader, ...(principals && { principals }) },
      )
      if (opened.session) await storeSession(batch, opened.session)
      return opened.inner
    } catch (e) {
      return e instanceof ProtocolError && e.code === 'FORBIDDEN' ? 'FORBIDDEN' : undefined
    }
  }

  async #indexMessage(
    batch: MailBatch,
    position: number,
    outer: string,
    inner: Verified,
    blobs: string[],
    rejected: ChangeRejection[],
    {
      forward,
      delegation,
      group,
    }: { forward?: CheckedForward; delegation?: CheckedDelegation; group?: GroupState } = {},
  ): Promise<MessageRecord | undefined> {
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
      ...(delegation && { onBehalfOf: delegation.principal }),
      ...(group !== undefined && { group: { id: group.id, name: group.name } }),
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
    return settled.record
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
