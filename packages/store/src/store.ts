/**
 * The Store seam: a node's whole durable state behind one interface (docs/store.md). Every
 * backend (memory, SQLite, PostgreSQL) passes the same conformance suite (conformance.ts).
 *
 * Durability contract: when a write method's promise resolves, the write is committed durably
 * (survives `kill -9` and power loss as far as the backend's fsync allows). Callers acknowledge
 * to users and peers only after that.
 * @module
 */

/** A verified resource ready to be stored. The store trusts these fields: validate first. */
export interface IngestItem {
  /** Resource identifier: base64url(SHA-512(payload)), 86 characters. */
  readonly id: string
  /** User fingerprint the resource is published for; goes into its journal line. */
  readonly user: string
  /** Primary schema of the inner container ("message", "trust", "encrypted", ...). */
  readonly kind: string
  /** `sdmp.created` in milliseconds since the epoch; the first half of the sync order key. */
  readonly created: number
  /** The canonical encoded resource (its JSON text, resource.md §1), exactly as received. */
  readonly bytes: Uint8Array
  /**
   * The same resource in the compact form (docs/protocol/compact.md), when the caller has it
   * already (a peer sent it so): a store that keeps that form stores these bytes instead of
   * encoding `bytes` again. Must decode to `bytes`: the store trusts it like every field.
   */
  readonly compact?: Uint8Array
  /** Optional secondary index: e.g. conversation id or the resource this one refers to. */
  readonly ref?: string
}

/** Result of putting one item. */
export interface PutResult {
  readonly id: string
  /** False when the resource was already stored (idempotent: no second journal line). */
  readonly inserted: boolean
  /** 1-based journal position of the resource's line (line 1 is the node fingerprint). */
  readonly position: number
  /** The full journal line. */
  readonly line: string
}

/** One journal line and its position. */
export interface JournalRow {
  readonly position: number
  readonly line: string
}

/** Sync order key: resources are ordered by (created, id), as in negentropy. */
export interface ResourceKey {
  readonly created: number
  readonly id: string
}

/** Metadata of a stored resource (no bytes). */
export interface ResourceMeta extends ResourceKey {
  readonly user: string
  readonly kind: string
  readonly ref?: string
  readonly position: number
}

/** Filter for {@link Store.queryResources}. */
export interface ResourceQuery {
  readonly kinds?: readonly string[]
  readonly user?: string
  readonly ref?: string
  /** Only resources whose journal position is greater than this. */
  readonly afterPosition?: number
  readonly limit?: number
  /** Newest first when true (by journal position). */
  readonly descending?: boolean
}

/** Resources stored for one user and their encoded size ({@link Store.usageOf}). */
export interface StoreUsage {
  readonly count: number
  readonly bytes: number
}

/** What a node remembers about one peer's sync progress. */
export interface PeerState {
  /** Last journal line id received from the peer. */
  readonly lastKnown?: string
  /** Free-form JSON the sync engine keeps (backoff, penalties). */
  readonly extra?: string
  readonly updatedAt: number
}

/**
 * One node-local record: private state derived by this node (for example the opened form of a
 * message it can read). Never journaled, never synced, never served to peers (docs/store.md
 * "Local records").
 */
export interface LocalRecord {
  /** 1..256 printable ASCII characters (0x21..0x7e); records of a namespace sort by key bytes. */
  readonly key: string
  /** At most {@link MAX_LOCAL_VALUE_BYTES}. */
  readonly value: Uint8Array
}

/** A key range of {@link Store.listLocal}: `after < key < before`, at most `limit`. */
export interface LocalRange {
  readonly after?: string
  readonly before?: string
  /** 1..10,000. */
  readonly limit: number
  /** Largest keys first. */
  readonly descending?: boolean
}

/** Largest local record value (bytes): a 1 MiB resource opened, with room for metadata. */
export const MAX_LOCAL_VALUE_BYTES = 4 * 1024 * 1024

