/**
 * Trust evaluation (docs/protocol/trust.md): who may publish, read and revoke for whom, and
 * which nodes may connect. Built from verified identity, trust and revoke resources, fed in any
 * order: a revocation wins over the trust it names whenever it arrives.
 * @module
 */
import type { RotationInfo } from '../identity/rotation.js'
import { RotationLog } from './rotation-log.js'
export type { Succession } from './rotation-log.js'
import type { Succession } from './rotation-log.js'
import type { Authorization } from '../resource/schemas.js'

/** Clock skew tolerated on `created` timestamps, in ms (docs/protocol/trust.md §5). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
/** Longest chain of delegated trusts (node with create_trust issuing trusts) followed. */
const MAX_DELEGATION_DEPTH = 4
/** Longest chain of revocations of revocations followed. */
const MAX_REVOCATION_DEPTH = 8

/** A known identity key. */
export interface IdentityInfo {
  readonly fingerprint: string
  readonly type: 'user' | 'node'
  readonly publicKey: Uint8Array
  readonly expires?: number
  /** Resource id of the identity resource. */
  readonly id: string
  /** `sdmp.created` of the identity resource; the newest identity of a key is the one in force. */
  readonly created: number
  /** `identity.recovery`: the commitment to this user's recovery key (keys.md §4). */
  readonly recovery?: string
  /** `identity.rotation`: the identity this one replaces, and who proved it (keys.md §5). */
  readonly rotation?: RotationInfo
}

/** A validated trust edge. */
export interface TrustInfo {
  /** Resource id of the trust. */
  readonly id: string
  /** The user on whose behalf the trust was issued. */
  readonly grantor: string
  readonly trustee: string
  readonly authorization: readonly Authorization[]
  readonly expires?: number
  /** The trust that let a node sign this one (delegation), if not signed by the user. */
  readonly via?: string
  readonly created: number
}

/** The answer to an authorization question: ok, or a reason code and message. */
export type Decision =
  | { readonly ok: true; readonly trust?: string }
  | {
      readonly ok: false
      readonly code: 'UNAUTHORIZED_SIGNER' | 'EXPIRED' | 'REVOKED'
      readonly reason: string
    }

const deny = (code: 'UNAUTHORIZED_SIGNER' | 'EXPIRED' | 'REVOKED', reason: string): Decision => ({
  ok: false,
  code,
  reason,
})

/** A read-only view of trust used by resource validation. */
export interface TrustView {
  identity(fingerprint: string): IdentityInfo | undefined
  /** May `signer` sign a resource for `user` that needs `need`, created at `created`? */
  authorize(q: {
    signer: string
    user: string
    trust?: string
    need: Authorization | 'any'
    created: number
  }): Decision
  /** Has `user` (the user the resource was published for) revoked `resourceId`? */
  isRevoked(resourceId: string, user: string): boolean
}

/**
 * The in-memory trust graph. Feed it verified resources (see `validateResource`); ask it
 * questions. It never throws for unknown fingerprints: unknown means "not authorized".
 */
export class TrustGraph implements TrustView {
  #identities = new Map<string, IdentityInfo>()
  #trusts = new Map<string, TrustInfo>()
  #byTrustee = new Map<string, Set<string>>()
  /**
   * Revoked resource id -> revoking user -> ids of the revoke resources. Kept even when the
   * target has not arrived yet. A revocation counts only for resources published for the same
   * user, and only while it is not itself revoked, so any arrival order gives the same state.
   */
  #revoked = new Map<string, Map<string, Set<string>>>()
  /** Identity revocations signed by the user's own key (the only ones that kill an identity). */
  #selfRevoked = new Set<string>()
  /** Rotations of user identities and pinned recovery commitments (keys.md §5.3). */
  readonly #rotations = new RotationLog((fp) => this.#identities.get(fp)?.type === 'user')
  /**
   * Record a verified identity. Several identity resources may exist for one key (a new name or
   * expiry); the newest by (created, id) is in force, whatever order they arrive in.
   */
  addIdentity(info: IdentityInfo): void {
    this.#rotations.record(info)
    const current = this.#identities.get(info.fingerprint)
    if (
      current &&
      (current.created > info.created ||
        (current.created === info.created && current.id >= info.id))
    )
      return
    this.#identities.set(info.fingerprint, Object.freeze({ ...info }))
  }

