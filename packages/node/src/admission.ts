/**
 * The trust closure (docs/protocol/trust.md §8.1, sync.md §9): what a node stores and relays
 * when a peer pushes or serves it. A node keeps what its own user authored, what the users its
 * user trusts authored, and the identities needed to judge those (its user, its contacts, and
 * the nodes any of them authorize). Everything else is refused: strangers' posts, messages,
 * trusts and identities never reach the store, so a trusted peer cannot fill it with them.
 * @module
 */
import { identityInfoOf } from '@sdmp/core'
import type { TrustGraph, Verified } from '@sdmp/core'

/** Why a resource from a peer is not admitted. */
export type Refusal =
  /** Not in the closure now, but may be once a trust arrives (a node identity): held. */
  | 'not_yet'
  /** Authored by a user outside the closure: refused. */
  | 'outside'

/**
 * Decide whether `v`, received from a peer, is in the trust closure of `user` at `at`.
 * @returns undefined when admitted, else why not
 */
export function admission(
  graph: TrustGraph,
  user: string,
  v: Verified,
  at: number,
): Refusal | undefined {
  const inClosure = (u: string) => u === user || graph.trustsUser(user, u, at)
  if (v.kind === 'identity') {
    const { fingerprint: fp, type } = identityInfoOf(v)
    if (fp === user || graph.trustsBetween(user, fp, at).length > 0) return undefined
    // A node some user of the closure authorizes. A user our contacts trust is not enough:
    // their contacts are not ours.
    if (type === 'node')
      for (const u of graph.trustedUsers(user, at))
        if (graph.trustsBetween(u, fp, at).length > 0) return undefined
    return 'not_yet'
  }
  return inClosure(v.header.user) ? undefined : 'outside'
}
