/**
 * The rotations of user identities a trust graph has verified, and which one is in force
 * (docs/protocol/keys.md §5.3): pinned recovery commitments, competing rotations ranked, chains
 * followed. Kept apart from {@link TrustGraph}, which owns one and answers through it.
 * @module
 */
import type { RotationKind } from '../identity/rotation.js'
import type { IdentityInfo } from './trust-graph.js'

/** Longest chain of identity rotations followed (keys.md §5.3). */
const MAX_ROTATION_DEPTH = 8

/** A rotation in force: the identity that replaces a user's, and how it was proven. */
export interface Succession {
  readonly to: string
  readonly kind: RotationKind
  /** Resource id of the replacing identity resource. */
  readonly id: string
  readonly created: number
}

/** Order of competing rotations: recovery first, then earliest, then smallest id. */
const before = (a: Succession, b: Succession): boolean =>
  a.kind !== b.kind
    ? a.kind === 'recovery'
    : a.created !== b.created
      ? a.created < b.created
      : a.id < b.id

/** The rotation log of one trust graph. */
export class RotationLog {
  /**
   * The recovery commitment of each identity as first seen here (keys.md §5.3). Later identity
   * resources of the same key cannot change it: a thief holding the identity key must not be
   * able to swap in a recovery key of its own.
   */
  #pinned = new Map<string, string | null>()
  /** Replaced identity -> identity resource id -> the replacing identity and its proof. */
  #rotations = new Map<string, Map<string, IdentityInfo>>()
  /** Replacing identity -> the identities it claims to replace. */
  #rotatedFrom = new Map<string, Set<string>>()

  readonly #isUser: (fp: string) => boolean

  /** @param isUser whether a fingerprint is a known user identity (the graph's answer) */
  constructor(isUser: (fp: string) => boolean) {
    this.#isUser = isUser
  }

  /** Record a verified identity: its commitment if first seen, its rotation if any. */
  record(info: IdentityInfo): void {
    if (!this.#pinned.has(info.fingerprint))
      this.#pinned.set(info.fingerprint, info.recovery ?? null)
    if (info.rotation !== undefined && info.type === 'user') {
      let byId = this.#rotations.get(info.rotation.from)
      if (!byId) this.#rotations.set(info.rotation.from, (byId = new Map()))
      byId.set(info.id, Object.freeze({ ...info }))
      let from = this.#rotatedFrom.get(info.fingerprint)
      if (!from) this.#rotatedFrom.set(info.fingerprint, (from = new Set()))
      from.add(info.rotation.from)
    }
  }

  /** The recovery commitment of `fp` as first seen here (keys.md §5.3). */
  recoveryOf(fp: string): string | undefined {
    return this.#pinned.get(fp) ?? undefined
  }

  /**
   * The identity that replaces user `from`, if a valid rotation is known (keys.md §5.3): proven
   * by `from`'s own key (`key`) or by the recovery key of its pinned commitment (`recovery`).
   * Among several, a recovery wins over a key rotation (a stolen identity key cannot outrun the
   * recovery key), then the earliest `created`, then the smallest resource id.
   */
  successorOf(from: string): Succession | undefined {
    const commitment = this.#pinned.get(from) ?? undefined
    let best: Succession | undefined
    for (const info of this.#rotations.get(from)?.values() ?? []) {
      const r = info.rotation!
      const kind: RotationKind | undefined =
        r.prover === from
          ? 'key'
          : commitment !== undefined && r.proverCommitment === commitment
            ? 'recovery'
            : undefined
      if (kind === undefined || !this.#isUser(from)) continue
      const c: Succession = { to: info.fingerprint, kind, id: info.id, created: info.created }
      if (best === undefined || before(c, best)) best = c
    }
    return best
  }

  /** The identity in force for `user`: `user` itself or the end of its rotations. */
  currentOf(user: string): string {
    let u = user
    for (let i = 0; i < MAX_ROTATION_DEPTH; i++) {
      const next = this.successorOf(u)?.to
      if (next === undefined || next === user) return u
      u = next
    }
    return u
  }

  /** The identities `user` replaced, most recent first (its rotation chain backwards). */
  predecessorsOf(user: string): string[] {
    const out: string[] = []
    let u = user
    for (let i = 0; i < MAX_ROTATION_DEPTH; i++) {
      const to = u
      const from = [...(this.#rotatedFrom.get(to) ?? [])].find(
        (f) => this.successorOf(f)?.to === to,
      )
      if (from === undefined || from === user || out.includes(from)) break
      out.push(from)
      u = from
    }
    return out
  }
}
