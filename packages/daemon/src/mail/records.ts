/**
 * The mailbox index as node-local records (docs/messaging.md "Index layout"): one namespace, so
 * that the records of a batch of journal lines and the processed cursor are written in one
 * atomic `putLocal`. Every value is sealed by the vault (bound to its namespace and key).
 * @module
 */
import { BoundedKeyCache } from '@sdmp/core'
import type { LocalPutOptions, LocalRecord, SecretVault, Store } from '@sdmp/store'
import type { AttachmentData } from './sender.js'
import type { ForwardRecord } from './forward.js'
import type { GroupEvent } from './groups.js'

/** The namespace of every mailbox record. */
export const MAIL_NS = 'mail'

/**
 * The mailbox namespace of one instance of a node over a shared store (config.json `instance`,
 * docs/scale.md "Instances as daemon processes"): each instance indexes the journal on its own,
 * so their cursors and event logs never collide. The first instance keeps {@link MAIL_NS}.
 */
export const mailNamespace = (instance: string | undefined): string =>
  instance === undefined ? MAIL_NS : `${MAIL_NS}.${instance}`

/** Key of the processed cursor: the journal position up to which every line is indexed. */
export const CURSOR_KEY = 'cursor'
/** Key of the number of indexed messages (for `status`). */
export const COUNT_KEY = 'count'
/** Key of the index layout version (chats.ts `INDEX_VERSION`; older layouts are upgraded). */
export const VERSION_KEY = 'version'

/** Digits of the zero-padded creation time in list keys (ms up to year 5138). */
const TIME_DIGITS = 14

/** Key of an opened message by its inner id. */
export const messageKey = (inner: string) => `m:${inner}`
const MESSAGE_PREFIX = messageKey('')
/** Digits of the zero-padded journal position in `o:` keys (every safe integer). */
const POSITION_DIGITS = 16
/**
 * Key of what the encrypted resource at journal `position` opened to. By position, not by its
 * outer id: the keys of a batch follow the index's end instead of landing on random pages
 * (docs/store.md §3 "Write amplification"); an outer id is found through the store's id index
 * ({@link MailRecords.outerEntry}).
 */
export const outerKey = (position: number) => `o:${String(position).padStart(POSITION_DIGITS, '0')}`
/** Key of the earlier versions of an edited message (by inner id; edits.ts). */
export const historyKey = (inner: string) => `h:${inner}`
/** Key of the edits and deletes that came before the message they replace (edits.ts). */
export const pendingKey = (inner: string) => `p:${inner}`
/**
 * Key of the receipts of a message, by its record's `position` (the journal line that brought
 * it first), like `o:`: a new message's receipts are written next to the index's end, and a
 * receipt for a run of recent messages touches a few neighbouring pages, not one random page
 * per message (docs/store.md §3 "Write amplification").
 */
export const receiptsKey = (position: number) =>
  `r:${String(position).padStart(POSITION_DIGITS, '0')}`
/** Key of receipts for a message not indexed yet (by inner id); moved to `r:` when it is. */
export const earlyReceiptsKey = (inner: string) => `q:${inner}`
/** Prefix of the list index: `a` every message, `i` received ones only. */
export type ListIndex = 'a' | 'i'
/** Key of a message in a list index: creation time then id, so key order is time order. */
export const listKey = (index: ListIndex, created: number, inner: string) =>
  `${index}:${String(created).padStart(TIME_DIGITS, '0')}:${inner}`
/** A list position: 14 digits, ':' then the tail (an inner id, or a chat key). */
export const timePosition = (created: number, tail: string) =>
  `${String(created).padStart(TIME_DIGITS, '0')}:${tail}`
/** The inner id at the end of a list key. */
export const idOfListKey = (key: string) => key.slice(key.lastIndexOf(':') + 1)

