/**
 * Set reconciliation between two sessions' visible resource sets (docs/protocol/sync.md §4-§5):
 * a snapshot of the (created, id) keys this node may show the peer, and a {@link Reconciler}
 * fed by RECONCILE frames. Only the side that dialled starts a round; both sides learn what
 * they lack from the same exchange and hand it to the fetcher.
 * @module
 */
import { MemoryReconcileStorage, Reconciler } from '@sdmp/core'
import type { Sha256Source } from '@sdmp/core'
import type { ResourceMeta, Store } from '@sdmp/store'
import type { Fetcher } from './fetcher.js'
import type { PeerSession } from './peer-session.js'
import { MessageType, encodeMessage } from './wire.js'

/** The keys of every stored resource that passes `visible` (sync.md §8.5, §10), in sync order. */
export async function visibleSnapshot(
  store: Store,
  visible: (meta: ResourceMeta) => Promise<boolean>,
): Promise<MemoryReconcileStorage> {
  const keys: { created: number; id: string }[] = []
  let after = 0
  for (;;) {
    const page = await store.queryResources({ afterPosition: after, limit: 10_000 })
    if (page.length === 0) break
    for (const m of page) if (await visible(m)) keys.push({ created: m.created, id: m.id })
    after = page[page.length - 1]!.position
  }
  return MemoryReconcileStorage.fromKeys(keys)
}

/** Runs reconciliation rounds for one session (either role). */
export class ReconcileDriver {
  readonly #session: PeerSession
  readonly #store: Store
  readonly #hash: Sha256Source
  readonly #fetcher: Fetcher
  readonly #visible: (meta: ResourceMeta) => Promise<boolean>
  readonly #maxMessageBytes: number
  #reconciler: Reconciler | undefined
  #finished: (() => void) | undefined
  /** The round this side started, if any. */
  #round: Promise<void> | undefined
  /** Whether a round (started by either side) has ended in this session, or the channel did. */
  #completed = false
  #completedWaiters: (() => void)[] = []

  constructor(options: {
    session: PeerSession
    store: Store
    hash: Sha256Source
    fetcher: Fetcher
    visible: (meta: ResourceMeta) => Promise<boolean>
    maxMessageBytes: number
  }) {
    this.#session = options.session
    this.#store = options.store
    this.#hash = options.hash
    this.#fetcher = options.fetcher
    this.#visible = options.visible
    this.#maxMessageBytes = options.maxMessageBytes
    options.session.reconcileHandler = (body) => this.#handle(body)
    void options.session.channel.closed.then(() => this.#complete())
  }

  /**
   * As the dialling side: start a round unless one is running or has ended in this session
   * (our own first contact and the peer's both need exactly one round; sync.md §8.4).
   */
  ensureRound(): Promise<void> {
    if (this.#completed) return Promise.resolve()
    return (this.#round ??= this.run())
  }

  /**
   * As the accepting side: resolves once a round the peer drove has ended in this session (or
   * the channel closed). The peer starts one when it has no position for us, or when we ask
   * for its journal without a position.
   */
  roundDone(): Promise<void> {
    if (this.#completed) return Promise.resolve()
    return new Promise((resolve) => this.#completedWaiters.push(resolve))
  }

  #complete(): void {
    this.#completed = true
    for (const r of this.#completedWaiters.splice(0)) r()
  }

  /** Start a round as the initiator; resolves when both sides know the difference. */
  async run(): Promise<void> {
    this.#reconciler = new Reconciler(
      await visibleSnapshot(this.#store, this.#visible),
      this.#hash,
      { maxMessageBytes: this.#maxMessageBytes },
    )
    const done = new Promise<void>((resolve) => (this.#finished = resolve))
    void this.#session.channel.closed.then(() => this.#finish())
    await this.#session.channel.send(
      encodeMessage(MessageType.RECONCILE, this.#reconciler.initiate()),
    )
    await done
  }

  async #handle(body: Uint8Array): Promise<void> {
    // The responder opens its side on the first frame of a round.
    if (!this.#reconciler) {
      this.#reconciler = new Reconciler(
        await visibleSnapshot(this.#store, this.#visible),
        this.#hash,
        { maxMessageBytes: this.#maxMessageBytes },
      )
    }
    const result = this.#reconciler.reconcile(body)
    if (result.need.length > 0) await this.#fetcher.announce(this.#session, result.need)
    if (result.reply)
      await this.#session.channel.send(encodeMessage(MessageType.RECONCILE, result.reply))
    // Only `done` ends the round: a step may owe no reply yet (deferred ranges) while the peer
    // still has messages to send; dropping the reconciler there would restart the round (and
    // rescan the store) on the next frame.
    if (result.done) this.#finish()
  }

  #finish(): void {
    this.#reconciler = undefined
    const f = this.#finished
    this.#finished = undefined
    f?.()
    this.#complete()
  }
}
