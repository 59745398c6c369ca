/**
 * Committed before durable (docs/store.md §3): a group commit of journal lines is made under
 * `synchronous=NORMAL`, and an fdatasync of the WAL on libuv's thread pool (wal-writeback.ts)
 * makes it durable while the event loop goes on. Under FULL the COMMIT held the event loop for
 * the whole fsync (0.3-0.6 ms in a daemon here), with nothing else able to run.
 *
 * What keeps the store's contract:
 * - each caller's promise resolves only after that fdatasync, which started after its COMMIT;
 * - the journal is read up to the durable head only ({@link DurableJournal.head},
 *   {@link DurableJournal.cap}), so no peer is ever served a line a power loss could take back
 *   (the same position would then hold another line: a fork);
 * - `onCommitted` (store.ts `PutOptions`) is told between the two, for work inside the node;
 * - the WAL is written in order, so a commit made after this one (the index of its lines) never
 *   survives a power loss that takes this one back: recovery stops at the first frame that does
 *   not check out.
 * A failed fdatasync may leave the kernel's copy and the disk apart, so the store stops there
 * (fail-stop, as PostgreSQL does): the callers and every later call get UNAVAILABLE.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { Sha512 } from '@sdmp/core'
import type { JournalRow, PutResult } from '@sdmp/store'
import { commitGroup } from './sqlite-ingest.js'
import type { OpenHome, PendingPut } from './sqlite-ingest.js'
import type { WalWriteback } from './wal-writeback.js'

/**
 * Commit one group and answer its callers. When a caller asked to hear of the commit early
 * (`onCommitted`) and the home is on disk under FULL (`durable` given), it is committed without
 * its fsync and made durable off the event loop ({@link DurableJournal.settle}); otherwise it
 * is committed as configured (the fsync inside COMMIT) and answered at once: the early path
 * measured no gain where nothing works on the lines before they are durable, and a longer tail
 * (docs/store.md §3).
 */
export function commitAndAnswer(
  o: OpenHome,
  group: PendingPut[],
  sha512: Sha512,
  durable: DurableJournal | undefined,
): void {
  const failed = durable?.failed
  if (failed) {
    for (const p of group) p.reject(failed)
    return
  }
  const early = durable !== undefined && group.some((p) => p.onCommitted !== undefined)
  const results = commitGroup(o, group, sha512, early)
  if (!results) return
  if (early) return durable.settle(group, results, o.head!)
  durable?.advance(o.head)
  tellCommitted(group, results)
  group.forEach((p, i) => p.resolve(results[i]!))
}

/** Each caller's `onCommitted`; a listener's failure is its own, the commit stands. */
function tellCommitted(group: readonly PendingPut[], results: PutResult[][]): void {
  group.forEach((p, i) => {
    try {
      p.onCommitted?.(results[i]!)
    } catch {
      // nothing to undo
    }
  })
}

/** The durable journal head, and the group commits still waiting for their fdatasync. */
export class DurableJournal {
  readonly #writeback: WalWriteback
  #head: JournalRow | undefined
  #failed: ProtocolError | undefined
  /** The fdatasyncs callers wait on (close waits for them). */
  readonly #inflight = new Set<Promise<void>>()

  constructor(writeback: WalWriteback) {
    this.#writeback = writeback
  }

  /** The last durable journal line (what journalHead answers). */
  get head(): JournalRow | undefined {
    return this.#head
  }

  /** Set when an fdatasync failed: every later call of the store fails with it. */
  get failed(): ProtocolError | undefined {
    return this.#failed
  }

  /** Rows read from the journal, without those past the durable head. */
  cap(rows: JournalRow[]): JournalRow[] {
    const limit = this.#head?.position ?? 0
    let n = rows.length
    while (n > 0 && rows[n - 1]!.position > limit) n--
    return n === rows.length ? rows : rows.slice(0, n)
  }

  /**
   * After a group's COMMIT without fsync: tell each caller's `onCommitted`, then resolve them
   * once an fdatasync of the WAL has returned, with `head` (the journal head after the group)
   * durable from then on.
   */
  settle(group: readonly PendingPut[], results: PutResult[][], head: JournalRow): void {
    tellCommitted(group, results)
    const done = this.#writeback.sync().then(
      () => {
        this.advance(head)
        group.forEach((p, i) => p.resolve(results[i]!))
      },
      (e: unknown) => {
        this.#failed ??= new ProtocolError(
          ErrorCode.UNAVAILABLE,
          'store: the disk failed to sync the journal; restart the node (docs/store.md §3)',
          { cause: e },
        )
        for (const p of group) p.reject(this.#failed)
      },
    )
    this.#inflight.add(done)
    void done.finally(() => this.#inflight.delete(done))
  }

  /** Resolves once every caller waiting for an fdatasync has its answer (before a close). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all(this.#inflight)
  }

  /** `head` is durable (at open, or after a commit that was fsync'd itself). */
  advance(head: JournalRow | undefined): void {
    if (head && (!this.#head || head.position > this.#head.position)) this.#head = { ...head }
  }
}