/** A content-addressed blob: its SHA-256 hex and size. */
export interface BlobInfo {
  readonly hash: string
  readonly size: number
}

/**
 * A subscription made with {@link Store.watchJournal}. `close()` stops the signals and releases
 * what the subscription holds (for PostgreSQL, its listening connection). Idempotent.
 */
export interface JournalWatch {
  close(): Promise<void>
}

/**
 * How {@link Store.putLocal} commits (docs/store.md §9 "Deferred writes").
 *
 * `durable: false` skips the commit's fsync: the commit is atomic and ordered, a later durable
 * write makes it durable too, and a crash (power loss) may lose it.
 *
 * `deferred: true` (with `durable: false`) lets the store hold the records in memory and write
 * them in the same transaction as its next write of any kind (a put of resources, another local
 * put or delete), or on close or a short timer, whichever comes first. They are read back at
 * once, and a later write of the same key wins. A crash before that write loses them together
 * with what that write would have committed. For state that must be durable no later than
 * something put after it, and is worthless without it: the sender's session state and the
 * envelope sealed with it (docs/protocol/sessions.md §7), which then share one commit instead of
 * two. A store may commit deferred records at once (the memory and PostgreSQL stores do).
 */
export interface LocalPutOptions {
  readonly durable?: boolean
  readonly deferred?: boolean
}

/**
 * A node's durable state. All methods reject with `ProtocolError` for expected failures
 * (`UNAVAILABLE`, `CONFLICT`, `IN_USE`, `INCOMPATIBLE_STORE`, `NOT_FOUND`) and never with a
 * driver error (the driver error is kept in `cause`). Malformed arguments (wrong types, ids
 * that are not 86-character base64url, blob hashes that are not 64 lowercase hex) reject with
 * `BAD_REQUEST` (validate.ts); any call after `close()` rejects with `CLOSED`.
 */
export interface Store {
  /** "memory", "sqlite" or "postgres". */
  readonly kind: string

  /** Open (or create) the store: run migrations, take locks. Idempotent. */
  open(): Promise<void>
  /** Finish in-flight writes and release everything. Idempotent. */
  close(): Promise<void>

  /**
   * Write journal line 1 (the node fingerprint) if the journal is empty.
   * @throws CONFLICT when the journal already starts with another fingerprint
   */
  initJournal(nodeFingerprint: string): Promise<void>
  /**
   * Store resources and append one journal line for each new one, in one atomic, durable
   * commit. Already-stored ids are skipped (inserted: false, their existing line returned).
   * Results are in input order.
   * @throws BAD_REQUEST (any malformed item; nothing is stored), CONFLICT (before initJournal)
   */
  putResources(items: readonly IngestItem[]): Promise<PutResult[]>
  /**
   * The resource's canonical JSON bytes, or undefined (also once they were dropped:
   * {@link dropResourceBytes}). Backends may keep the compact form at rest (stored-form.ts).
   */
  getResource(id: string): Promise<Uint8Array | undefined>
  /**
   * The bytes as kept at rest: the compact form (docs/protocol/compact.md §6) or, for rows
   * written before it (or bytes without one), the JSON text; undefined like getResource. Sync
   * frames them as they are instead of decoding and encoding again. Optional: without it,
   * callers use getResource.
   */
  getStoredResource?(id: string): Promise<Uint8Array | undefined>
  /**
   * Erase the stored bytes of resources while keeping their metadata and journal lines
   * (docs/protocol/edits.md §3: a host drops the sealed bytes of a deleted message). Afterwards
   * `getResource` returns undefined, while `getMeta`, `hasResources`, queries and the journal
   * are unchanged, so the resource is neither fetched again nor served. Unknown ids and ids
   * already dropped are ignored.
   * @returns how many resources lost their bytes now
   * @throws BAD_REQUEST (a malformed id)
   */
  dropResourceBytes(ids: readonly string[]): Promise<number>
  /** Metadata of a stored resource, or undefined. */
  getMeta(id: string): Promise<ResourceMeta | undefined>
  /** For each id, whether it is stored. */
  hasResources(ids: readonly string[]): Promise<boolean[]>
  /** Resources matching a filter, by journal position. */
  queryResources(query: ResourceQuery): Promise<ResourceMeta[]>
  /** Number of stored resources. */
  countResources(): Promise<number>
  /**
   * How many resources are stored for `user` (their `user` field) and their encoded bytes in
   * all: the per-author storage quota (sync.md §9) reads it once per author.
   */
  usageOf(user: string): Promise<StoreUsage>
  /**
   * Every stored resource's count and encoded bytes together. Optional: a host's per-user
   * quota reads it once (docs/scale.md "A host for many users"); stores without it have none.
   */
  usageTotal?(): Promise<StoreUsage>

