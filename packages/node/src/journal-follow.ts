/**
 * Lines that other writers append to this node's store (several daemon processes over one
 * PostgreSQL schema, docs/scale.md "Several instances"): the store signals that its head moved
 * ({@link Store.watchJournal}); the follower reads the journal from its own cursor, skips the
 * lines its ingestor appended itself, and hands the rest on in journal order, so they are
 * pushed to this process's peers and applied to its trust graph as if ingested here.
 *
 * Signals are hints (store.ts): a repeated, late or out-of-order one finds nothing past the
 * cursor, and a lost one is made up by the next (the store signals its head after a
 * reconnect). Each line is handed on once, in order, because only the cursor decides.
 * @module
 */
import {
  applyToTrustGraph,
  parseJournalLine,
  resourceJsonBytes,
  validateResource,
} from '@sdmp/core'
import type { CompactHash, CryptoProvider, TrustGraph } from '@sdmp/core'
import type { JournalRow, JournalWatch, Store } from '@sdmp/store'
import type { AppendedLine } from './ingest.js'

/** Lines read per journal page while catching up. */
const FOLLOW_PAGE = 500

/** A journal line another writer appended, with its stored bytes (undefined once dropped). */
export interface ForeignLine extends JournalRow {
  readonly id: string
  readonly bytes: Uint8Array | undefined
  /**
   * The size of the bytes at rest (compact.md §6), when the store hands them out
   * (`Store.getStoredResource`): what its writer's quota counted (sync.md §9).
   */
  readonly resting?: number
}

/** Following other writers of the store (`Ingestor.followStore`). */
export interface StoreFollow {
  /** The last journal position handled (own or foreign). */
  readonly cursor: number
  /** Settles once every head signal received so far was caught up with. */
  idle(): Promise<void>
  stop(): Promise<void>
}

/** What the follower needs from its ingestor. */
export interface FollowHooks {
  /** Run `task` between the ingestor's own batches, never during one. */
  exclusive<T>(task: () => Promise<T>): Promise<T>
  /** Whether the ingestor appended `position` itself (asked once per position, in order). */
  isOwn(position: number): boolean
  /** Take lines other writers appended, in journal order. */
  adopt(lines: readonly ForeignLine[]): Promise<void>
  /** A catch-up failed (the store is unreachable): retried on the next signal. */
  failed?(e: unknown): void
  /**
   * To read lines' bytes as they rest and decode them here (ForeignLine.resting); without it,
   * or without `Store.getStoredResource`, they are read with `getResource`.
   */
  readonly hash?: CompactHash
}

/** Follows one store's journal for lines written by others. Stop with {@link stop}. */
export class JournalFollower {
  readonly #store: Store
  readonly #hooks: FollowHooks
  #cursor = 0
  #target = 0
  #watch: JournalWatch | undefined
  #running: Promise<void> | undefined
  #stopped = false

  private constructor(store: Store, hooks: FollowHooks) {
    this.#store = store
    this.#hooks = hooks
  }