  /**
   * Record a verified trust. A delegated trust (signed by a node holding create_trust) never
   * grants more than the delegating trust holds (docs/protocol/trust.md §3).
   */
  addTrust(info: TrustInfo): void {
    if (this.#trusts.has(info.id)) return
    const via = info.via === undefined ? undefined : this.#trusts.get(info.via)
    const authorization = via
      ? info.authorization.filter((a) => via.authorization.includes(a))
      : info.authorization
    this.#trusts.set(
      info.id,
      Object.freeze({ ...info, authorization: Object.freeze([...authorization]) }),
    )
    let set = this.#byTrustee.get(info.trustee)
    if (!set) this.#byTrustee.set(info.trustee, (set = new Set()))
    set.add(info.id)
  }

  /**
   * Record a verified revoke resource `id` by `user` against `target` (a trust, an identity, a
   * revoke or any resource). `bySelf`: signed by the user's own key, required to revoke the
   * user's identity itself (a stolen device must not be able to kill the identity).
   */
  addRevocation(r: { target: string; user: string; id: string; bySelf: boolean }): void {
    let byUser = this.#revoked.get(r.target)
    if (!byUser) this.#revoked.set(r.target, (byUser = new Map()))
    let ids = byUser.get(r.user)
    if (!ids) byUser.set(r.user, (ids = new Set()))
    ids.add(r.id)
    if (r.bySelf) this.#selfRevoked.add(r.id)
  }

  identity(fingerprint: string): IdentityInfo | undefined {
    return this.#identities.get(fingerprint)
  }

  /** The recovery commitment of `fp` as first seen here (keys.md §5.3). */
  recoveryOf(fp: string): string | undefined {
    return this.#rotations.recoveryOf(fp)
  }

  /** The identity that replaces user `from`, if a valid rotation is known (keys.md §5.3). */
  successorOf(from: string): Succession | undefined {
    return this.#rotations.successorOf(from)
  }

  /** The identity in force for `user`: `user` itself or the end of its rotations. */
  currentOf(user: string): string {
    return this.#rotations.currentOf(user)
  }

  /** The identities `user` replaced, most recent first. */
  predecessorsOf(user: string): string[] {
    return this.#rotations.predecessorsOf(user)
  }

  trust(id: string): TrustInfo | undefined {
    return this.#trusts.get(id)
  }

  isRevoked(resourceId: string, user: string, depth = 0): boolean {
    const ids = this.#revoked.get(resourceId)?.get(user)
    if (!ids || depth > MAX_REVOCATION_DEPTH) return false
    // In force when at least one of its revocations is not itself revoked (revoke of a revoke).
    for (const id of ids) if (!this.isRevoked(id, user, depth + 1)) return true
    return false
  }

  /** Is the user identity `fp` (resource `id`) revoked by a revocation its own key signed? */
  #identityRevoked(id: string, fp: string): boolean {
    const ids = this.#revoked.get(id)?.get(fp)
    if (!ids) return false
    for (const r of ids) if (this.#selfRevoked.has(r) && !this.isRevoked(r, fp, 1)) return true
    return false
  }

  /** Is the identity known, unrevoked and unexpired at `at`? */
  #identityValid(fp: string, at: number): Decision {
    const id = this.#identities.get(fp)
    if (!id) return deny('UNAUTHORIZED_SIGNER', 'unknown identity')
    if (this.#identityRevoked(id.id, fp)) return deny('REVOKED', 'identity revoked')
    if (id.expires !== undefined && at >= id.expires) return deny('EXPIRED', 'identity expired')
    return { ok: true }
  }