  /** The last journal line, or undefined when the journal is empty. */
  journalHead(): Promise<JournalRow | undefined>
  /** Lines with position > `afterPosition`, at most `limit`, in order. */
  readJournal(afterPosition: number, limit: number): Promise<JournalRow[]>
  /** The journal line whose line id (hash of the line before it) is `lineId`, or undefined. */
  findJournalLine(lineId: string): Promise<JournalRow | undefined>
  /**
   * Be signalled when the journal head may have moved, whoever appended: this store object, or
   * another writer sharing the backend (another daemon process on the same PostgreSQL schema;
   * docs/scale.md "Several instances"). A signal carries only a head position and is a hint:
   * signals may repeat, arrive out of order, lag the commit, or be lost while a connection is
   * down (a backend that reconnects signals its head once it listens again). So the consumer
   * keeps its own cursor and reads {@link readJournal} from it on every signal; it never
   * trusts the signal for content. Resolves once listening: every commit that ends after that
   * is signalled (unless lost as above). Optional: a backend without it has no other writers
   * to report, and callers then learn only of their own appends.
   */
  watchJournal?(onHead: (position: number) => void): Promise<JournalWatch>

  getPeerState(peer: string): Promise<PeerState | undefined>
  setPeerState(peer: string, state: PeerState): Promise<void>

  /** Raw secret bytes by name (encryption at rest is the SecretVault's job, above this). */
  getSecret(name: string): Promise<Uint8Array | undefined>
  putSecret(name: string, value: Uint8Array): Promise<void>
  deleteSecret(name: string): Promise<void>

  /**
   * Insert or replace node-local records of namespace `ns` (1..64 of `a-z 0-9 . _ -`) in one
   * atomic commit, durable unless `durable: false`. A non-durable commit is still atomic and
   * ordered: a crash may lose it (and the commits after it), never part of it, and any later
   * durable write makes it durable too. For state derived from durable data (an index with
   * its cursor), where losing the newest commits only means redoing them (docs/store.md §9).
   * With `deferred` the records may wait in memory for the store's next write (see
   * {@link LocalPutOptions}).
   * @throws BAD_REQUEST (bad namespace, key or value; nothing is written)
   */
  putLocal(ns: string, records: readonly LocalRecord[], options?: LocalPutOptions): Promise<void>
  /** A local record's value, or undefined. */
  getLocal(ns: string, key: string): Promise<Uint8Array | undefined>
  /** Records of `ns` in key order (bytewise) within `range`. */
  listLocal(ns: string, range: LocalRange): Promise<LocalRecord[]>
  /** Delete local records; missing keys are fine. */
  deleteLocal(ns: string, keys: readonly string[]): Promise<void>

  /** Stream a blob in; it is stored under its SHA-256 (hex). Never buffers the whole blob. */
  putBlob(data: AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal }): Promise<BlobInfo>
  /** Stream a stored blob out, or undefined. */
  getBlob(hash: string): Promise<AsyncIterable<Uint8Array> | undefined>
  hasBlob(hash: string): Promise<boolean>
  deleteBlob(hash: string): Promise<void>
}
