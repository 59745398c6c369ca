/**
 * The sync engine of a node (docs/protocol/sync.md): the trust gate for channels, one
 * {@link PeerSession} per connected peer, real-time push of newly journaled lines, the shared
 * fetcher, and disconnection of peers whose trust is revoked while connected.
 * @module
 */
import type { Store } from '@sdmp/store'
import type { AuthorizeResult, PeerInfo, SecureChannel } from '@sdmp/transport'
import { BlobTransfer } from '../blobs/blob-transfer.js'
import type { BlobLimits } from '../blobs/blob-transfer.js'
import type { AppendedLine, Ingestor } from '../ingest.js'
import { Fetcher } from './fetcher.js'
import type { FetchLimits } from './fetcher.js'
import { PeerSession } from './peer-session.js'
import { ReconcileDriver } from './reconcile-driver.js'
import type { SessionHost, SessionLimits } from './peer-session.js'
import { Visibility } from './visibility.js'
import type { ResourceRef } from './visibility.js'
import { FELLOW_KINDS } from '../admission.js'
import type { ControlSigner } from './wire.js'

/** Every limit of the sync engine, with its default (HOUSE-STYLE: one home for limits). */
export interface SyncLimits extends SessionLimits, FetchLimits {}

/** Defaults: see docs/protocol/sync.md §8.7 and §9. */
export const DEFAULT_SYNC_LIMITS: SyncLimits = Object.freeze({
  journalBatch: 1000,
  maxPenalty: 5,
  maxRefusedPerMinute: 2_000,
  maxPushPerMinute: 60_000,
  maxPushBytesPerMinute: 256 * 1024 * 1024,
  maxIngestBytesInFlight: 32 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  batch: 256,
  perPeer: 4,
})

/** Options of {@link SyncEngine}. */
export interface SyncEngineOptions {
  readonly store: Store
  readonly ingestor: Ingestor
  readonly signer: ControlSigner
  readonly limits?: Partial<SyncLimits>
  /**
   * Use set reconciliation on first contact (sync.md §4; default true). Without it, first
   * contact reads the peer's whole journal, which costs bytes in proportion to the journal.
   */
  readonly reconcile?: boolean
  /** Largest reconciliation message (must fit the channel's message limit). Default 64 KiB. */
  readonly reconcileMessageBytes?: number
  /** Limits of attachment blob transfer (docs/protocol/attachments.md §2). */
  readonly blobLimits?: Partial<BlobLimits>
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** Owns the sessions of one node. */
export class SyncEngine {
  readonly fetcher: Fetcher
  /** Attachment blobs: serving, fetching and offering (docs/protocol/attachments.md). */
  readonly blobs: BlobTransfer
  readonly #host: SessionHost
  readonly #sessions = new Map<string, PeerSession>()
  readonly #signer: ControlSigner
  readonly #ingestor: Ingestor
  readonly #drivers = new WeakMap<PeerSession, ReconcileDriver>()
  readonly #options: SyncEngineOptions
  /** Per-resource visibility (sync.md §10): who may be offered each stored resource. */
  readonly visibility: Visibility

  constructor(options: SyncEngineOptions) {
    const limits = Object.freeze({ ...DEFAULT_SYNC_LIMITS, ...options.limits })
    this.#options = options
    this.#signer = options.signer
    this.#ingestor = options.ingestor
    this.fetcher = new Fetcher(limits, (ids) => options.store.hasResources(ids))
    this.visibility = new Visibility({
      store: options.store,
      provider: options.signer.provider,
      self: () => options.signer.user,
      visibleTo: (peerUser, resourceUser) => this.visibleTo(peerUser, resourceUser),
      groupVisible: (peerUser, ref) => this.groupVisible(peerUser, ref),
    })
    this.blobs = new BlobTransfer({
      store: options.store,
      signer: options.signer,
      sessions: () => this.#sessions.values(),
      ...(options.blobLimits && { limits: options.blobLimits }),
      ...(options.event && { event: options.event }),
    })
    this.#host = {
      blobs: this.blobs,
      store: options.store,
      ingestor: options.ingestor,
      signer: options.signer,
      fetcher: this.fetcher,
      limits,
      mayShow: (peerUser, ref) => this.visibility.mayShow(peerUser, ref),
      ...(options.reconcile === false
        ? {}
        : {
            // One round per pair: the side that dialled drives it; both sides learn from it.
            // The accepting side waits for that round rather than skip to the head unseen.
            reconcile: async (session: PeerSession) => {
              const driver = this.#drivers.get(session)
              if (session.role === 'initiator') await driver?.ensureRound()
              else await driver?.roundDone()
            },
            // The peer has no position for us: it waits for a round, so the dialler drives one
            // even when it has a position itself (e.g. a connection dropped mid-sync before).
            peerFirstContact: (session: PeerSession) => {
              if (session.role === 'initiator')
                void this.#drivers
                  .get(session)
                  ?.ensureRound()
                  // The driver reports and retries its own failures (reconcile-driver.ts);
                  // a session that closed meanwhile needs no round.
                  .catch(() => undefined)
            },
          }),
      ...(options.event ? { event: options.event } : {}),
    }
    options.ingestor.onAppended((lines) => this.#onAppended(lines))
  }

