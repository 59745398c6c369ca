/**
 * What a node's network (network.ts) knows of its peers: the peer list it reports, waiting for
 * every peer to be synced, and the refusal table kept true to what the peers say.
 * @module
 */
import type { Peer } from '@sdmp/client'
import type { PeerChange, PeerManager, SerialQueue, SyncEngine } from '@sdmp/node'
import type { ProtocolError } from '@sdmp/core'
import type { Account } from '../account/account.js'
import { clearRefusal, recordRefusal } from '../account/standing.js'

/** Every peer: dialled ones with their state, plus inbound-only sessions. */
export function listPeers(account: Account, manager: PeerManager, engine: SyncEngine): Peer[] {
  const out: Peer[] = []
  const seen = new Set<string>()
  const graph = account.ingestor.graph
  const now = account.now()
  for (const s of manager.status()) {
    const session = s.fingerprint === undefined ? undefined : engine.sessions.get(s.fingerprint)
    if (s.fingerprint !== undefined) seen.add(s.fingerprint)
    const connected = s.state === 'connected' || session?.isOpen === true
    out.push({
      node: s.fingerprint ?? null,
      // Not connected: the user the trust log says the node belongs to (who refused us).
      user:
        session?.peerUser ??
        (s.fingerprint === undefined ? undefined : graph.usersOfNode(s.fingerprint, now)[0]) ??
        null,
      address: s.address.replace(/#.*$/, ''),
      state: connected ? 'connected' : s.state === 'stopped' ? 'offline' : s.state,
      direction: connected ? (session?.role === 'responder' ? 'inbound' : 'outbound') : null,
      lastError: s.lastError ?? null,
      nextAttempt:
        s.state === 'backoff' && s.nextAttemptAt !== undefined
          ? new Date(s.nextAttemptAt).toISOString()
          : null,
    })
  }
  for (const [node, session] of engine.sessions) {
    if (seen.has(node) || !session.isOpen) continue
    out.push({
      node,
      user: session.peerUser,
      address: null,
      state: 'connected',
      direction: session.role === 'responder' ? 'inbound' : 'outbound',
      lastError: null,
      nextAttempt: null,
    })
  }
  return out
}

/**
 * Resolves once every dialer connected or failed once since the redial, every open session
 * was pulled from again, and the fetcher is idle (`sdmp sync --wait`).
 */
export async function settleAll(manager: PeerManager, engine: SyncEngine): Promise<true> {
  // Wait for every dialer to have connected or failed once since the redial.
  await manager.settled()
  await Promise.all(
    [...engine.sessions.values()]
      .filter((s) => s.isOpen)
      .map(async (s) => {
        await s.synced()
        // A peer that fails the pull is reported by its session; sync --wait then waits
        // for the others and reports the peer's state in `peers`.
        await s.pull().catch(() => undefined)
      }),
  )
  await engine.fetcher.idle()
  return true
}

/** What {@link noteStanding} needs of the network. */
export interface StandingContext {
  readonly account: Account
  readonly engine: SyncEngine
  /** Writes of the refusal table (account/standing.ts), one at a time. */
  readonly standing: SerialQueue
  /** Told the user whose recorded refusal changed. */
  readonly listeners: ReadonlySet<(user: string) => void>
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/**
 * Keep the refusal table (account/standing.ts) true to what the peers say: a refusal by the
 * trust gate of a contact's node is recorded for its user; a connection that opens clears it.
 */
export function noteStanding(change: PeerChange, ctx: StandingContext): void {
  const me = ctx.account.user
  if (me === undefined) return
  let users: string[]
  let task: (user: string) => Promise<boolean>
  if (change.type === 'backoff') {
    const { peer, refusal } = change
    if (peer === undefined || refusal === undefined) return
    users = ctx.account.ingestor.graph.usersOfNode(peer, ctx.account.now())
    task = (u) => recordRefusal(ctx.account, u, refusal)
  } else if (change.type === 'connected') {
    const user = ctx.engine.sessions.get(change.peer)?.peerUser
    if (user === undefined) return
    users = [user]
    task = (u) => clearRefusal(ctx.account, u)
  } else return
  for (const user of users.filter((u) => u !== me))
    ctx.standing
      .run(async () => {
        if (!(await task(user))) return
        ctx.event?.('contact-standing', {})
        for (const l of ctx.listeners) l(user)
      })
      .catch((e: unknown) => {
        ctx.event?.('standing-error', { code: (e as ProtocolError).code ?? 'error' })
      })
}
