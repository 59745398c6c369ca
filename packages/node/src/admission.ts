/**
 * The trust closure (docs/protocol/trust.md §8.1, sync.md §9): what a node stores and relays
 * when a peer pushes or serves it. A node keeps what its own user authored, what the users its
 * user trusts authored, and the identities needed to judge those (its user, its contacts, and
 * the nodes any of them authorize), and the new identities of any of those users (rotations).
 * Everything else is refused: strangers' posts, messages,
 * trusts and identities never reach the store, so a trusted peer cannot fill it with them.
 * @module
 */
import { fromBase64url, identityInfoOf, routeTag } from '@sdmp/core'
import type { CryptoProvider, TrustGraph, Verified } from '@sdmp/core'

/** Why a resource from a peer is not admitted. */
export type Refusal =
  /** Not in the closure now, but may be once a trust arrives (a node identity): held. */
  | 'not_yet'
  /** Authored by a user outside the closure: refused. */
  | 'outside'

/**
 * Fellow members (docs/protocol/groups.md §5): users who share a group with this node's user.
 * `fellows(a, b)`: a and b are both current members of one group this node's user is in.
 */
export interface GroupScope {
  readonly fellows: (a: string, b: string) => boolean
  /**
   * The users `user` shares a group with: a fellow's new node is admitted before its identity
   * is (its trust names it; usersOfNode knows only nodes whose identity is stored).
   */
  readonly fellowsOf?: (user: string) => readonly string[]
  readonly provider: CryptoProvider
}

/** The kinds a fellow member authors that are admitted (groups.md §5): mail and key material. */
export const FELLOW_KINDS: ReadonlySet<string> = new Set(['encrypted', 'prekey', 'trust', 'revoke'])

/**
 * Decide whether `v`, received from a peer, is in the trust closure of `user` at `at`, or
 * within the group scope (groups.md §5): a fellow member's envelopes that carry `user`'s routing
 * tag, its prekeys, trusts and revocations, and the identities of it and its nodes.
 * @returns undefined when admitted, else why not
 */
export function admission(
  graph: TrustGraph,
  user: string,
  v: Verified,
  at: number,
  scope?: GroupScope,
): Refusal | undefined {
  const closure = closureAdmission(graph, user, v, at)
  if (closure === undefined || scope === undefined) return closure
  return groupAdmission(graph, user, v, at, scope) ? undefined : closure
}

function groupAdmission(
  graph: TrustGraph,
  user: string,
  v: Verified,
  at: number,
  scope: GroupScope,
): boolean {
  if (v.kind === 'identity') {
    const { fingerprint: fp, type } = identityInfoOf(v)
    return (
      scope.fellows(user, fp) ||
      graph.usersOfNode(fp, at).some((u) => scope.fellows(user, u)) ||
      (type === 'node' &&
        (scope.fellowsOf?.(user) ?? []).some((u) => graph.trustsBetween(u, fp, at).length > 0))
    )
  }
  if (!FELLOW_KINDS.has(v.kind) || !scope.fellows(user, v.header.user)) return false
  if (v.kind !== 'encrypted') return true
  // Only what is addressed to us: the envelope carries our routing tag (envelope.md §12).
  const data = v.data as { nonce?: unknown; routes?: unknown }
  if (typeof data.nonce !== 'string' || !Array.isArray(data.routes)) return false
  const tag = routeTag(scope.provider, fromBase64url(data.nonce), user)
  return (data.routes as unknown[]).includes(tag)
}

function closureAdmission(
  graph: TrustGraph,
  user: string,
  v: Verified,
  at: number,
): Refusal | undefined {
  const trusted = (u: string) => u === user || graph.trustsUser(user, u, at)
  // A user that replaced a member of the closure by a valid rotation (keys.md §5.4) is in it:
  // our contacts' new identities, and our own.
  const inClosure = (u: string) => trusted(u) || graph.predecessorsOf(u).some(trusted)
  if (v.kind === 'identity') {
    const { fingerprint: fp, type, rotation } = identityInfoOf(v)
    if (fp === user || graph.trustsBetween(user, fp, at).length > 0) return undefined
    // A new identity of a member, with a proof that holds against the identity we pinned.
    if (
      rotation !== undefined &&
      trusted(rotation.from) &&
      (rotation.prover === rotation.from ||
        rotation.proverCommitment === graph.recoveryOf(rotation.from))
    )
      return undefined
    // A node some user of the closure authorizes. A user our contacts trust is not enough:
    // their contacts are not ours.
    if (type === 'node')
      for (const u of [user, ...graph.trustedUsers(user, at)]) {
        const users = new Set([u, graph.currentOf(u)])
        for (const x of users) if (graph.trustsBetween(x, fp, at).length > 0) return undefined
      }
    return 'not_yet'
  }
  return inClosure(v.header.user) ? undefined : 'outside'
}