  /**
   * Start following from the current head: earlier lines are the store's history, which the
   * node loaded at start (trust graph) and peers pull (sync.md §8.4). A store without
   * `watchJournal` has no other writers; the follower then does nothing.
   */
  static async start(store: Store, hooks: FollowHooks): Promise<JournalFollower> {
    const f = new JournalFollower(store, hooks)
    if (!store.watchJournal) return f
    // Listen first, then read the head: a line committed in between is past the cursor and
    // was signalled (or is found by the next signal's read).
    f.#watch = await store.watchJournal((head) => f.#signal(head))
    const head = await hooks.exclusive(async () => (await store.journalHead())?.position ?? 0)
    f.#cursor = Math.max(f.#cursor, head)
    if (f.#target > f.#cursor) f.#kick()
    return f
  }

  /** The last journal position this follower has handled. */
  get cursor(): number {
    return this.#cursor
  }

  /** Stop following; waits for a catch-up in progress. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.#watch?.close()
    await this.#running
  }

  /** Settles once every signal received so far has been caught up with (tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running
  }

  #signal(head: number): void {
    if (head <= this.#target) return
    this.#target = head
    this.#kick()
  }

  #kick(): void {
    if (this.#stopped || this.#running || this.#target <= this.#cursor) return
    this.#running = this.#catchUp()
      .catch((e: unknown) => this.#hooks.failed?.(e))
      .finally(() => {
        this.#running = undefined
        // A signal that came during the read and was not covered by it.
        if (this.#target > this.#cursor) this.#kick()
      })
  }

  async #catchUp(): Promise<void> {
    while (!this.#stopped && this.#target > this.#cursor) {
      const more = await this.#hooks.exclusive(() => this.#page())
      if (!more) return
    }
  }

  /** Hand on one page after the cursor. @returns whether the page was full */
  async #page(): Promise<boolean> {
    const rows = await this.#store.readJournal(this.#cursor, FOLLOW_PAGE)
    // Nothing past the cursor: the signal was stale or bogus; wait for the next one.
    if (rows.length === 0) this.#target = this.#cursor
    const foreign: ForeignLine[] = []
    for (const row of rows) {
      if (this.#hooks.isOwn(row.position)) continue
      const id = parseJournalLine(row.line).resourceId
      const { hash } = this.#hooks
      if (hash === undefined || this.#store.getStoredResource === undefined) {
        foreign.push({ ...row, id, bytes: await this.#store.getResource(id) })
        continue
      }
      const stored = await this.#store.getStoredResource(id)
      foreign.push({
        ...row,
        id,
        bytes: stored && resourceJsonBytes(hash, stored),
        ...(stored && { resting: stored.length }),
      })
    }
    if (foreign.length > 0) await this.#hooks.adopt(foreign)
    const last = rows[rows.length - 1]
    if (last) this.#cursor = Math.max(this.#cursor, last.position)
    // The head signalled may lag what was read; never wait for a position already passed.
    if (this.#target < this.#cursor) this.#target = this.#cursor
    return rows.length === FOLLOW_PAGE
  }
}

/**
 * Start a follower for an ingestor: `owns` holds one set per follower, to which the ingestor
 * adds every position it appends; the follower skips (and forgets) those.
 */
export async function followStore(
  store: Store,
  owns: Set<Set<number>>,
  hooks: Omit<FollowHooks, 'isOwn'>,
): Promise<StoreFollow> {
  const own = new Set<number>()
  owns.add(own)
  const follower = await JournalFollower.start(store, {
    ...hooks,
    isOwn: (position) => own.delete(position),
  }).catch((e: unknown) => {
    owns.delete(own)
    throw e
  })
  for (const p of own) if (p <= follower.cursor) own.delete(p)
  return {
    get cursor() {
      return follower.cursor
    },
    idle: () => follower.idle(),
    stop: async () => {
      await follower.stop()
      owns.delete(own)
    },
  }
}

/**
 * Verify lines another writer stored, against this node's trust graph, and apply the identities,
 * trusts and revocations among them to it, in journal order (the order they were verified in
 * by their writer). A line whose bytes were dropped (a deleted message, edits.md §3) or that
 * no longer verifies here (expired or revoked since) is skipped: there is nothing to push.
 */
export function verifyForeign(
  provider: CryptoProvider,
  graph: TrustGraph,
  now: number,
  lines: readonly ForeignLine[],
): (AppendedLine & { readonly resting?: number })[] {
  const out: (AppendedLine & { readonly resting?: number })[] = []
  for (const l of lines) {
    if (!l.bytes) continue
    try {
      const v = validateResource(provider, l.bytes, graph, { now })
      applyToTrustGraph(graph, v)
      out.push({
        position: l.position,
        line: l.line,
        resource: v,
        ...(l.resting !== undefined && { resting: l.resting }),
      })
    } catch {
      // Skipped, see above.
    }
  }
  return out
}
