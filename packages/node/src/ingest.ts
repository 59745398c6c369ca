/**
 * The ingest pipeline: the one path by which any resource (published locally or received from a
 * peer) enters a node. Verify before store, store (with its journal line, durably) before
 * acknowledging, then update the trust graph and announce the new lines (docs/protocol/sync.md §5).
 * Resources whose signer is not yet known (the trust arrives later) wait in a bounded pending
 * set and are retried whenever the trust graph changes. Calls that arrive while a batch is being
 * committed are merged into the next batch (one commit for all of them).
 * @module
 */
import { ErrorCode, TrustGraph, checkResource, decodeResource } from '@sdmp/core'
import type { CryptoProvider, DecodedResource, Verified } from '@sdmp/core'
import { GroupCommit } from '@sdmp/store'
import type { IngestItem, Store } from '@sdmp/store'
import { dropDeletedBytes } from './drop-deleted.js'
import { authorizeBatch, prepareBatch, restingForm } from './ingest-authorize.js'
import type { CompactReceived, Item, Prepared } from './ingest-authorize.js'
import type { IngestOutcome } from './ingest-outcome.js'

export { FAULT_CODES } from './ingest-outcome.js'
export type { IngestOutcome } from './ingest-outcome.js'
export type { CompactReceived } from './ingest-authorize.js'
import { AuthorQuota } from './author-quota.js'
import type { QuotaLimits } from './author-quota.js'
import { PendingSet } from './pending-set.js'
import type { PendingLimits } from './pending-set.js'
import { followStore, verifyForeign } from './journal-follow.js'
import type { ForeignLine, StoreFollow } from './journal-follow.js'
import { SerialQueue } from './serial-queue.js'
import { loadTrustGraph } from './trust-load.js'

/** A line appended by an ingest, for push to peers and for events. */
export interface AppendedLine {
  readonly position: number
  readonly line: string
  readonly resource: Verified
  /**
   * For an `encrypted` resource this node sealed itself: the inner resource it carries,
   * verified with the same trust graph, so that no subscriber has to open the envelope
   * (docs/architecture.md "One path for a message").
   */
  readonly inner?: Verified
}

/**
 * A resource this node publishes itself: already decoded (it is not encoded and decoded again),
 * and, for an envelope it sealed, the inner resource the envelope carries.
 */
export interface Publication {
  readonly resource: DecodedResource
  readonly inner?: DecodedResource
}

const NO_BLOCKS: ReadonlySet<string> = new Set()

/** Options of {@link Ingestor}. */
export interface IngestorOptions {
  readonly provider: CryptoProvider
  readonly store: Store
  /** Defaults to `Date.now`. */
  readonly clock?: () => number
  /** Most resources waiting for their authorization to arrive (default 10,000). */
  readonly maxPending?: number
  /** How long a pending resource waits before it is dropped, ms (default 1 hour). */
  readonly pendingTtlMs?: number
  /** The other bounds of the pending set, per sending peer and in all (sync.md §9). */
  readonly pending?: Partial<PendingLimits>
  /** The per-author storage quota for resources from peers (author-quota.ts, sync.md §9). */
  readonly quota?: Partial<QuotaLimits>
  /** Most items merged into one batch from concurrent calls (default 4096). */
  readonly maxBatch?: number
}

/**
 * Validates, stores and journals resources; owns the node's trust graph. Control messages are
 * not ingested (they are never journaled); they are checked with {@link Ingestor.verifyControl}.
 */
