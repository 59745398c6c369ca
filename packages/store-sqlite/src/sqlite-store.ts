/**
 * SqliteStore: the embedded default Store (docs/store.md). better-sqlite3 in WAL mode with
 * synchronous=FULL, one exclusive connection per home, group commit of concurrent puts, and
 * content-addressed blob files beside the database.
 * @module
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type {
  BlobInfo,
  IngestItem,
  JournalRow,
  JournalWatch,
  LocalPutOptions,
  LocalRange,
  LocalRecord,
  PeerState,
  PutResult,
  ResourceMeta,
  ResourceQuery,
  StoreUsage,
  Store,
} from '@sdmp/store'
import {
  assertArray,
  assertBytes,
  assertDigest,
  assertIngestItems,
  assertInteger,
  assertLocalKey,
  assertLocalNamespace,
  assertLocalRange,
  assertLocalRecords,
  assertName,
  assertPeerState,
  assertQuery,
  JournalSignal,
  fromStoredForm,
  toStoredItems,
} from '@sdmp/store'
import { BlobFiles } from './blob-files.js'
import { HOME_FILES, wrapDriverError } from './sqlite-open.js'
import type { SqliteStoreSeams } from './sqlite-open.js'
import { openHome, peerStateOf } from './sqlite-home.js'
import { commitGroup } from './sqlite-ingest.js'
import {
  dropBytesOf,
  hasIds,
  journalRowByLineId,
  journalRows,
  metaOf,
  queryMetas,
  storedBytesOf,
  usageOfUser,
} from './sqlite-reads.js'
import type { OpenHome, PendingPut } from './sqlite-ingest.js'
import {
  deleteLocalRows,
  flushDeferred,
  getLocalRow,
  listLocalRows,
  putLocalRows,
  withoutFsync,
} from './sqlite-local.js'
import { resolveSqliteConfig } from './sqlite-store-config.js'
import { WalWriteback } from './wal-writeback.js'
import type { ResolvedSqliteConfig, SqliteStoreConfig } from './sqlite-store-config.js'

/**
 * Longest wait of deferred local records for another write to carry them (store.ts
 * `LocalPutOptions`): under load every write takes them sooner; idle, one commit follows.
 */
const DEFER_MS = 100