/** An opened message as the index keeps it (times in ms). */
export interface MessageRecord {
  readonly id: string
  readonly outer: string
  readonly from: string
  readonly to: readonly string[]
  readonly subject?: string
  readonly body: string
  readonly type: 'text' | 'markdown' | 'html'
  readonly created: number
  readonly conversation: string
  readonly replyTo?: string
  readonly expires?: number
  readonly direction: 'in' | 'out'
  /** Journal position of the encrypted resource that brought it first. */
  readonly position: number
  /**
   * The message's attachments with their keys (attachments.md §4: the key stays inside the
   * node, in this sealed record).
   */
  readonly attachments?: readonly AttachmentData[]
  /**
   * The signed inner resource as its JSON text, kept so that the message can be forwarded
   * with its author's signature (forwarding.md). Absent on a forward (its `forwarded` holds
   * what is forwarded again) and on records indexed before forwarding existed.
   */
  readonly signed?: string
  /** A forward: the verified original's author, id and time, the note, what it embedded. */
  readonly forwarded?: ForwardRecord
  /** Creation time (ms) of the update now shown, when the message was edited (edits.ts). */
  readonly edited?: number
  /** Inner id of the update now shown (absent: the original). */
  readonly revision?: string
  /** Set by a delete from its author: body, subject and attachments are erased (edits.ts). */
  readonly deleted?: true
  /**
   * Sent by its author on behalf of this user (fingerprint), under a delegation that passed
   * every check when the message was indexed (docs/protocol/delegation.md §3).
   */
  readonly onBehalfOf?: string
  /** The group conversation it belongs to (docs/protocol/groups.md §3), with its name then. */
  readonly group?: { readonly id: string; readonly name: string }
  /** A membership change of the group (groups.ts): shown in its chat, not in the inbox. */
  readonly groupEvent?: GroupEvent
}

/** The strongest receipt of one user for one message (the earliest of that strength). */
export interface ReceiptEntry {
  readonly status: 'delivered' | 'read'
  /** Receipt creation time, ms. */
  readonly at: number
}

/** Receipts of one message by user fingerprint. */
export type ReceiptMap = Readonly<Record<string, ReceiptEntry>>

/** What one encrypted resource opened to, for events; absent when it was skipped. */
export type OuterEntry =
  | { readonly kind: 'message'; readonly id: string; readonly first: boolean }
  /** An update or delete of message `id` (edits.ts); `applied` false while pending or refused. */
  | { readonly kind: 'change'; readonly id: string; readonly applied: boolean }
  | {
      readonly kind: 'receipt'
      /** The messages the receipt names (one receipt may confirm many; schemas.md). */
      readonly messages: readonly string[]
      readonly user: string
      readonly status: 'delivered' | 'read'
      readonly at: number
    }

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Stale keys (MailBatch.delete with `lazy`) deleted together once this many wait: a delete is
 * a commit of its own (the store has no atomic put-and-delete), so one per index batch rewrote
 * a few pages each time (docs/store.md §3 "Write amplification").
 */
const LAZY_DELETES = 256

/**
 * Message positions kept per {@link MailRecords} (inner id -> the record's `position`). A
 * receipt names messages by inner id and its index needs only their positions (`r:` keys):
 * reading each whole record for it (a store read, its decryption and the JSON of a record that
 * carries the signed message) was one record read per delivered message on both daemons
 * (docs/load.md §5 "Fifteenth pass"). Receipts come within seconds of their messages, so the
 * recent ones are enough.
 */
const KEPT_POSITIONS = 4096

/**
 * Sealed JSON records over the store. Readers see only committed records; a {@link MailBatch}
 * also sees its own buffered writes and commits them in one `putLocal`.
 */
export class MailRecords {
  readonly #store: Store
  readonly #vault: SecretVault
  readonly #ns: string
  /** Keys of lazy deletes not done yet (readers skip them as stale). */
  readonly #lazy = new Set<string>()
  /**
   * Positions of committed message records by inner id. Exact for as long as it is kept: an
   * `m:` record is never deleted, and its position (the journal line that brought the message
   * first) never changes when it is rewritten (edits.ts keeps it).
   */
  readonly #positions = new BoundedKeyCache<number>(KEPT_POSITIONS)

