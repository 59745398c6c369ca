/**
 * PostgresStore: the Store interface over PostgreSQL through `pg` (docs/scale.md). Several
 * processes may open the same schema at once: migrations take turns under an advisory lock and
 * journal appends are serialized by a row lock on the journal head (postgres-journal.ts).
 * @module
 */
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
  assertQuery,
  GroupCommit,
  fromStoredForm,
  toStoredItems,
} from '@sdmp/store'
import { deleteBlobOn, getBlobFrom, putBlobOn, toBytes } from './postgres-blobs.js'
import { PgConnection } from './postgres-connection.js'
import { appendResourcesTx, initJournalTx, pgTables } from './postgres-journal.js'
import type { PgTables } from './postgres-journal.js'
import { migratePostgres } from './postgres-migrator.js'
import type { PgMigration } from './postgres-migrator.js'
import { resolvePostgresConfig } from './postgres-store-config.js'
import type { PostgresStoreConfig, ResolvedPostgresConfig } from './postgres-store-config.js'
import { resourceQuerySql, toMeta } from './postgres-sql.js'
import { PgJournalWatcher, journalChannel } from './postgres-watch.js'

type Row = Record<string, unknown>

/** Most resources one group-commit transaction takes from the queue. */
const GROUP_COMMIT_MAX_ITEMS = 2000