  /**
   * sync.md §8.5: resources published for a user go to that user's own nodes and to the nodes of
   * the users it trusts (read_resource), and to nobody else; a node's identity follows its users.
   * A rotated identity's resources also go to the nodes of the identities it replaced.
   */
  visibleTo(peerUser: string, resourceUser: string): boolean {
    const graph = this.#ingestor.graph
    const now = this.#signer.clock()
    // A blocked user's resources are neither served nor relayed (docs/messaging.md "Blocking").
    if (this.#ingestor.isBlocked(resourceUser, now)) return false
    if (peerUser === resourceUser || graph.trustsUser(resourceUser, peerUser, now)) return true
    // keys.md §5.2, §5.4: the user's other devices are still nodes of U when U2's identity and
    // trusts are published, and learn them only over these connections: once the rotating node
    // signs as U2, they cannot verify a single message of it before they hold them.
    if (graph.predecessorsOf(resourceUser).includes(peerUser)) return true
    // A node's identity is published for the node's own fingerprint: it goes wherever the
    // resources of the node's users go, or no contact could ever learn a device (§8.5).
    for (const user of graph.usersOfNode(resourceUser, now))
      if (user === peerUser || graph.trustsUser(user, peerUser, now)) return true
    return false
  }

  /**
   * docs/protocol/groups.md §5: a fellow member's envelopes (to readers whose tag they carry,
   * checked by {@link Visibility}), prekeys, trusts and revocations, and the identities of it
   * and its nodes, go to the nodes of the other members of a group our user is in: members who
   * are not each other's contacts reach each other through a member who is both's contact.
   */
  groupVisible(peerUser: string, ref: ResourceRef): boolean {
    const now = this.#signer.clock()
    if (this.#ingestor.isBlocked(ref.user, now)) return false
    const fellows = this.#ingestor.fellows
    if (ref.kind === 'identity')
      return (
        fellows(ref.user, peerUser) ||
        this.#ingestor.graph.usersOfNode(ref.user, now).some((u) => fellows(u, peerUser))
      )
    return FELLOW_KINDS.has(ref.kind) && fellows(ref.user, peerUser)
  }

  /** Connected sessions, by peer node fingerprint. */
  get sessions(): ReadonlyMap<string, PeerSession> {
    return this.#sessions
  }

  /**
   * The trust gate for the transport (trust.md §4): the peer node must be authorized by a user
   * whom our user trusts (or our own user). The peer applies the same rule for its user, so a
   * connection needs both users' consent. A node of a user our user blocked is refused with
   * `blocked`, trusted or not (docs/messaging.md "Blocking").
   */
  authorize = async (peer: PeerInfo): Promise<AuthorizeResult> => {
    const decision = this.#decide(peer.fingerprint)
    return decision.ok ? { ok: true } : { ok: false, reason: decision.reason }
  }

  #decide(node: string): { ok: true; user: string } | { ok: false; reason: string } {
    const graph = this.#ingestor.graph
    const now = this.#signer.clock()
    const self = { node: this.#signer.key.fingerprint, user: this.#signer.user }
    const users = graph.usersOfNode(node, now)
    if (users.length === 0) return { ok: false, reason: 'unknown_node' }
    if (this.#ingestor.isBlocked(node, now)) return { ok: false, reason: 'blocked' }
    for (const user of users)
      if (graph.mayAccept(self, { node, user }, now).ok) return { ok: true, user }
    return { ok: false, reason: 'untrusted' }
  }

  /**
   * Start syncing over a channel that passed {@link authorize}. `role`: whether this node
   * dialled (the dialling side drives reconciliation).
   */
  attach(channel: SecureChannel, role: 'initiator' | 'responder'): PeerSession {
    const decision = this.#decide(channel.peer.fingerprint)
    if (!decision.ok) {
      void channel.revoke(decision.reason)
      throw new Error(`attach: peer not authorized (${decision.reason})`)
    }
    this.#sessions.get(channel.peer.fingerprint)?.channel.close('replaced')
    const session = new PeerSession(channel, decision.user, role, this.#host)
    if (this.#options.reconcile !== false) {
      const driver = new ReconcileDriver({
        session,
        store: this.#options.store,
        hash: this.#signer.provider,
        fetcher: this.fetcher,
        visible: (meta) => this.visibility.mayShow(session.peerUser, meta),
        maxMessageBytes: this.#options.reconcileMessageBytes ?? 64 * 1024,
      })
      this.#drivers.set(session, driver)
    }
    this.#sessions.set(session.key, session)
    void channel.closed.then(() => {
      if (this.#sessions.get(session.key) === session) this.#sessions.delete(session.key)
    })
    void session.start()
    this.blobs.attached(session)
    return session
  }

  /**
   * Decide again for every connected peer (after the block list changed): a peer no longer
   * allowed is told why (`rejected` with the reason, transport.md §5) and cut.
   * @returns how many sessions were cut
   */
  review(): number {
    let cut = 0
    for (const s of this.#sessions.values()) {
      const d = this.#decide(s.key)
      if (d.ok) continue
      cut++
      void s.channel.revoke(d.reason)
    }
    return cut
  }

  /**
   * Resolves once every push queued so far has gone out (or its channel closed), or after
   * `requestTimeoutMs`: a stalled peer must not hold a stop for longer than a request would.
   */
  async drained(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      Promise.all([...this.#sessions.values()].map((s) => s.pushed())),
      new Promise<void>(
        (resolve) => (timer = setTimeout(resolve, this.#host.limits.requestTimeoutMs)),
      ),
    ])
    clearTimeout(timer)
  }

  /** Close every session. */
  async close(): Promise<void> {
    this.blobs.close()
    await Promise.all([...this.#sessions.values()].map((s) => s.channel.close('shutdown')))
  }

  #onAppended(lines: readonly AppendedLine[]): void {
    const cut = new Set<PeerSession>()
    for (const l of lines) this.visibility.note(l.resource)
    // A trust or revocation may have withdrawn a connected peer's right to be here.
    if (
      lines.some(
        (l) =>
          l.resource.kind === 'revoke' ||
          l.resource.kind === 'trust' ||
          l.resource.kind === 'identity',
      )
    ) {
      for (const s of this.#sessions.values()) {
        const d = this.#decide(s.key)
        if (d.ok) continue
        // Tell the peer why first: a revoked device learns of its own revocation (trust.md
        // §6.1) from the lines that revoke it, then the channel closes.
        cut.add(s)
        void s
          .push(lines)
          .catch(() => undefined) // the channel may be gone already: it is being cut anyway
          .finally(() => void s.channel.revoke('revoked'))
      }
    }
    // A push that fails means the channel closed: the peer asks for these lines again from
    // its stored position when it reconnects (sync.md §8.4).
    for (const s of this.#sessions.values())
      if (!cut.has(s)) void s.push(lines).catch(() => undefined)
    // A new trust U -> V makes U's older resources visible to V's nodes (sync.md §8.5): offer
    // them to the connected nodes of V, which were sent none of them so far.
    for (const l of lines) {
      if (l.resource.kind !== 'trust') continue
      const grantor = l.resource.header.user
      const trustee = (l.resource.data as { trustee: string }).trustee
      for (const s of this.#sessions.values())
        if (s.peerUser === trustee && this.visibleTo(trustee, grantor))
          // As for pushes: a closed channel is offered everything again on its next contact.
          void this.#offerUser(s, grantor).catch(() => undefined)
      // A trust U -> node N makes N's identity visible wherever U's resources go: a contact
      // learns a new device of U through sync alone (issue 11; its identity was journaled
      // before the trust, when no one but U's nodes could see it).
      if (this.#ingestor.graph.identity(trustee)?.type === 'node')
        for (const s of this.#sessions.values())
          if (s.peerUser !== grantor && this.visibleTo(s.peerUser, trustee))
            void this.#offerLines(s, trustee).catch(() => undefined)
    }
  }

  /** Offer every stored line of `user` and of its nodes' identities to one session. */
  async #offerUser(session: PeerSession, user: string): Promise<void> {
    const now = this.#signer.clock()
    for (const u of [user, ...this.#ingestor.graph.nodesOf(user, now)])
      await this.#offerLines(session, u)
  }

  /** Offer every stored line published for `user` (see {@link PeerSession.offer}). */
  async #offerLines(session: PeerSession, user: string): Promise<void> {
    const store = this.#options.store
    let after = 0
    for (;;) {
      const metas = await store.queryResources({ user, afterPosition: after, limit: 1000 })
      if (metas.length === 0 || !session.isOpen) return
      const lines: string[] = []
      for (const m of metas) {
        // Envelopes only to their readers (sync.md §10), also when a new trust offers old lines.
        if (!(await this.visibility.mayShow(session.peerUser, m))) continue
        const row = (await store.readJournal(m.position - 1, 1))[0]
        if (row?.position === m.position) lines.push(row.line)
      }
      await session.offer(lines)
      after = metas[metas.length - 1]!.position
    }
  }
}
