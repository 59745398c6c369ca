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
import { ProtocolError } from '@sdmp/core'
import type { ContentData, Verified } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { JournalEvent } from './event-log.js'
import { EVENT_KINDS, eventOfLine } from './events.js'
import type { IndexLine } from './journal-lines.js'
import { applySharedContacts } from '../account/contacts.js'
import type { PrekeyBook } from './prekeys.js'
import { CURSOR_KEY, messageKey, outerKey } from './records.js'
import type { MailBatch, MessageRecord, OuterEntry } from './records.js'
import { addToChat } from './chats.js'
import { checkForward } from './forward.js'
import type { CheckedForward } from './forward.js'
import { changeOf, indexChange, isChange } from './edits.js'
import type { ChangeRejection } from './edits.js'
import type { ChatKeys } from './chats.js'
import { checkDelegation, readPrincipals } from '../account/delegations.js'
import type { CheckedDelegation, DelegationRefusal } from '../account/delegations.js'
import { applyGroupVersion, checkGroupMessage } from './groups.js'
import type { GroupBook, GroupRejection, GroupState } from './groups.js'
import { openLine } from './index-open.js'
import { decideReceipts, indexMessage, indexReceipt } from './index-records.js'

/** A delivered receipt to send once the batch that decided it is committed. */
export interface ReceiptTask {
  readonly message: string
  readonly author: string
  /**
   * The message came in a prekey message: its author's node waits for an answer to confirm the
   * session (sessions.md §6), so this receipt goes at once (receipt-queue.ts).
   */
  readonly answers?: true
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
      const opened = await openLine(this.#account, this.#book, batch, line, id, readFor)
      // Only our user, the users it trusts and fellow group members (groups.md §5) reach the
      // inbox (docs/messaging.md "Indexing"): a stranger's message relayed by a contact is
      // dropped like one that does not open.
      if (
        opened === undefined ||
        !(this.#fromTrusted(opened.inner) || this.#fromFellow(opened.inner))
      ) {
        skipped++
        continue
      }
      const inner = opened.inner
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
        const indexed = await indexMessage(
          this.#account,
          this.#chats,
          batch,
          line.position,
          id,
          inner,
          blobs,
          rejected,
          {
            ...(forward && { forward }),
            ...(delegation && { delegation }),
            ...(groupState && { group: groupState }),
          },
        )
        if (indexed?.direction === 'in') {
          receipts.push({
            message: indexed.id,
            author: indexed.from,
            ...(opened.started && { answers: true as const }),
          })
          received.push(indexed)
        }
        eventful.push(line)
      } else if (inner.kind === 'contacts') {
        // Only our own user's list (openResource refuses anyone else's).
        if (inner.header.user === this.#account.user)
          await applySharedContacts(this.#account, (inner.data as ContentData<'contacts'>).entries)
      } else {
        await indexReceipt(this.#account, this.#chats, batch, line.position, inner)
        eventful.push(line)
      }
    }
    batch.set(CURSOR_KEY, upTo)
    const decided = await decideReceipts(this.#account, batch, receipts)
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
}