/**
 * The SQLite Store. Construct with a config, then `open()` (or let the first call open it).
 * @example
 * const store = new SqliteStore({ dir: home, sha512: provider.sha512 })
 * await store.open()
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite'
  readonly #config: ResolvedSqliteConfig
  readonly #blobs: BlobFiles
  readonly #writeback: WalWriteback | undefined
  #opening: Promise<OpenHome> | undefined
  #open: OpenHome | undefined
  #closed = false
  #pending: PendingPut[] = []
  #deferTimer: ReturnType<typeof setTimeout> | undefined
  #flushScheduled = false
  /** One process per home (§4): every append is this object's, so no other writer to hear. */
  readonly #signal = new JournalSignal()
  readonly #migrations: SqliteStoreSeams['migrations']

  /** @param seams tests only (see {@link SqliteStoreSeams}) */
  constructor(config: SqliteStoreConfig, seams?: SqliteStoreSeams) {
    this.#config = resolveSqliteConfig(config)
    this.#migrations = seams?.migrations
    this.#blobs = new BlobFiles(join(this.#config.dir, HOME_FILES.blobs))
    // No WAL file for an in-memory home; none needed when no commit is fsync'd (NORMAL).
    if (!this.#config.memory && this.#config.synchronous === 'FULL')
      this.#writeback = new WalWriteback(
        join(this.#config.dir, `${HOME_FILES.db}-wal`),
        seams?.writebackFiles,
      )
  }

  /** Open the home: create it, lock it, migrate. Idempotent. @throws IN_USE, INCOMPATIBLE_STORE */
  async open(): Promise<void> {
    await this.#ready()
  }

  async #ready(): Promise<OpenHome> {
    if (this.#closed) throw new ProtocolError(ErrorCode.CLOSED, 'store: closed')
    if (this.#open) return this.#open
    this.#opening ??= openHome(this.#config, this.#blobs, this.#migrations, () =>
      this.#writeback?.kick(),
    ).then((o) => (this.#open = o))
    try {
      return await this.#opening
    } catch (e) {
      this.#opening = undefined
      throw e
    }
  }

  /** Flush queued puts, close the connection (releasing the lock). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    const o = this.#open ?? (this.#opening ? await this.#opening.catch(() => undefined) : undefined)
    if (o) this.#flush()
    clearTimeout(this.#deferTimer)
    this.#deferTimer = undefined
    this.#closed = true
    if (o) {
      try {
        flushDeferred(o)
      } catch {
        // A failed commit (disk full) loses only what a kill -9 would have lost.
      }
      o.db.close()
      this.#writeback?.close()
      if (!this.#config.memory) rmSync(join(this.#config.dir, HOME_FILES.lock), { force: true })
    }
    this.#open = undefined
  }

  /** Run a synchronous read/write against the connection, mapping driver errors. */
  async #run<T>(what: string, fn: (o: OpenHome) => T): Promise<T> {
    const o = await this.#ready()
    try {
      return fn(o)
    } catch (e) {
      throw wrapDriverError(e, what)
    }
  }

  async initJournal(nodeFingerprint: string): Promise<void> {
    assertDigest(nodeFingerprint, 'nodeFingerprint')
    await this.#run('initJournal', (o) => {
      const first = o.st.getMeta.get('line1') as { value: string } | undefined
      if (first === undefined) {
        o.st.putMeta.run('line1', nodeFingerprint)
        o.head ??= { position: 1, line: nodeFingerprint }
      } else if (first.value !== nodeFingerprint)
        throw new ProtocolError(
          ErrorCode.CONFLICT,
          'journal: line 1 holds another node fingerprint',
        )
    })
  }

  /**
   * Store resources with their journal lines. Calls made in the same turn of the event loop are
   * committed together in one transaction (group commit); each promise resolves only after
   * that commit is durable.
   * @throws BAD_REQUEST (nothing stored), CONFLICT (journal not initialized), UNAVAILABLE
   */
  async putResources(items: readonly IngestItem[]): Promise<PutResult[]> {
    assertIngestItems(items)
    const o = await this.#ready()
    if (!o.head)
      throw new ProtocolError(ErrorCode.CONFLICT, 'journal: not initialized (call initJournal)')
    if (items.length === 0) return []
    // The compact form at rest (compact.md §6), encoded here, outside the write transaction.
    const stored = toStoredItems(this.#config.sha512, items)
    const results = await new Promise<PutResult[]>((resolve, reject) => {
      this.#pending.push({ items: stored, resolve, reject })
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        // setImmediate, not a microtask: puts arriving from I/O callbacks in this turn join too.
        setImmediate(() => this.#flush())
      }
    })
    this.#signal.emitPut(results)
    return results
  }

  async watchJournal(onHead: (position: number) => void): Promise<JournalWatch> {
    await this.#ready()
    return this.#signal.add(onHead)
  }

  /**
   * Commit deferred local records within {@link DEFER_MS} if no other write has taken them by
   * then (store.ts `LocalPutOptions`). A failure leaves them for the next write.
   */
  #deferFlush(): void {
    if (this.#deferTimer) return
    this.#deferTimer = setTimeout(() => {
      this.#deferTimer = undefined
      this.#run('putLocal', flushDeferred).catch(() => undefined)
    }, DEFER_MS)
  }

  /** Commit every queued put in groups of at most maxGroupItems items. */
  #flush(): void {
    this.#flushScheduled = false
    while (this.#pending.length > 0) {
      const group: PendingPut[] = []
      let count = 0
      while (
        this.#pending.length > 0 &&
        (group.length === 0 || count + this.#pending[0]!.items.length <= this.#config.maxGroupItems)
      ) {
        const p = this.#pending.shift()!
        group.push(p)
        count += p.items.length
      }
      const o = this.#open
      if (o) commitGroup(o, group, this.#config.sha512)
      else for (const p of group) p.reject(new ProtocolError(ErrorCode.CLOSED, 'store: closed'))
    }
  }

  async getResource(id: string): Promise<Uint8Array | undefined> {
    const bytes = await this.getStoredResource(id)
    return bytes && fromStoredForm(this.#config.sha512, bytes)
  }

  async getStoredResource(id: string): Promise<Uint8Array | undefined> {
    assertDigest(id, 'id')
    return this.#run('getResource', (o) => storedBytesOf(o, id))
  }

  async dropResourceBytes(ids: readonly string[]): Promise<number> {
    const list = assertArray(ids, 'ids').map((id) => assertDigest(id, 'id'))
    return this.#run('dropResourceBytes', (o) => dropBytesOf(o, list))
  }

  async getMeta(id: string): Promise<ResourceMeta | undefined> {
    assertDigest(id, 'id')
    return this.#run('getMeta', (o) => metaOf(o, id))
  }

  async hasResources(ids: readonly string[]): Promise<boolean[]> {
    assertArray(ids, 'ids').forEach((id, i) => assertDigest(id, `ids[${i}]`))
    return this.#run('hasResources', (o) => hasIds(o, ids))
  }

  async queryResources(query: ResourceQuery): Promise<ResourceMeta[]> {
    const q = assertQuery(query)
    return this.#run('queryResources', (o) => queryMetas(o, q))
  }

  async countResources(): Promise<number> {
    return this.#run('countResources', (o) => (o.st.count.get() as { n: number }).n)
  }

  async usageOf(user: string): Promise<StoreUsage> {
    assertDigest(user, 'user')
    return this.#run('usageOf', (o) => usageOfUser(o, user))
  }

  async journalHead(): Promise<JournalRow | undefined> {
    return this.#run(
      'journalHead',
      (o) => o.head && { position: o.head.position, line: o.head.line },
    )
  }

  async readJournal(afterPosition: number, limit: number): Promise<JournalRow[]> {
    assertInteger(afterPosition, 'afterPosition')
    assertInteger(limit, 'limit')
    return this.#run('readJournal', (o) => journalRows(o, afterPosition, limit))
  }

  async findJournalLine(lineId: string): Promise<JournalRow | undefined> {
    assertDigest(lineId, 'lineId')
    return this.#run('findJournalLine', (o) => journalRowByLineId(o, lineId))
  }

  async getPeerState(peer: string): Promise<PeerState | undefined> {
    assertName(peer, 'peer')
    return this.#run('getPeerState', (o) => peerStateOf(o, peer))
  }

  async setPeerState(peer: string, state: PeerState): Promise<void> {
    assertName(peer, 'peer')
    const s = assertPeerState(state)
    // Not fsync'd (docs/store.md §5): a position lost to a crash only means pulling those lines
    // again; the next durable commit makes it durable anyway.
    await this.#run('setPeerState', (o) =>
      withoutFsync(o, () =>
        o.st.setPeer.run(peer, s.lastKnown ?? null, s.extra ?? null, s.updatedAt),
      ),
    )
  }

  async getSecret(name: string): Promise<Uint8Array | undefined> {
    assertName(name, 'secret name')
    return this.#run('getSecret', (o) => {
      const r = o.st.getSecret.get(name) as { value: Buffer } | undefined
      return r && new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength)
    })
  }

  async putSecret(name: string, value: Uint8Array): Promise<void> {
    assertName(name, 'secret name')
    assertBytes(value, 'secret value')
    await this.#run('putSecret', (o) => o.st.putSecret.run(name, value))
  }

  async deleteSecret(name: string): Promise<void> {
    assertName(name, 'secret name')
    await this.#run('deleteSecret', (o) => o.st.deleteSecret.run(name))
  }

  async putLocal(
    ns: string,
    records: readonly LocalRecord[],
    options?: LocalPutOptions,
  ): Promise<void> {
    assertLocalNamespace(ns)
    const checked = assertLocalRecords(records)
    const durable = options?.durable !== false
    const deferred = options?.deferred === true
    await this.#run('putLocal', (o) => putLocalRows(o, ns, checked, durable, deferred))
    if (deferred) this.#deferFlush()
  }

  async getLocal(ns: string, key: string): Promise<Uint8Array | undefined> {
    assertLocalNamespace(ns)
    assertLocalKey(key)
    return this.#run('getLocal', (o) => getLocalRow(o, ns, key))
  }

  async listLocal(ns: string, range: LocalRange): Promise<LocalRecord[]> {
    assertLocalNamespace(ns)
    const r = assertLocalRange(range)
    return this.#run('listLocal', (o) => listLocalRows(o, ns, r))
  }

  async deleteLocal(ns: string, keys: readonly string[]): Promise<void> {
    assertLocalNamespace(ns)
    assertArray(keys, 'local keys').forEach((k) => assertLocalKey(k))
    await this.#run('deleteLocal', (o) => deleteLocalRows(o, ns, keys))
  }

  async putBlob(
    data: AsyncIterable<Uint8Array>,
    options?: { signal?: AbortSignal },
  ): Promise<BlobInfo> {
    await this.#ready()
    return this.#blobs.put(data, options?.signal)
  }

  async getBlob(hash: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    await this.#ready()
    return this.#blobs.get(hash)
  }

  async hasBlob(hash: string): Promise<boolean> {
    await this.#ready()
    return this.#blobs.has(hash)
  }

  async deleteBlob(hash: string): Promise<void> {
    await this.#ready()
    await this.#blobs.delete(hash)
  }
}
