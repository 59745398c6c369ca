/**
 * MemoryStore: the Store interface over plain in-process maps. Used by tests and by nodes that
 * need no persistence; it passes the same conformance suite as the durable backends, so it is
 * also the executable reference of the contract (docs/store.md).
 * @module
 */
import { createHash } from 'node:crypto'
import { ErrorCode, ProtocolError, formatJournalLine, nextLineId } from '@sdmp/core'
import type { Sha512 } from '@sdmp/core'
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
} from './store.js'
import {
  assertArray,
  assertBlobHash,
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
  compareLocalKeys,
} from './validate.js'
import { assertQuery, checkAborted, BLOB_CHUNK } from './store-helpers.js'
import { JournalSignal } from './journal-signal.js'
import { storedForm } from './stored-form.js'

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** SHA-512 used to chain journal lines (e.g. `createNodeProvider().sha512`). */
  readonly sha512: Sha512
}

interface Stored {
  readonly meta: ResourceMeta
  readonly bytes: Uint8Array
  /**
   * What a store at rest keeps for it (stored-form.ts): `usageOf` counts this, as the SQLite and
   * PostgreSQL stores do, so the ingest quota measures the same bytes on every backend
   * (sync.md §9). This store itself keeps the JSON text; 0 once dropped.
   */
  readonly size: number
}

/**
 * A Store kept in memory. Every method copies bytes in and out, so callers can never alter
 * stored state through a shared buffer.
 * @example const store = new MemoryStore({ sha512 }); await store.open()
 */
export class MemoryStore implements Store {
  readonly kind = 'memory'
  readonly #sha512: Sha512
  #closed = false
  readonly #lines: string[] = []
  readonly #lineIds = new Map<string, number>()
  readonly #resources = new Map<string, Stored>()
  /** Resource metas in journal order (index = position - 2). */
  readonly #byPosition: ResourceMeta[] = []
  readonly #peers = new Map<string, PeerState>()
  readonly #secrets = new Map<string, Uint8Array>()
  /** Local records by namespace, then key. */
  readonly #local = new Map<string, Map<string, Uint8Array>>()
  readonly #blobs = new Map<string, Uint8Array[]>()
  readonly #signal = new JournalSignal()

  constructor(options: MemoryStoreOptions) {
    if (typeof options?.sha512 !== 'function') throw new TypeError('sha512: expected a function')
    this.#sha512 = options.sha512
  }

  #live(): void {
    if (this.#closed) throw new ProtocolError(ErrorCode.CLOSED, 'store: closed')
  }

