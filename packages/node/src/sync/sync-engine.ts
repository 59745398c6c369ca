/**
 * The sync engine of a node (docs/protocol/sync.md): the trust gate for channels, one
 * {@link PeerSession} per connected peer, real-time push of newly journaled lines, the shared
 * fetcher, and disconnection of peers whose trust is revoked while connected.
 * @module
 */
import type { Store } from '@sdmp/store'
import type { AuthorizeResult, PeerInfo, SecureChannel } from '@sdmp/transport'
import type { AppendedLine, Ingestor } from '../ingest.js'
import { Fetcher } from './fetcher.js'
import type { FetchLimits } from './fetcher.js'
import { PeerSession } from './peer-session.js'
import type { SessionHost, SessionLimits } from './peer-session.js'
import type { ControlSigner } from './wire.js'

/** Every limit of the sync engine, with its default (HOUSE-STYLE: one home for limits). */
export interface SyncLimits extends SessionLimits, FetchLimits {}

/** Defaults: see docs/protocol/sync.md §7. */
export const DEFAULT_SYNC_LIMITS: SyncLimits = Object.freeze({
  journalBatch: 1000,
  maxPenalty: 5,
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
  /** Set reconciliation for first contact (sync.md §4); without it, first contact pulls nothing. */
  readonly reconcile?: (session: PeerSession) => Promise<void>
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** Owns the sessions of one node. */
export class SyncEngine {
  readonly fetcher: Fetcher
  readonly #host: SessionHost
  readonly #sessions = new Map<string, PeerSession>()
  readonly #signer: ControlSigner
  readonly #ingestor: Ingestor

  constructor(options: SyncEngineOptions) {
    const limits = Object.freeze({ ...DEFAULT_SYNC_LIMITS, ...options.limits })
    this.#signer = options.signer
    this.#ingestor = options.ingestor
    this.fetcher = new Fetcher(limits, (ids) => options.store.hasResources(ids))
    const graph = options.ingestor.graph
    const self = options.signer.user
    this.#host = {
      store: options.store,
      ingestor: options.ingestor,
      signer: options.signer,
      fetcher: this.fetcher,
      limits,
      // sync.md §6: a user's resources go to that user's own nodes and to the nodes of users it trusts.
      visibleTo: (peerUser, resourceUser) =>
        peerUser === resourceUser ||
        graph.trustsUser(resourceUser, peerUser, options.signer.clock()),
      ...(options.reconcile ? { reconcile: options.reconcile } : {}),
      ...(options.event ? { event: options.event } : {}),
    }
    void self
    options.ingestor.onAppended((lines) => this.#onAppended(lines))
  }

  /** Connected sessions, by peer node fingerprint. */
  get sessions(): ReadonlyMap<string, PeerSession> {
    return this.#sessions
  }

  /**
   * The trust gate for the transport (transport.md §4): the peer node must be authorized by a
   * user, and that user and ours must trust each other (or be the same user).
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
    for (const user of users)
      if (graph.mayConnect(self, { node, user }, now).ok) return { ok: true, user }
    return { ok: false, reason: 'untrusted' }
  }

  /** Start syncing over a channel that passed {@link authorize}. Resolves with the session. */
  attach(channel: SecureChannel): PeerSession {
    const decision = this.#decide(channel.peer.fingerprint)
    if (!decision.ok) {
      void channel.revoke(decision.reason)
      throw new Error(`attach: peer not authorized (${decision.reason})`)
    }
    this.#sessions.get(channel.peer.fingerprint)?.channel.close('replaced')
    const session = new PeerSession(channel, decision.user, this.#host)
    this.#sessions.set(session.key, session)
    void channel.closed.then(() => {
      if (this.#sessions.get(session.key) === session) this.#sessions.delete(session.key)
    })
    void session.start()
    return session
  }

  /** Close every session. */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.channel.close('shutdown')))
  }

  #onAppended(lines: readonly AppendedLine[]): void {
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
        if (!d.ok) void s.channel.revoke('revoked')
      }
    }
    for (const s of this.#sessions.values()) void s.push(lines).catch(() => undefined)
  }
}