/**
 * A Store kept in one PostgreSQL schema. Nothing connects until the first call (lazy pool
 * factory); `open()` runs the migrations. Every write resolves only after COMMIT.
 * @example
 * const store = createPostgresStore({ url: 'postgres://postgres@127.0.0.1/sdmp', sha512 })
 * await store.open()
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres'
  readonly #config: ResolvedPostgresConfig
  readonly #t: PgTables
  readonly #db: PgConnection
  readonly #writes: GroupCommit<IngestItem, PutResult>
  readonly #watcher: PgJournalWatcher

  /**
   * @param seams tests only, deliberately outside the config: `migrations` applies fewer steps
   *   to build an older store
   * @throws Error for an invalid config (programming error)
   */
  constructor(config: PostgresStoreConfig, seams?: { migrations?: readonly PgMigration[] }) {
    this.#config = resolvePostgresConfig(config)
    this.#t = pgTables(this.#config.schema)
    const schema = this.#config.schema
    this.#db = new PgConnection(this.#config.pool, (client) =>
      migratePostgres(client, schema, seams?.migrations).then(() => undefined),
    )
    const channel = journalChannel(schema)
    // Queued writes still run during close() (it drains them), hence `afterClose`.
    this.#writes = new GroupCommit(
      (items) =>
        this.#db.tx(
          'put',
          (tx) => appendResourcesTx(tx, this.#t, items, this.#config.sha512, channel),
          true,
        ),
      GROUP_COMMIT_MAX_ITEMS,
    )
    this.#watcher = new PgJournalWatcher({
      channel,
      acquire: () => this.#db.acquire('journal watch'),
      head: async () => (await this.journalHead())?.position ?? 0,
      ...(this.#config.notifyHub && { hub: this.#config.notifyHub }),
    })
  }

  /** The schema this store lives in. */
  get schema(): string {
    return this.#config.schema
  }

  async open(): Promise<void> {
    await this.#db.use('open', async () => undefined)
  }

  async close(): Promise<void> {
    // The listening connection first: the pool's end waits for every checked-out client.
    await this.#watcher.stop()
    await this.#db.close(() => this.#writes.drain())
  }

  async initJournal(nodeFingerprint: string): Promise<void> {
    assertDigest(nodeFingerprint, 'nodeFingerprint')
    await this.#db.tx('journal init', (tx) => initJournalTx(tx, this.#t, nodeFingerprint))
  }

  async putResources(items: readonly IngestItem[]): Promise<PutResult[]> {
    assertIngestItems(items)
    if (this.#db.closed) throw new ProtocolError(ErrorCode.CLOSED, 'store: closed')
    if (items.length === 0) return []
    // The compact form at rest (compact.md §6), encoded before the write transaction.
    const results = await this.#writes.submit(toStoredItems(this.#config.sha512, items))
    // This process's watchers hear at once; other processes through NOTIFY (postgres-watch.ts).
    this.#watcher.signal.emitPut(results)
    return results
  }

  async getResource(id: string): Promise<Uint8Array | undefined> {
    const bytes = await this.getStoredResource(id)
    return bytes && fromStoredForm(this.#config.sha512, bytes)
  }

  async getStoredResource(id: string): Promise<Uint8Array | undefined> {
    assertDigest(id, 'id')
    const row = await this.#one(`SELECT bytes FROM ${this.#t.resources} WHERE id = $1`, [id])
    const bytes = row && toBytes(row['bytes'])
    return bytes && bytes.length > 0 ? bytes : undefined
  }

  async dropResourceBytes(ids: readonly string[]): Promise<number> {
    const list = assertArray(ids, 'ids').map((id) => assertDigest(id, 'id'))
    if (list.length === 0) return 0
    // Dropped bytes are the empty bytea (a resource is never empty; edits.md §3).
    const rows = await this.#all(
      `UPDATE ${this.#t.resources} SET bytes = '\\x'::bytea WHERE id = ANY($1::text[]) AND length(bytes) > 0 RETURNING id`,
      [list],
    )
    return rows.length
  }

  async getMeta(id: string): Promise<ResourceMeta | undefined> {
    assertDigest(id, 'id')
    const row = await this.#one(
      `SELECT id, user_fp, kind, created, ref, position FROM ${this.#t.resources} WHERE id = $1`,
      [id],
    )
    return row && toMeta(row)
  }

  async hasResources(ids: readonly string[]): Promise<boolean[]> {
    const list = assertArray(ids, 'ids')
    list.forEach((id, i) => assertDigest(id, `ids[${i}]`))
    const rows = await this.#all(`SELECT id FROM ${this.#t.resources} WHERE id = ANY($1::text[])`, [
      list,
    ])
    const found = new Set(rows.map((r) => r['id']))
    return list.map((id) => found.has(id))
  }

  async queryResources(query: ResourceQuery): Promise<ResourceMeta[]> {
    const q = assertQuery(query)
    if (q.limit === 0 || q.kinds?.length === 0) return this.#db.use('query', async () => [])
    const { sql, values } = resourceQuerySql(this.#t, q)
    return (await this.#all(sql, values)).map(toMeta)
  }

  async usageOf(user: string): Promise<StoreUsage> {
    assertDigest(user, 'user')
    // octet_length of a TOASTed bytea reads its size without detoasting it.
    const row = await this.#one(
      `SELECT count(*) AS n, coalesce(sum(octet_length(bytes)), 0) AS b FROM ${this.#t.resources} WHERE user_fp = $1`,
      [user],
    )
    return { count: Number(row?.['n'] ?? 0), bytes: Number(row?.['b'] ?? 0) }
  }

  /**
   * What every resource takes together: the whole schema's count and encoded bytes (a host's
   * per-user quota, docs/scale.md "A host for many users").
   */
  async usageTotal(): Promise<StoreUsage> {
    const row = await this.#one(
      `SELECT count(*) AS n, coalesce(sum(octet_length(bytes)), 0) AS b FROM ${this.#t.resources}`,
      [],
    )
    return { count: Number(row?.['n'] ?? 0), bytes: Number(row?.['b'] ?? 0) }
  }

  async countResources(): Promise<number> {
    // Every resource has exactly one journal line after line 1, so the head position counts
    // them without scanning the table.
    const head = await this.journalHead()
    return head ? head.position - 1 : 0
  }

  async journalHead(): Promise<JournalRow | undefined> {
    const row = await this.#one(`SELECT position, line FROM ${this.#t.head} WHERE id = 1`)
    if (!row || Number(row['position']) === 0) return undefined
    return { position: Number(row['position']), line: row['line'] as string }
  }

  async readJournal(afterPosition: number, limit: number): Promise<JournalRow[]> {
    assertInteger(afterPosition, 'afterPosition')
    assertInteger(limit, 'limit')
    if (limit === 0) return this.#db.use('journal read', async () => [])
    const rows = await this.#all(
      `SELECT position, line FROM ${this.#t.journal} WHERE position > $1 ORDER BY position LIMIT $2`,
      [afterPosition, limit],
    )
    return rows.map((r) => ({ position: Number(r['position']), line: r['line'] as string }))
  }

  async findJournalLine(lineId: string): Promise<JournalRow | undefined> {
    assertDigest(lineId, 'lineId')
    const row = await this.#one(
      `SELECT position, line FROM ${this.#t.journal} WHERE line_id = $1`,
      [lineId],
    )
    return row && { position: Number(row['position']), line: row['line'] as string }
  }

  /**
   * Head signals from this store and from every other process appending to the same schema
   * (LISTEN/NOTIFY; docs/scale.md "Several instances"). Holds one pooled connection while any
   * watch is open.
   * @throws UNAVAILABLE (the first LISTEN failed), CLOSED
   */
  async watchJournal(onHead: (position: number) => void): Promise<JournalWatch> {
    if (this.#db.closed) throw new ProtocolError(ErrorCode.CLOSED, 'store: closed')
    return this.#watcher.add(onHead)
  }

  async getPeerState(peer: string): Promise<PeerState | undefined> {
    assertName(peer, 'peer')
    const row = await this.#one(`SELECT * FROM ${this.#t.peers} WHERE peer = $1`, [peer])
    if (!row) return undefined
    const known = row['last_known'] as string | null
    const extra = row['extra'] as string | null
    return {
      ...(known === null ? {} : { lastKnown: known }),
      ...(extra === null ? {} : { extra }),
      updatedAt: Number(row['updated_at']),
    }
  }

  async setPeerState(peer: string, state: PeerState): Promise<void> {
    assertName(peer, 'peer')
    const s = assertPeerState(state)
    // Not flushed before returning (docs/store.md §5): a lost position means pulling again.
    await this.#db.tx('peer state', async (tx) => {
      await tx.query('SET LOCAL synchronous_commit TO OFF')
      await tx.query(
        `INSERT INTO ${this.#t.peers} (peer, last_known, extra, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (peer) DO UPDATE SET last_known = EXCLUDED.last_known,
           extra = EXCLUDED.extra, updated_at = EXCLUDED.updated_at`,
        [peer, s.lastKnown ?? null, s.extra ?? null, s.updatedAt],
      )
    })
  }

  async getSecret(name: string): Promise<Uint8Array | undefined> {
    assertName(name, 'secret name')
    const row = await this.#one(`SELECT value FROM ${this.#t.secrets} WHERE name = $1`, [name])
    return row && toBytes(row['value'])
  }

  async putSecret(name: string, value: Uint8Array): Promise<void> {
    assertName(name, 'secret name')
    assertBytes(value, 'secret value')
    await this.#all(
      `INSERT INTO ${this.#t.secrets} (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
      [name, value],
    )
  }

  async deleteSecret(name: string): Promise<void> {
    assertName(name, 'secret name')
    await this.#all(`DELETE FROM ${this.#t.secrets} WHERE name = $1`, [name])
  }

  async putLocal(
    ns: string,
    records: readonly LocalRecord[],
    options?: LocalPutOptions,
  ): Promise<void> {
    assertLocalNamespace(ns)
    // One row per key, the last record winning (as if put one by one): ON CONFLICT DO UPDATE
    // rejects a statement that touches the same row twice.
    const list = [...new Map(assertLocalRecords(records).map((r) => [r.key, r])).values()]
    if (list.length === 0) return void (await this.#db.use('local put', async () => undefined))
    const values = [
      ns,
      list.map((r) => r.key),
      list.map((r) => Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength)),
    ]
    // Not durable: the commit does not wait for its WAL flush (synchronous_commit off), still
    // atomic and ordered before every later commit (docs/store.md §9). Deferred records are
    // committed at once, not durably: that keeps every promise of LocalPutOptions.
    await this.#db.tx('local put', async (tx) => {
      if (options?.durable === false || options?.deferred === true)
        await tx.query('SET LOCAL synchronous_commit TO OFF')
      await tx.query(
        `INSERT INTO ${this.#t.local} (ns, key, value)
         SELECT $1, k, v FROM unnest($2::text[], $3::bytea[]) AS x(k, v)
         ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value`,
        values,
      )
    })
  }

  async getLocal(ns: string, key: string): Promise<Uint8Array | undefined> {
    assertLocalNamespace(ns)
    assertLocalKey(key)
    const row = await this.#one(`SELECT value FROM ${this.#t.local} WHERE ns = $1 AND key = $2`, [
      ns,
      key,
    ])
    return row && toBytes(row['value'])
  }

  async listLocal(ns: string, range: LocalRange): Promise<LocalRecord[]> {
    assertLocalNamespace(ns)
    const r = assertLocalRange(range)
    const order = r.descending === true ? 'DESC' : 'ASC'
    const rows = await this.#all(
      `SELECT key, value FROM ${this.#t.local}
       WHERE ns = $1 AND ($2::text IS NULL OR key > $2) AND ($3::text IS NULL OR key < $3)
       ORDER BY key ${order} LIMIT $4`,
      [ns, r.after ?? null, r.before ?? null, r.limit],
    )
    return rows.map((x) => ({ key: x['key'] as string, value: toBytes(x['value']) }))
  }

  async deleteLocal(ns: string, keys: readonly string[]): Promise<void> {
    assertLocalNamespace(ns)
    const list = assertArray(keys, 'local keys')
    list.forEach((k) => assertLocalKey(k))
    await this.#all(`DELETE FROM ${this.#t.local} WHERE ns = $1 AND key = ANY($2::text[])`, [
      ns,
      list,
    ])
  }

  async putBlob(
    data: AsyncIterable<Uint8Array>,
    options?: { signal?: AbortSignal },
  ): Promise<BlobInfo> {
    const { blobChunkBytes } = this.#config
    return this.#db.withClient('blob write', (client) =>
      putBlobOn(client, this.#t, data, blobChunkBytes, options?.signal),
    )
  }

  async getBlob(hash: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    assertBlobHash(hash)
    const closed = (): void => {
      if (this.#db.closed) throw new ProtocolError(ErrorCode.CLOSED, 'store: closed')
    }
    return this.#db.use('blob read', (db) => getBlobFrom(db, this.#t, hash, closed))
  }

  async hasBlob(hash: string): Promise<boolean> {
    assertBlobHash(hash)
    return (await this.#one(`SELECT 1 FROM ${this.#t.blobs} WHERE hash = $1`, [hash])) !== undefined
  }

  async deleteBlob(hash: string): Promise<void> {
    assertBlobHash(hash)
    await this.#db.tx('blob delete', (tx) => deleteBlobOn(tx, this.#t, hash))
  }

  async #all(sql: string, values?: unknown[]): Promise<Row[]> {
    return this.#db.use('query', async (db) => (await db.query(sql, values)).rows as Row[])
  }

  async #one(sql: string, values?: unknown[]): Promise<Row | undefined> {
    return (await this.#all(sql, values))[0]
  }
}
