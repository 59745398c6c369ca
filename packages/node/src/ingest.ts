/**
 * The ingest pipeline: the one path by which any resource (published locally or received from a
 * peer) enters a node. Verify before store, store (with its journal line, durably) before
 * acknowledging, then update the trust graph and announce the new lines (docs/protocol/sync.md §5).
 * Resources whose signer is not yet known (the trust arrives later) wait in a bounded pending
 * set and are retried whenever the trust graph changes.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  TrustGraph,
  applyToTrustGraph,
  checkResource,
  decodeResource,
  validateResource,
} from '@sdmp/core'
import type { CryptoProvider, DecodedResource, Verified } from '@sdmp/core'
import type { IngestItem, Store } from '@sdmp/store'

/** Outcome of one resource offered to the pipeline. */
export interface IngestOutcome {
  /** The resource id when it could be decoded, else undefined. */
  readonly id?: string
  readonly status: 'stored' | 'duplicate' | 'pending' | 'rejected'
  /** The error code for `rejected` and `pending` (why it waits). */
  readonly code?: string
  readonly message?: string
  /** 1-based journal position for `stored` and `duplicate`. */
  readonly position?: number
}

/** A line appended by an ingest, for push to peers and for events. */
export interface AppendedLine {
  readonly position: number
  readonly line: string
  readonly resource: Verified
}

/** Codes that prove the sender sent bad data (and earn it a penalty), as opposed to stale data. */
export const FAULT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.INVALID_ENCODING,
  ErrorCode.INVALID_SIGNATURE,
  ErrorCode.SCHEMA_VIOLATION,
  ErrorCode.UNKNOWN_SCHEMA,
  ErrorCode.LIMIT_EXCEEDED,
  ErrorCode.BAD_REQUEST,
])

/** Order in which a batch is validated, so that identities and trusts precede what they authorize. */
const KIND_ORDER: Record<string, number> = { identity: 0, trust: 1, revoke: 2, prekey: 3, node: 4 }

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
}