  constructor(store: Store, vault: SecretVault, ns: string = MAIL_NS) {
    this.#store = store
    this.#vault = vault
    this.#ns = ns
  }

  /** The local-record namespace of these records (mailNamespace). */
  get namespace(): string {
    return this.#ns
  }

  /** A committed record, or undefined. @throws DECRYPT_FAILED (tampered record) */
  async get<T>(key: string): Promise<T | undefined> {
    const sealed = await this.#store.getLocal(this.#ns, key)
    if (sealed === undefined) return undefined
    return JSON.parse(decoder.decode(this.#vault.openLocal(this.#ns, key, sealed))) as T
  }

  /**
   * A write buffer whose records are committed together; `durable: false` for state the
   * journal can re-derive (the index and its cursor; docs/store.md §9); `deferred` for state
   * that only has to be stored with the store's next write (the sender's sessions, which ride
   * their envelope's commit; store.ts `LocalPutOptions`).
   */
  batch(options: LocalPutOptions = {}): MailBatch {
    const put = { durable: options.durable !== false, deferred: options.deferred === true }
    return new MailBatch(
      this,
      {
        put: (records) => this.#store.putLocal(this.#ns, records, put),
        delete: (keys) => this.#store.deleteLocal(this.#ns, keys),
      },
      this.#vault,
    )
  }

  /**
   * The position of committed message `inner` (its record's `position`), or undefined when it
   * is not indexed. @throws DECRYPT_FAILED (tampered record)
   */
  async messagePosition(inner: string): Promise<number | undefined> {
    const kept = this.#positions.get(inner)
    if (kept !== undefined) return kept
    const record = await this.get<MessageRecord>(messageKey(inner))
    if (record !== undefined) this.#positions.set(inner, record.position)
    return record?.position
  }

  /** A batch committed these message records (MailBatch.commit). */
  noteMessages(written: Iterable<[string, unknown]>): void {
    for (const [key, value] of written)
      if (key.startsWith(MESSAGE_PREFIX))
        this.#positions.set(key.slice(MESSAGE_PREFIX.length), (value as MessageRecord).position)
  }

  /** What encrypted resource `outer` opened to, found by its journal position. */
  async outerEntry(outer: string): Promise<OuterEntry | undefined> {
    const position = await this.positionOf(outer)
    return position === undefined ? undefined : this.get<OuterEntry>(outerKey(position))
  }

  /** The journal position of resource `id` (from the store's id index), or undefined. */
  async positionOf(id: string): Promise<number | undefined> {
    return (await this.#store.getMeta(id))?.position
  }

  /**
   * After a batch commits: keys it wrote are no longer stale, and its lazy deletes wait for
   * more; all are deleted in one commit once {@link LAZY_DELETES} wait, or with `all`.
   */
  async settleDeletes(written: Iterable<string>, lazy: Iterable<string>, all = false) {
    for (const key of written) this.#lazy.delete(key)
    for (const key of lazy) this.#lazy.add(key)
    if (this.#lazy.size === 0 || (!all && this.#lazy.size < LAZY_DELETES)) return
    const keys = [...this.#lazy]
    this.#lazy.clear()
    await this.#store.deleteLocal(this.#ns, keys)
  }

  /** Up to `limit` message keys (`m:<id>`) whose inner id starts with `prefix`, in key order. */
  async messageKeysStartingWith(prefix: string, limit: number): Promise<string[]> {
    // '~' sorts after every base64url character, so the range holds exactly the prefixed ids.
    const rows = await this.#store.listLocal(this.#ns, {
      after: messageKey(prefix),
      before: messageKey(`${prefix}~`),
      limit,
    })
    return rows.map((r) => r.key)
  }

  /** Keys strictly between `after` and `before`, in key order (largest first with `descending`). */
  async keysBetween(after: string, before: string, limit: number, descending = false) {
    const rows = await this.#store.listLocal(this.#ns, { after, before, limit, descending })
    return rows.map((r) => r.key)
  }
}

/** How a batch reaches the store. */
export interface BatchWriter {
  put(records: readonly LocalRecord[]): Promise<void>
  delete(keys: readonly string[]): Promise<void>
}

/**
 * Buffered writes of one batch: reads see them first; {@link commit} writes them atomically.
 * Deletes follow the commit (the store has no atomic put-and-delete), so they are only for
 * records that readers can tell are stale without them (the chat activity keys, chats.ts).
 */
export class MailBatch {
  readonly #records: MailRecords
  readonly #writer: BatchWriter
  readonly #vault: SecretVault
  readonly #pending = new Map<string, unknown>()
  readonly #deleted = new Set<string>()
  readonly #lazy = new Set<string>()
  /** Keys the caller knows the store holds no record at ({@link absent}). */
  readonly #absent = new Set<string>()

  constructor(records: MailRecords, writer: BatchWriter, vault: SecretVault) {
    this.#records = records
    this.#writer = writer
    this.#vault = vault
  }

  /** The records this batch writes to. */
  get records(): MailRecords {
    return this.#records
  }

  /** A record as this batch would leave it. */
  async get<T>(key: string): Promise<T | undefined> {
    if (this.#pending.has(key)) return this.#pending.get(key) as T
    if (this.#deleted.has(key) || this.#lazy.has(key) || this.#absent.has(key)) return undefined
    return this.#records.get<T>(key)
  }

  /**
   * Tell the batch that the store holds no record at `key`, so that reading it before it is
   * set asks the store nothing: only for a key the caller can prove absent (index-records.ts:
   * the receipts of a message indexed for the first time).
   */
  absent(key: string): void {
    if (!this.#pending.has(key)) this.#absent.add(key)
  }

  /** Buffer a write. */
  set(key: string, value: unknown): void {
    this.#deleted.delete(key)
    this.#lazy.delete(key)
    this.#pending.set(key, value)
  }

  /**
   * Buffer a delete, done right after the commit (not atomically with it); with `lazy`, later,
   * together with others ({@link MailRecords.settleDeletes}): only for keys readers skip as
   * stale, which nothing sets again.
   */
  delete(key: string, options: { lazy?: boolean } = {}): void {
    this.#pending.delete(key)
    if (options.lazy === true) this.#lazy.add(key)
    else this.#deleted.add(key)
  }

  /**
   * The position of message `inner` as this batch would leave it (its record's `position`), or
   * undefined when it is not indexed; reads no whole record when {@link MailRecords} keeps it.
   */
  async messagePosition(inner: string): Promise<number | undefined> {
    const key = messageKey(inner)
    if (this.#pending.has(key)) return (this.#pending.get(key) as MessageRecord).position
    if (this.#deleted.has(key) || this.#lazy.has(key)) return undefined
    return this.#records.messagePosition(inner)
  }

  /** Write every buffered record in one atomic commit, then delete what was deleted. */
  async commit(): Promise<void> {
    await this.#commitWrites()
    this.#records.noteMessages(this.#pending)
    if (this.#deleted.size > 0) await this.#writer.delete([...this.#deleted])
    await this.#records.settleDeletes(this.#pending.keys(), this.#lazy)
  }

  async #commitWrites(): Promise<void> {
    if (this.#pending.size === 0) return
    const records: LocalRecord[] = []
    for (const [key, value] of this.#pending)
      records.push({
        key,
        value: this.#vault.sealLocal(
          this.#records.namespace,
          key,
          encoder.encode(JSON.stringify(value)),
        ),
      })
    await this.#writer.put(records)
  }
}