  async open(): Promise<void> {
    this.#live()
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  async initJournal(nodeFingerprint: string): Promise<void> {
    this.#live()
    assertDigest(nodeFingerprint, 'nodeFingerprint')
    const first = this.#lines[0]
    if (first === undefined) this.#lines.push(nodeFingerprint)
    else if (first !== nodeFingerprint)
      throw new ProtocolError(ErrorCode.CONFLICT, 'journal: line 1 holds another node fingerprint')
  }

  async putResources(items: readonly IngestItem[]): Promise<PutResult[]> {
    this.#live()
    assertIngestItems(items)
    if (this.#lines.length === 0)
      throw new ProtocolError(ErrorCode.CONFLICT, 'journal: not initialized (call initJournal)')
    const out: PutResult[] = []
    for (const item of items) {
      const existing = this.#resources.get(item.id)
      if (existing) {
        const position = existing.meta.position
        out.push({ id: item.id, inserted: false, position, line: this.#lines[position - 1]! })
        continue
      }
      const prev = this.#lines[this.#lines.length - 1]!
      const line = formatJournalLine(prev, item.user, item.id, this.#sha512)
      const position = this.#lines.length + 1
      const meta: ResourceMeta = {
        id: item.id,
        user: item.user,
        kind: item.kind,
        created: item.created,
        position,
        ...(item.ref === undefined ? {} : { ref: item.ref }),
      }
      this.#lines.push(line)
      this.#lineIds.set(nextLineId(prev, this.#sha512), position)
      const size = storedForm(this.#sha512, item).length
      this.#resources.set(item.id, { meta, bytes: item.bytes.slice(), size })
      this.#byPosition.push(meta)
      out.push({ id: item.id, inserted: true, position, line })
    }
    this.#signal.emitPut(out)
    return out
  }

  async watchJournal(onHead: (position: number) => void): Promise<JournalWatch> {
    this.#live()
    return this.#signal.add(onHead)
  }

  async getResource(id: string): Promise<Uint8Array | undefined> {
    this.#live()
    const bytes = this.#resources.get(assertDigest(id, 'id'))?.bytes
    return bytes && bytes.length > 0 ? bytes.slice() : undefined
  }

  async dropResourceBytes(ids: readonly string[]): Promise<number> {
    this.#live()
    const list = assertArray(ids, 'ids').map((id) => assertDigest(id, 'id'))
    let dropped = 0
    for (const id of list) {
      const stored = this.#resources.get(id)
      if (!stored || stored.bytes.length === 0) continue
      this.#resources.set(id, { meta: stored.meta, bytes: new Uint8Array(0), size: 0 })
      dropped++
    }
    return dropped
  }

  async getMeta(id: string): Promise<ResourceMeta | undefined> {
    this.#live()
    return this.#resources.get(assertDigest(id, 'id'))?.meta
  }

  async hasResources(ids: readonly string[]): Promise<boolean[]> {
    this.#live()
    const list = assertArray(ids, 'ids')
    list.forEach((id, i) => assertDigest(id, `ids[${i}]`))
    return (list as string[]).map((id) => this.#resources.has(id))
  }

  async queryResources(query: ResourceQuery): Promise<ResourceMeta[]> {
    this.#live()
    const q = assertQuery(query)
    const kinds = q.kinds && new Set(q.kinds)
    const after = q.afterPosition ?? 0
    const limit = q.limit ?? Infinity
    const out: ResourceMeta[] = []
    const n = this.#byPosition.length
    for (let k = 0; k < n && out.length < limit; k++) {
      const m = this.#byPosition[q.descending ? n - 1 - k : k]!
      if (m.position <= after) {
        if (q.descending) break
        continue
      }
      if (kinds && !kinds.has(m.kind)) continue
      if (q.user !== undefined && m.user !== q.user) continue
      if (q.ref !== undefined && m.ref !== q.ref) continue
      out.push(m)
    }
    return out
  }

  async countResources(): Promise<number> {
    this.#live()
    return this.#resources.size
  }

  async usageOf(user: string): Promise<StoreUsage> {
    this.#live()
    assertDigest(user, 'user')
    let count = 0
    let bytes = 0
    for (const r of this.#resources.values())
      if (r.meta.user === user) {
        count++
        bytes += r.size
      }
    return { count, bytes }
  }

  async journalHead(): Promise<JournalRow | undefined> {
    this.#live()
    const n = this.#lines.length
    return n === 0 ? undefined : { position: n, line: this.#lines[n - 1]! }
  }

  async readJournal(afterPosition: number, limit: number): Promise<JournalRow[]> {
    this.#live()
    assertInteger(afterPosition, 'afterPosition')
    assertInteger(limit, 'limit')
    return this.#lines
      .slice(afterPosition, afterPosition + limit)
      .map((line, i) => ({ position: afterPosition + i + 1, line }))
  }

  async findJournalLine(lineId: string): Promise<JournalRow | undefined> {
    this.#live()
    const position = this.#lineIds.get(assertDigest(lineId, 'lineId'))
    return position === undefined ? undefined : { position, line: this.#lines[position - 1]! }
  }

  async getPeerState(peer: string): Promise<PeerState | undefined> {
    this.#live()
    return this.#peers.get(assertName(peer, 'peer'))
  }

  async setPeerState(peer: string, state: PeerState): Promise<void> {
    this.#live()
    assertName(peer, 'peer')
    const s = assertPeerState(state)
    this.#peers.set(peer, {
      ...(s.lastKnown === undefined ? {} : { lastKnown: s.lastKnown }),
      ...(s.extra === undefined ? {} : { extra: s.extra }),
      updatedAt: s.updatedAt,
    })
  }

  async getSecret(name: string): Promise<Uint8Array | undefined> {
    this.#live()
    return this.#secrets.get(assertName(name, 'secret name'))?.slice()
  }

  async putSecret(name: string, value: Uint8Array): Promise<void> {
    this.#live()
    assertName(name, 'secret name')
    this.#secrets.set(name, assertBytes(value, 'secret value').slice())
  }

  async deleteSecret(name: string): Promise<void> {
    this.#live()
    this.#secrets.delete(assertName(name, 'secret name'))
  }

  async putLocal(
    ns: string,
    records: readonly LocalRecord[],
    _options?: LocalPutOptions,
  ): Promise<void> {
    this.#live()
    assertLocalNamespace(ns)
    const checked = assertLocalRecords(records)
    let map = this.#local.get(ns)
    if (!map) this.#local.set(ns, (map = new Map()))
    // new Uint8Array(x) copies; Buffer#slice would share the caller's memory.
    for (const r of checked) map.set(r.key, new Uint8Array(r.value))
  }

  async getLocal(ns: string, key: string): Promise<Uint8Array | undefined> {
    this.#live()
    assertLocalNamespace(ns)
    assertLocalKey(key)
    return this.#local.get(ns)?.get(key)?.slice()
  }

  async listLocal(ns: string, range: LocalRange): Promise<LocalRecord[]> {
    this.#live()
    assertLocalNamespace(ns)
    const { after, before, limit, descending } = assertLocalRange(range)
    const keys = [...(this.#local.get(ns)?.keys() ?? [])]
      .filter((k) => (after === undefined || k > after) && (before === undefined || k < before))
      .sort(compareLocalKeys)
    if (descending === true) keys.reverse()
    const map = this.#local.get(ns)
    return keys.slice(0, limit).map((key) => ({ key, value: map!.get(key)!.slice() }))
  }

  async deleteLocal(ns: string, keys: readonly string[]): Promise<void> {
    this.#live()
    assertLocalNamespace(ns)
    for (const k of assertArray(keys, 'local keys')) assertLocalKey(k)
    for (const k of keys) this.#local.get(ns)?.delete(k)
  }

  async putBlob(
    data: AsyncIterable<Uint8Array>,
    options?: { signal?: AbortSignal },
  ): Promise<BlobInfo> {
    this.#live()
    const signal = options?.signal
    checkAborted(signal)
    const hash = createHash('sha256')
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const piece of data) {
      checkAborted(signal)
      assertBytes(piece, 'blob chunk')
      hash.update(piece)
      chunks.push(piece.slice())
      size += piece.length
    }
    const info = { hash: hash.digest('hex'), size }
    this.#live()
    if (!this.#blobs.has(info.hash)) this.#blobs.set(info.hash, chunks)
    return info
  }

  async getBlob(hash: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    this.#live()
    const chunks = this.#blobs.get(assertBlobHash(hash))
    if (!chunks) return undefined
    return (async function* () {
      for (const c of chunks)
        for (let i = 0; i < c.length; i += BLOB_CHUNK) yield c.slice(i, i + BLOB_CHUNK)
    })()
  }

  async hasBlob(hash: string): Promise<boolean> {
    this.#live()
    return this.#blobs.has(assertBlobHash(hash))
  }

  async deleteBlob(hash: string): Promise<void> {
    this.#live()
    this.#blobs.delete(assertBlobHash(hash))
  }
}