interface Pending {
  readonly resource: DecodedResource
  readonly since: number
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
  readonly #maxPending: number
  readonly #pendingTtl: number
  readonly #pending = new Map<string, Pending>()
  readonly #listeners = new Set<(lines: readonly AppendedLine[]) => void>()
  /** Serializes ingests so journal order equals acknowledgement order. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor(options: IngestorOptions) {
    this.#provider = options.provider
    this.#store = options.store
    this.#clock = options.clock ?? Date.now
    this.#maxPending = options.maxPending ?? 10_000
    this.#pendingTtl = options.pendingTtlMs ?? 3_600_000
  }

  /** Number of resources waiting for their authorization. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /** Be told about every batch of newly appended journal lines (after the durable commit). */
  onAppended(listener: (lines: readonly AppendedLine[]) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Rebuild the trust graph from the store (identities, then trusts, then revocations, each
   * re-validated), e.g. at start-up.
   */
  async loadTrustGraph(): Promise<void> {
    for (const kinds of [['identity'], ['trust'], ['revoke']]) {
      let after = 0
      for (;;) {
        const metas = await this.#store.queryResources({ kinds, afterPosition: after, limit: 1000 })
        if (metas.length === 0) break
        for (const m of metas) {
          const bytes = await this.#store.getResource(m.id)
          if (!bytes) continue
          try {
            applyToTrustGraph(
              this.graph,
              validateResource(this.#provider, bytes, this.graph, { now: this.#clock() }),
            )
          } catch {
            // Revoked or expired since it was stored: it stays stored but grants nothing.
          }
        }
        after = metas[metas.length - 1]!.position
      }
    }
  }

  /**
   * Check a node-signed control message (broadcast, request, response) without journaling it.
   * @throws the validation codes of validateResource
   */
  verifyControl(bytes: Uint8Array): Verified {
    return validateResource(this.#provider, bytes, this.graph, { now: this.#clock() })
  }

  /**
   * Offer resources; resolves when every stored one is durably committed with its journal line.
   * Results are in input order. Never rejects for bad input: each item gets an outcome.
   */
  ingest(items: readonly Uint8Array[]): Promise<IngestOutcome[]> {
    const run = this.#queue.then(() => this.#ingest(items))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #ingest(items: readonly (Uint8Array | DecodedResource)[]): Promise<IngestOutcome[]> {
    const now = this.#clock()
    const outcomes: IngestOutcome[] = new Array(items.length)
    let todo: { r: DecodedResource; i: number }[] = []
    items.forEach((item, i) => {
      try {
        todo.push({
          r: item instanceof Uint8Array ? decodeResource(this.#provider, item) : item,
          i,
        })
      } catch (e) {
        outcomes[i] = rejected(e)
      }
    })
    // Identities and trusts first, so that what they authorize validates in the same batch.
    todo.sort((a, b) => (KIND_ORDER[a.r.kind] ?? 9) - (KIND_ORDER[b.r.kind] ?? 9) || a.i - b.i)
    const accepted: { v: Verified; i: number }[] = []
    const seen = new Set<string>()
    let progress = true
    while (progress && todo.length > 0) {
      progress = false
      const retry: typeof todo = []
      for (const item of todo) {
        try {
          const v = checkResource(this.#provider, item.r, this.graph, { now })
          if (applyToTrustGraph(this.graph, v)) progress = true
          if (seen.has(v.id)) {
            outcomes[item.i] = { id: v.id, status: 'duplicate' }
            continue
          }
          seen.add(v.id)
          accepted.push({ v, i: item.i })
        } catch (e) {
          // Missing authorization may arrive later in this batch or from another peer.
          if (e instanceof ProtocolError && e.code === ErrorCode.UNAUTHORIZED_SIGNER)
            retry.push(item)
          else outcomes[item.i] = rejected(e, item.r.id)
        }
      }
      todo = retry
    }
    for (const item of todo) outcomes[item.i] = this.#park(item.r, now)

    const appended: AppendedLine[] = []
    if (accepted.length > 0) {
      const puts: IngestItem[] = accepted.map(({ v }) => ({
        id: v.id,
        user: v.header.user,
        kind: v.kind,
        created: v.created,
        bytes: v.bytes,
      }))
      const results = await this.#store.putResources(puts)
      results.forEach((r, k) => {
        const { v, i } = accepted[k]!
        this.#pending.delete(v.id)
        outcomes[i] = {
          id: v.id,
          status: r.inserted ? 'stored' : 'duplicate',
          position: r.position,
        }
        if (r.inserted) appended.push({ position: r.position, line: r.line, resource: v })
      })
    }
    if (appended.length > 0) for (const l of this.#listeners) l(appended)
    // New authorizations may unblock resources that arrived too early.
    if (
      accepted.some(({ v }) => v.kind === 'identity' || v.kind === 'trust') &&
      this.#pending.size > 0
    ) {
      const waiting = [...this.#pending.values()].map((p) => p.resource)
      this.#pending.clear()
      await this.#ingest(waiting)
    }
    return outcomes
  }

  /** Keep a resource whose authorization has not arrived yet (bounded, oldest dropped first). */
  #park(r: DecodedResource, now: number): IngestOutcome {
    for (const [k, p] of this.#pending)
      if (now - p.since > this.#pendingTtl) this.#pending.delete(k)
    if (this.#pending.size >= this.#maxPending)
      this.#pending.delete(this.#pending.keys().next().value!)
    if (!this.#pending.has(r.id)) this.#pending.set(r.id, { resource: r, since: now })
    return {
      id: r.id,
      status: 'pending',
      code: ErrorCode.UNAUTHORIZED_SIGNER,
      message: 'waiting for the signer authorization',
    }
  }
}

function rejected(e: unknown, id?: string): IngestOutcome {
  if (!(e instanceof ProtocolError)) throw e
  return id === undefined
    ? { status: 'rejected', code: e.code, message: e.message }
    : { id, status: 'rejected', code: e.code, message: e.message }
}