  /**
   * Is trust `id` in force for an act at time `at`: not revoked (nor any trust it was
   * delegated through), not expired at `at`, and its grantor identity valid?
   */
  #trustValid(t: TrustInfo, at: number, depth = 0): Decision {
    if (this.isRevoked(t.id, t.grantor)) return deny('REVOKED', 'trust revoked')
    if (t.expires !== undefined && at >= t.expires) return deny('EXPIRED', 'trust expired')
    const grantor = this.#identityValid(t.grantor, at)
    if (!grantor.ok) return grantor
    if (t.via !== undefined) {
      const via = this.#trusts.get(t.via)
      if (!via || depth >= MAX_DELEGATION_DEPTH)
        return deny('UNAUTHORIZED_SIGNER', 'delegating trust unknown')
      return this.#trustValid(via, at, depth + 1)
    }
    return { ok: true }
  }

  authorize(q: {
    signer: string
    user: string
    trust?: string
    need: Authorization | 'any'
    created: number
  }): Decision {
    const signer = this.#identityValid(q.signer, q.created)
    if (!signer.ok) return signer
    if (q.signer === q.user) {
      // The user's own key may do anything for itself.
      return this.#identities.get(q.user)?.type === 'user'
        ? { ok: true }
        : deny('UNAUTHORIZED_SIGNER', 'a node cannot publish as itself')
    }
    if (q.trust === undefined)
      return deny('UNAUTHORIZED_SIGNER', 'a node signature needs resource.trust')
    const t = this.#trusts.get(q.trust)
    if (!t) return deny('UNAUTHORIZED_SIGNER', 'authorizing trust unknown')
    if (t.grantor !== q.user || t.trustee !== q.signer)
      return deny('UNAUTHORIZED_SIGNER', 'trust does not name this user and signer')
    if (q.need !== 'any' && !t.authorization.includes(q.need))
      return deny('UNAUTHORIZED_SIGNER', `trust lacks ${q.need}`)
    const valid = this.#trustValid(t, q.created)
    return valid.ok ? { ok: true, trust: t.id } : valid
  }

  /** The trusts in force from `grantor` to `trustee` at `at` that include `need` (or any). */
  trustsBetween(
    grantor: string,
    trustee: string,
    at: number,
    need: Authorization | 'any' = 'any',
  ): TrustInfo[] {
    const out: TrustInfo[] = []
    for (const id of this.#byTrustee.get(trustee) ?? []) {
      const t = this.#trusts.get(id)!
      if (t.grantor !== grantor) continue
      if (need !== 'any' && !t.authorization.includes(need)) continue
      if (this.#trustValid(t, at).ok) out.push(t)
    }
    return out
  }

  /**
   * Has `grantor` ever granted `trustee` a trust with `need` that this graph holds, in force or
   * not (revoked, expired)? Tells "they removed us" from "they never added us"
   * (docs/messaging.md "Delivery states").
   */
  everTrusted(grantor: string, trustee: string, need: Authorization | 'any' = 'any'): boolean {
    for (const id of this.#byTrustee.get(trustee) ?? []) {
      const t = this.#trusts.get(id)!
      if (t.grantor === grantor && (need === 'any' || t.authorization.includes(need))) return true
    }
    return false
  }

  /**
   * May node `node` act for `user` at `at`: 'publish' (publish_resource), 'read'
   * (read_encrypted: it is a recipient of the user's private data), 'revoke', 'create_trust'?
   * @example graph.mayAct(nodeFp, userFp, 'publish', Date.now())
   */
  mayAct(
    node: string,
    user: string,
    action: 'publish' | 'read' | 'revoke' | 'create_trust',
    at: number,
  ): boolean {
    const need: Authorization =
      action === 'publish' ? 'publish_resource' : action === 'read' ? 'read_encrypted' : action
    if (!this.#identityValid(node, at).ok) return false
    return this.trustsBetween(user, node, at, need).length > 0
  }

  /** Is `node` a device of `user` at `at` (any trust in force)? Host-only nodes count. */
  isNodeOf(node: string, user: string, at: number): boolean {
    return this.#identityValid(node, at).ok && this.trustsBetween(user, node, at).length > 0
  }

  /** The users that authorize `node` at `at` (normally exactly one). */
  usersOfNode(node: string, at: number): string[] {
    if (this.#identities.get(node)?.type !== 'node' || !this.#identityValid(node, at).ok) return []
    const users = new Set<string>()
    for (const id of this.#byTrustee.get(node) ?? []) {
      const t = this.#trusts.get(id)!
      if (this.#identities.get(t.grantor)?.type === 'user' && this.#trustValid(t, at).ok)
        users.add(t.grantor)
    }
    return [...users].sort()
  }

  /** Does `user` trust `other` as a contact (read_resource) at `at`? */
  trustsUser(user: string, other: string, at: number): boolean {
    return (
      this.#identityValid(other, at).ok &&
      this.trustsBetween(user, other, at, 'read_resource').length > 0
    )
  }

  /**
   * May nodes A and B connect (docs/protocol/trust.md §4)? Each node must be authorized by its
   * user and, for different users, the two users must trust each other (both directions).
   */
  mayConnect(
    a: { node: string; user: string },
    b: { node: string; user: string },
    at: number,
  ): Decision {
    if (!this.isNodeOf(a.node, a.user, at))
      return deny('UNAUTHORIZED_SIGNER', 'node a is not authorized by its user')
    if (!this.isNodeOf(b.node, b.user, at))
      return deny('UNAUTHORIZED_SIGNER', 'node b is not authorized by its user')
    if (a.user === b.user) return { ok: true }
    if (!this.trustsUser(a.user, b.user, at))
      return deny('UNAUTHORIZED_SIGNER', 'user a does not trust user b')
    if (!this.trustsUser(b.user, a.user, at))
      return deny('UNAUTHORIZED_SIGNER', 'user b does not trust user a')
    return { ok: true }
  }

  /**
   * Does this node's side consent to a connection with `peer` (trust.md §4)? Both nodes must be
   * authorized by their users, and `self.user` must be `peer.user` or trust it. The peer's node
   * asks the same question for its own user, so a connection stands only when both users trust
   * each other, each direction checked by the side whose consent it is. Unlike
   * {@link mayConnect}, it never waits for the peer's trust to have arrived here first, which
   * would deadlock two new contacts whose trusts can only travel over that connection.
   */
  mayAccept(
    self: { node: string; user: string },
    peer: { node: string; user: string },
    at: number,
  ): Decision {
    if (!this.isNodeOf(self.node, self.user, at))
      return deny('UNAUTHORIZED_SIGNER', 'this node is not authorized by its user')
    if (!this.isNodeOf(peer.node, peer.user, at))
      return deny('UNAUTHORIZED_SIGNER', 'the peer node is not authorized by its user')
    if (self.user === peer.user || this.trustsUser(self.user, peer.user, at)) return { ok: true }
    return deny('UNAUTHORIZED_SIGNER', 'this user does not trust the peer user')
  }

  /** The nodes of `user` that hold read_encrypted at `at`: the recipients of its private data. */
  readersOf(user: string, at: number): string[] {
    const out: string[] = []
    for (const [fp, info] of this.#identities) {
      if (info.type === 'node' && this.mayAct(fp, user, 'read', at)) out.push(fp)
    }
    return out.sort()
  }

  /**
   * The users `user` trusts (read_resource) at `at`: its contacts as the trust log says, e.g.
   * for choosing which users' nodes to connect to.
   */
  trustedUsers(user: string, at: number): string[] {
    const out: string[] = []
    for (const [fp, info] of this.#identities)
      if (info.type === 'user' && fp !== user && this.trustsUser(user, fp, at)) out.push(fp)
    return out.sort()
  }

  /** Every node authorized by `user` at `at` (for device lists). */
  nodesOf(user: string, at: number): string[] {
    const out: string[] = []
    for (const [fp, info] of this.#identities)
      if (info.type === 'node' && this.isNodeOf(fp, user, at)) out.push(fp)
    return out.sort()
  }
}