export class Ingestor {
  readonly graph = new TrustGraph()
  readonly #provider: CryptoProvider
  readonly #store: Store
  readonly #clock: () => number
  readonly #pending: PendingSet
  readonly #quota: AuthorQuota
  /**
   * The node's user, for the trust closure of resources from peers (admission.ts); undefined
   * (a device not joined yet, or a plain node library user) admits everything verified.
   */
  user: () => string | undefined = () => undefined
  /**
   * Users this node's user blocked (docs/messaging.md "Blocking"): nothing they or their nodes
   * author is stored, from a peer or an import, and the sync engine neither serves nor relays
   * what is stored of theirs already. Set by the caller that owns the block list; empty here.
   */
  blocked: () => ReadonlySet<string> = () => NO_BLOCKS
  /**
   * Fellow members (docs/protocol/groups.md §5): whether users `a` and `b` are both current
   * members of one group this node's user is in. Widens what is admitted from peers
   * (admission.ts) and what sync relays (sync-engine.ts) to a fellow's mail and key material.
   * Set by the caller that owns the groups; nobody is a fellow here.
   */
  fellows: (a: string, b: string) => boolean = () => false
  /** The users `user` shares a group with (admission.ts `GroupScope.fellowsOf`). */
  fellowsOf: (user: string) => readonly string[] = () => []
  readonly #listeners = new Set<(lines: readonly AppendedLine[]) => void>()
  readonly #appended = new Map<string, number>()
  /**
   * Calls merged into batches, one batch at a time, so that journal order equals
   * acknowledgement order.
   */
  readonly #queue: GroupCommit<Item, IngestOutcome>
  /** Batches and catch-ups of other writers' lines, one at a time (journal-follow.ts). */
  readonly #serial = new SerialQueue()
  /** Per follower: positions this ingestor appended that its follower has not passed yet. */
  readonly #own = new Set<Set<number>>()

