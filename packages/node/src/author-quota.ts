/**
 * The per-author storage quota (docs/protocol/sync.md §9, "Admission"): resources published for
 * one user (`resource.user`) other than the node's own may take at most so many resources and
 * bytes of its store when they come from peers. Admission (admission.ts) decides *whose*
 * resources are stored; this bounds *how much* of each, so a contact publishing a million posts
 * cannot fill the disk. Usage is read from the store once per author (`Store.usageOf`) and then
 * kept up to date in memory by the ingestor, which is the only writer of resources. Sizes are
 * the bytes at rest (the compact form, docs/protocol/compact.md §6), as `usageOf` counts them:
 * the ingestor passes the size of the form it hands the store (ingest-authorize.ts `restingForm`).
 * @module
 */
import type { Store, StoreUsage } from '@sdmp/store'

/** Bounds of the per-author quota (defaults in {@link QUOTA_LIMITS}). */
export interface QuotaLimits {
  /** Resources stored for one author. */
  readonly maxCountPerAuthor: number
  /** Bytes stored for one author, as they rest (compact.md §6, the same as `Store.usageOf`). */
  readonly maxBytesPerAuthor: number
  /**
   * Resources the whole store may hold before peers' resources are refused (a host's quota per
   * hosted user, docs/scale.md "A host for many users"). Needs `Store.usageTotal`; without it,
   * or at the default (no bound), only the per-author bounds apply.
   */
  readonly maxCountTotal: number
  /** Bytes at rest the whole store may hold before peers' resources are refused. */
  readonly maxBytesTotal: number
}

/**
 * The defaults (docs/protocol/sync.md §9): a backstop against a contact filling the disk, not a
 * cap on a conversation. A sealed message took about 13 KB when these were set (1 GiB, the first
 * default, cut a contact off after 85,329 messages in the 100,000-message benchmark); at rest in
 * the compact form it takes about 1.5 KB, so the 10,000,000-message bound comes before 16 GiB.
 */
export const QUOTA_LIMITS: QuotaLimits = Object.freeze({
  maxCountPerAuthor: 10_000_000,
  maxBytesPerAuthor: 16 * 1024 * 1024 * 1024,
  maxCountTotal: Number.POSITIVE_INFINITY,
  maxBytesTotal: Number.POSITIVE_INFINITY,
})

/**
 * Authors whose usage is kept in memory; past it the oldest loaded are forgotten and read from
 * the store again when next needed (the map is a cache, its truth is the store).
 */
const MAX_AUTHORS_CACHED = 10_000

interface Usage {
  count: number
  bytes: number
  /** Resources refused since loaded (tests, status). */
  refused: number
}

/** Usage per author and the quota check. Not safe for concurrent batches: the ingestor
 * serializes them. */
export class AuthorQuota {
  readonly #store: Pick<Store, 'usageOf' | 'usageTotal'>
  readonly #limits: QuotaLimits
  readonly #usage = new Map<string, Usage>()
  /** The whole store's usage, once loaded (only when a total bound is set). */
  #total: Usage | undefined

  constructor(store: Pick<Store, 'usageOf' | 'usageTotal'>, limits: Partial<QuotaLimits> = {}) {
    this.#store = store
    this.#limits = { ...QUOTA_LIMITS, ...limits }
  }

  /** Whether a bound on the whole store applies (set, and the store can count itself). */
  get #bounded(): boolean {
    const l = this.#limits
    return (
      this.#store.usageTotal !== undefined &&
      (Number.isFinite(l.maxCountTotal) || Number.isFinite(l.maxBytesTotal))
    )
  }

  /** Read the usage of these authors from the store, for those not loaded yet. */
  async load(users: Iterable<string>): Promise<void> {
    const want = new Set(users)
    if (this.#total === undefined && want.size > 0 && this.#bounded) {
      const t = await this.#store.usageTotal!()
      this.#total ??= { count: t.count, bytes: t.bytes, refused: 0 }
    }
    for (const user of want) {
      if (this.#usage.has(user)) continue
      // Forget the oldest loaded author this batch does not need (a batch may exceed the cap).
      if (this.#usage.size >= MAX_AUTHORS_CACHED)
        for (const old of this.#usage.keys())
          if (!want.has(old)) {
            this.#usage.delete(old)
            break
          }
      const u: StoreUsage = await this.#store.usageOf(user)
      this.#usage.set(user, { count: u.count, bytes: u.bytes, refused: 0 })
    }
  }

  /**
   * Reserve room for one resource of `size` bytes by `user` (loaded before).
   * @returns false when it would exceed the quota (nothing is reserved)
   */
  reserve(user: string, size: number): boolean {
    const u = this.#usage.get(user)
    if (!u) throw new Error(`quota: usage of ${user} not loaded`)
    const l = this.#limits
    const t = this.#total
    if (
      u.count + 1 > l.maxCountPerAuthor ||
      u.bytes + size > l.maxBytesPerAuthor ||
      (t !== undefined && (t.count + 1 > l.maxCountTotal || t.bytes + size > l.maxBytesTotal))
    ) {
      u.refused++
      if (t) t.refused++
      return false
    }
    u.count++
    u.bytes += size
    if (t) {
      t.count++
      t.bytes += size
    }
    return true
  }

  /** Give back a reservation (the resource was not stored: a duplicate, or the commit failed). */
  release(user: string, size: number): void {
    if (this.#total) {
      this.#total.count--
      this.#total.bytes -= size
    }
    const u = this.#usage.get(user)
    if (!u) return
    u.count--
    u.bytes -= size
  }

  /** A resource by `user` was stored without a reservation (a local ingest): count it. */
  add(user: string, size: number): void {
    if (this.#total) {
      this.#total.count++
      this.#total.bytes += size
    }
    const u = this.#usage.get(user)
    if (!u) return // not loaded: the store count will include it
    u.count++
    u.bytes += size
  }

  /** The whole store's usage and refusals over it, once loaded (tests, status). */
  usageTotal(): { count: number; bytes: number; refused: number } | undefined {
    return this.#total && { ...this.#total }
  }

  /** The usage known for `user` and its refusals (tests, status); undefined when not loaded. */
  usageOf(user: string): { count: number; bytes: number; refused: number } | undefined {
    const u = this.#usage.get(user)
    return u && { ...u }
  }
}
