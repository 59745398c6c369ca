/**
 * Resources held for later (docs/protocol/sync.md §9, "Admission"): a resource whose signer is
 * not authorized yet, or a node identity that no trust of the trust closure names yet, waits
 * here and is retried when the trust graph changes. Everything here is bounded by count and
 * bytes, per sending peer and in all, so a peer that pushes what never becomes valid fills only
 * its own share (oldest dropped first) and never grows the node's memory.
 * @module
 */
import type { DecodedResource } from '@sdmp/core'

/** Bounds of the pending set (defaults in {@link PENDING_LIMITS}). */
export interface PendingLimits {
  /** Resources held in all. */
  readonly maxCount: number
  /** Bytes held in all. */
  readonly maxBytes: number
  /** Resources held for one sending peer. */
  readonly maxCountPerSource: number
  /** Bytes held for one sending peer. */
  readonly maxBytesPerSource: number
  /** How long one waits before it is dropped, ms. */
  readonly ttlMs: number
}

/** The defaults (docs/protocol/sync.md §9). */
export const PENDING_LIMITS: PendingLimits = {
  maxCount: 10_000,
  maxBytes: 64 * 1024 * 1024,
  maxCountPerSource: 1_000,
  maxBytesPerSource: 8 * 1024 * 1024,
  ttlMs: 3_600_000,
}

/** A held resource, and the peer it came from (undefined: this node itself). */
export interface PendingEntry {
  readonly resource: DecodedResource
  readonly source: string | undefined
  readonly since: number
  /**
   * The compact form it arrived in (a RESOURCE_COMPACT frame), kept for the retry so that the
   * store takes it as it came (ingest-authorize.ts `restingForm`). Not counted in the bounds,
   * which count the JSON text (the compact form is smaller).
   */
  readonly compact?: Uint8Array
}

interface Share {
  count: number
  bytes: number
}

/** The pending set: insertion-ordered, so eviction drops the oldest first. */
export class PendingSet {
  readonly #limits: PendingLimits
  readonly #entries = new Map<string, PendingEntry>()
  readonly #shares = new Map<string, Share>()
  #bytes = 0
  /** Entries dropped to stay within the bounds (for tests and logs). */
  evicted = 0

  constructor(limits: Partial<PendingLimits> = {}) {
    this.#limits = { ...PENDING_LIMITS, ...limits }
  }

  get size(): number {
    return this.#entries.size
  }

  /** Bytes held in all. */
  get bytes(): number {
    return this.#bytes
  }

  /** What one source holds. */
  shareOf(source: string | undefined): { count: number; bytes: number } {
    const s = this.#shares.get(source ?? '')
    return { count: s?.count ?? 0, bytes: s?.bytes ?? 0 }
  }

  has(id: string): boolean {
    return this.#entries.has(id)
  }

  /**
   * Hold `resource` (a second copy of a held id is ignored). Expired entries go first; then the
   * source's oldest until its share fits, then the oldest of all until the whole fits. A resource
   * larger than a whole share is not held at all.
   * @returns false when it was not held
   */
  add(
    resource: DecodedResource,
    source: string | undefined,
    now: number,
    compact?: Uint8Array,
  ): boolean {
    for (const [id, e] of this.#entries) {
      if (now - e.since <= this.#limits.ttlMs) break // insertion order: the rest are newer
      this.delete(id)
    }
    if (this.#entries.has(resource.id)) return true
    const size = resource.bytes.length
    const l = this.#limits
    if (size > l.maxBytesPerSource || size > l.maxBytes) return false
    const key = source ?? ''
    const share = (): Share => this.#shares.get(key) ?? { count: 0, bytes: 0 }
    while (share().count + 1 > l.maxCountPerSource || share().bytes + size > l.maxBytesPerSource)
      this.#evictOldest((e) => (e.source ?? '') === key)
    while (this.#entries.size + 1 > l.maxCount || this.#bytes + size > l.maxBytes)
      this.#evictOldest(() => true)
    this.#entries.set(resource.id, { resource, source, since: now, ...(compact && { compact }) })
    const s = share()
    this.#shares.set(key, { count: s.count + 1, bytes: s.bytes + size })
    this.#bytes += size
    return true
  }

  delete(id: string): void {
    const e = this.#entries.get(id)
    if (!e) return
    this.#entries.delete(id)
    const key = e.source ?? ''
    const s = this.#shares.get(key)!
    if (s.count === 1) this.#shares.delete(key)
    else this.#shares.set(key, { count: s.count - 1, bytes: s.bytes - e.resource.bytes.length })
    this.#bytes -= e.resource.bytes.length
  }

  /** Remove and return every entry (to retry them). */
  takeAll(): PendingEntry[] {
    const all = [...this.#entries.values()]
    this.#entries.clear()
    this.#shares.clear()
    this.#bytes = 0
    return all
  }

  #evictOldest(match: (e: PendingEntry) => boolean): void {
    for (const [id, e] of this.#entries)
      if (match(e)) {
        this.delete(id)
        this.evicted++
        return
      }
  }
}