  constructor(options: IngestorOptions) {
    this.#provider = options.provider
    this.#store = options.store
    this.#clock = options.clock ?? Date.now
    this.#pending = new PendingSet({
      ...options.pending,
      ...(options.maxPending !== undefined && { maxCount: options.maxPending }),
      ...(options.pendingTtlMs !== undefined && { ttlMs: options.pendingTtlMs }),
    })
    this.#quota = new AuthorQuota(options.store, options.quota)
    this.#queue = new GroupCommit(
      (items) => this.#serial.run(() => this.#ingest(items)),
      options.maxBatch ?? 4096,
    )
  }

  /** Number of resources waiting for their authorization. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /** What the pending set holds, in all and for one peer (tests, status). */
  pendingOf(source?: string): { count: number; bytes: number; evicted: number } {
    if (source === undefined)
      return {
        count: this.#pending.size,
        bytes: this.#pending.bytes,
        evicted: this.#pending.evicted,
      }
    return { ...this.#pending.shareOf(source), evicted: this.#pending.evicted }
  }

  /** What one author's resources take in the store, and refusals over its quota (tests, status). */
  quotaOf(user: string): { count: number; bytes: number; refused: number } | undefined {
    return this.#quota.usageOf(user)
  }

  /** The whole store's usage and refusals over a total bound, once loaded (tests, status). */
  quotaTotal(): { count: number; bytes: number; refused: number } | undefined {
    return this.#quota.usageTotal()
  }

  /**
   * Whether `author` (a resource's `user`: a user, or a node for its own resources) is blocked
   * here at `at`: a blocked user, or a node any blocked user authorizes.
   */
  isBlocked(author: string, at: number): boolean {
    const blocked = this.blocked()
    if (blocked.size === 0) return false
    if (blocked.has(author)) return true
    return this.graph.usersOfNode(author, at).some((u) => blocked.has(u))
  }

  /**
   * How many lines of `kind` were announced to the {@link onAppended} listeners so far (this
   * ingestor's own and, with {@link followStore}, other writers'). The ingestor is the only
   * writer of resources, so a cache of stored resources of a kind (a user's prekeys, the
   * delegations) reads the store again only when this count moved (issue 14: no store query
   * per send).
   */
  appendedOf(kind: string): number {
    return this.#appended.get(kind) ?? 0
  }

  #announce(appended: readonly AppendedLine[]): void {
    if (appended.length === 0) return
    for (const l of appended) {
      const kind = l.resource.kind
      this.#appended.set(kind, (this.#appended.get(kind) ?? 0) + 1)
    }
    for (const l of this.#listeners) l(appended)
  }

  /** Be told about every batch of newly appended journal lines (after the durable commit). */
  onAppended(listener: (lines: readonly AppendedLine[]) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Also announce lines that other writers append to the store from now on: other daemon
   * processes of this node over one PostgreSQL schema (docs/scale.md "Several instances").
   * They reach every {@link onAppended} listener (so the sync engine pushes them to this
   * process's peers) and the trust graph, once each and in journal order, between this
   * ingestor's own batches. Without `Store.watchJournal` there are no other writers and
   * nothing happens.
   * @param failed told when a catch-up fails (the store is unreachable); the next signal retries
   */
  followStore(failed?: (e: unknown) => void): Promise<StoreFollow> {
    return followStore(this.#store, this.#own, {
      hash: this.#provider,
      exclusive: (task) => this.#serial.run(task),
      adopt: (lines) => this.#adopt(lines),
      ...(failed && { failed }),
    })
  }

  /** Lines of other writers, verified here, announced as if ingested here. */
  async #adopt(lines: readonly ForeignLine[]): Promise<void> {
    const appended = verifyForeign(this.#provider, this.graph, this.#clock(), lines)
    for (const l of appended) {
      this.#pending.delete(l.resource.id)
      // What the other writer stored, as it rests (usageOf counts the same, sync.md §9).
      const resting = l.resting ?? restingForm(this.#provider, l.resource, undefined).length
      this.#quota.add(l.resource.header.user, resting)
    }
    this.#announce(appended)
    await this.#retryPending(appended.map((l) => l.resource))
  }

  /** New authorizations may unblock resources that arrived too early. */
  async #retryPending(stored: readonly Verified[]): Promise<void> {
    if (!stored.some((v) => v.kind === 'identity' || v.kind === 'trust')) return
    if (this.#pending.size === 0) return
    const waiting = this.#pending.takeAll()
    const items = waiting.map(({ resource, source, compact }) => ({
      item: resource,
      source,
      compact,
    }))
    await this.#ingest(items)
  }

  /**
   * Rebuild the trust graph from the store (identities, then trusts, then revocations, each
   * re-validated), e.g. at start-up.
   */
  loadTrustGraph(): Promise<void> {
    return loadTrustGraph(this.#store, this.#provider, this.graph, this.#clock)
  }

  /**
   * Check a node-signed control message (broadcast, request, response) without journaling it,
   * given as bytes or already decoded (a broadcast is decoded on arrival and checked when it is
   * acted on; peer-session.ts).
   * @throws the validation codes of validateResource
   */
  verifyControl(control: Uint8Array | DecodedResource): Verified {
    const r = control instanceof Uint8Array ? decodeResource(this.#provider, control) : control
    return checkResource(this.#provider, r, this.graph, { now: this.#clock() })
  }

  /**
   * Offer resources; resolves when every stored one is durably committed with its journal line.
   * Results are in input order. Never rejects for bad input: each item gets an outcome.
   * An item received in the compact form is given with those bytes ({@link CompactReceived}),
   * which are stored as they came (compact.md §6).
   * @throws (rejects) the store's codes when the commit fails (e.g. UNAVAILABLE)
   */
  ingest(
    items: readonly (Uint8Array | CompactReceived)[],
    options: { readonly source?: string } = {},
  ): Promise<IngestOutcome[]> {
    const { source } = options
    return this.#queue.submit(
      items.map(
        (item): Item =>
          item instanceof Uint8Array
            ? { item, source }
            : { item: item.bytes, source, compact: item.compact },
      ),
    )
  }

  /**
   * Offer resources this node made (signed or sealed) or accepted itself: the same checks,
   * batching and outcomes as {@link ingest}, but decoded ones are not encoded and decoded again,
   * and an envelope's inner resource is verified too and handed on in its {@link AppendedLine}.
   */
  publish(items: readonly (Publication | Uint8Array)[]): Promise<IngestOutcome[]> {
    return this.#queue.submit(
      items.map(
        (p): Item =>
          p instanceof Uint8Array
            ? { item: p, source: undefined }
            : { item: p.resource, source: undefined, ...(p.inner && { inner: p.inner }) },
      ),
    )
  }

  #ingest(items: readonly Item[]): Promise<IngestOutcome[]> {
    return this.#apply(prepareBatch(this.#provider, items))
  }

  /** Authorize (trust graph), store and journal a prepared batch, in order. */
  async #apply(p: Prepared): Promise<IngestOutcome[]> {
    const { outcomes } = p
    const now = this.#clock()
    const user = this.user()
    // sync.md §9: resources from peers count against their author's quota, except our own
    // user's, and revocations (a contact over its quota can still revoke a lost device).
    const limited = (source: string | undefined, r: DecodedResource) =>
      source !== undefined && r.header.user !== user && r.kind !== 'revoke'
    await this.#quota.load(p.todo.filter((t) => limited(t.source, t.r)).map((t) => t.r.header.user))
    const { accepted, copies, waiting } = authorizeBatch(
      {
        provider: this.#provider,
        graph: this.graph,
        quota: this.#quota,
        user,
        isBlocked: (author, at) => this.isBlocked(author, at),
        fellows: this.fellows,
        fellowsOf: this.fellowsOf,
        limited,
      },
      p,
      now,
    )
    for (const item of waiting)
      outcomes[item.i] = this.#park(item.r, item.source, now, item.compact)

    const appended: AppendedLine[] = []
    if (accepted.length > 0) {
      const puts: IngestItem[] = accepted.map(({ v, resting }) => ({
        id: v.id,
        user: v.header.user,
        kind: v.kind,
        created: v.created,
        bytes: v.bytes,
        // The form at rest, computed once (from the frame's compact bytes when it had them).
        ...(resting !== v.bytes && { compact: resting }),
        // An update or delete is found by the resource it replaces (docs/protocol/edits.md).
        ...(v.header.replaces !== undefined && { ref: v.header.replaces }),
      }))
      const results = await this.#store.putResources(puts).catch((e: unknown) => {
        for (const a of accepted)
          if (a.reserved) this.#quota.release(a.v.header.user, a.resting.length)
        throw e
      })
      for (const own of this.#own) for (const r of results) if (r.inserted) own.add(r.position)
      results.forEach((r, k) => {
        const { v, i, reserved, inner, resting } = accepted[k]!
        if (reserved && !r.inserted) this.#quota.release(v.header.user, resting.length)
        if (!reserved && r.inserted) this.#quota.add(v.header.user, resting.length)
        this.#pending.delete(v.id)
        outcomes[i] = {
          id: v.id,
          status: r.inserted ? 'stored' : 'duplicate',
          position: r.position,
        }
        if (r.inserted)
          appended.push({
            position: r.position,
            line: r.line,
            resource: v,
            ...(inner && { inner }),
          })
      })
      for (const { i, k } of copies)
        outcomes[i] = { id: accepted[k]!.v.id, status: 'duplicate', position: results[k]!.position }
    }
    // Sealed bytes of deleted messages go before anyone hears of the lines (drop-deleted.ts).
    if (appended.length > 0)
      await dropDeletedBytes(
        this.#store,
        appended.map((l) => l.resource),
      )
    this.#announce(appended)
    await this.#retryPending(accepted.map(({ v }) => v))
    return outcomes
  }

  /**
   * Keep a resource whose authorization (or place in the trust closure) has not arrived yet,
   * within the pending set's bounds (pending-set.ts: per peer and in all, oldest dropped first).
   */
  #park(
    r: DecodedResource,
    source: string | undefined,
    now: number,
    compact: Uint8Array | undefined,
  ): IngestOutcome {
    if (!this.#pending.add(r, source, now, compact))
      return {
        id: r.id,
        status: 'rejected',
        code: ErrorCode.LIMIT_EXCEEDED,
        message: 'too large to hold until its authorization arrives',
      }
    return {
      id: r.id,
      status: 'pending',
      code: ErrorCode.UNAUTHORIZED_SIGNER,
      message: 'waiting for the signer authorization',
    }
  }
}
