/**
 * Administering groups (docs/protocol/groups.md §2, §4): the admin's node signs each version
 * of a group for its user (create, add, remove), naming by id every member's proof (the
 * identity, trust and prekey resources that let members who are not each other's contacts
 * verify and reach each other; fellows fetch them from the admin's node, §5), seals it once to
 * every member's reading nodes (and a removed member's, so that it learns of its removal), and
 * waits until it is indexed here.
 * @module
 */
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import {
  ErrorCode,
  GROUP_SALT_BYTES,
  LIMITS,
  ProtocolError,
  decodeResource,
  groupIdOf,
  toBase64url,
} from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { GroupBook, GroupState } from './groups.js'
import type { PrekeyBook } from './prekeys.js'
import { publishSealed } from './sender.js'
import type { SendRequest } from './sender.js'

/** What a group change needs of the mailbox. */
export interface GroupContext {
  readonly account: Account
  readonly book: PrekeyBook
  readonly groups: GroupBook
  waitProcessed(position: number): Promise<void>
}

/** How deep a chain of delegated trusts is followed for a proof (trust.md §7). */
const MAX_TRUST_DEPTH = 4

const short = (u: string) => u.slice(0, SHORT_ID_CHARS)

/**
 * The group `ref` names among ours: its id, or the name of exactly one group we are in.
 * @throws NOT_FOUND, CONFLICT (several groups of that name: use the id)
 */
export function resolveGroup(groups: GroupBook, ref: string): GroupState {
  const byId = groups.get(ref)
  if (byId) return byId
  const named = groups.named(ref)
  if (named.length === 1) return named[0]!
  if (named.length === 0)
    throw new ProtocolError(
      ErrorCode.NOT_FOUND,
      `group ${JSON.stringify(ref.slice(0, 64))}: not found`,
    )
  throw new ProtocolError(
    ErrorCode.CONFLICT,
    `group name ${JSON.stringify(ref)} is ambiguous (${named.length} groups): use its id`,
  )
}

/**
 * Create a group of `members` (contacts' user fingerprints), administered by our user.
 * @throws BAD_REQUEST (name, count), CONFLICT (a group of ours has that name), FORBIDDEN (not a
 *   contact), NOT_FOUND (a member's proof or prekey is not here yet), LIMIT_EXCEEDED
 */
export async function createGroup(
  ctx: GroupContext,
  name: string,
  members: readonly string[],
): Promise<GroupState> {
  const me = ctx.account.requireUser()
  if (name.length === 0 || name.length > 64)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'group.name: expected 1..64 characters')
  if (ctx.groups.hasCurrent(name))
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `you are in a group named ${JSON.stringify(name)} already`,
    )
  const salt = toBase64url(ctx.account.provider.randomBytes(GROUP_SALT_BYTES))
  const id = groupIdOf(ctx.account.provider, me, salt)
  const all = [me, ...new Set(members.filter((u) => u !== me))]
  return publishVersion(ctx, { id, salt, name, version: 1 }, all, [])
}

/**
 * Add (`add`) or remove a member of a group we administer: a new version.
 * @throws FORBIDDEN (not the admin; not a contact), CONFLICT (already / not a member),
 *   NOT_FOUND, LIMIT_EXCEEDED
 */
export async function changeMembers(
  ctx: GroupContext,
  group: GroupState,
  user: string,
  add: boolean,
): Promise<GroupState> {
  const me = ctx.account.requireUser()
  if (group.admin !== me || !group.members.includes(me))
    throw new ProtocolError(
      ErrorCode.FORBIDDEN,
      `group ${group.name}: only its admin (${short(group.admin)}) changes its members`,
    )
  const isMember = group.members.includes(user)
  if (add === isMember)
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `${short(user)} is ${add ? 'already' : 'not'} a member of ${group.name}`,
    )
  if (!add && user === me)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'the admin cannot remove itself')
  const members = add ? [...group.members, user] : group.members.filter((u) => u !== user)
  const next = { id: group.id, salt: group.salt, name: group.name, version: group.version + 1 }
  return publishVersion(ctx, next, members, add ? [] : [user])
}

/** Sign, seal and publish one version; resolves once it is indexed here. */
async function publishVersion(
  ctx: GroupContext,
  head: { id: string; salt: string; name: string; version: number },
  members: readonly string[],
  removed: readonly string[],
): Promise<GroupState> {
  const { account, book } = ctx
  const me = account.requireUser()
  if (members.length > LIMITS.maxGroupMembers)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `group: at most ${LIMITS.maxGroupMembers} members`,
    )
  const now = account.now()
  for (const u of members)
    if (u !== me && !account.ingestor.graph.trustsUser(me, u, now))
      throw new ProtocolError(
        ErrorCode.FORBIDDEN,
        `${short(u)} is not a contact: only contacts can be added to a group`,
      )
  const entries = []
  for (const user of members) entries.push({ user, proof: await memberProof(ctx, user) })
  const inner = account.signForUser(
    { kind: 'group', data: { ...head, members: entries } },
    'publish_resource',
  )
  // Every current member must be able to open it; a removed member is told if it can be.
  const keys = await book.requireRecipients(members)
  const { keys: gone } = await book.recipientsOf(removed)
  const readers = [...members, ...removed]
  const { position } = await publishSealed(account, inner, [...keys, ...gone], readers)
  await ctx.waitProcessed(position)
  return ctx.groups.get(head.id)!
}

/**
 * The proof of one member (groups.md §2), by resource id: its user identity and, for each of
 * its nodes, the node's identity, the trusts from the user that authorize it (with the trusts
 * they were delegated through) and its newest unexpired prekey: what a member that is not its
 * contact needs to verify its messages and to seal to it. Only ids: the resources travel
 * apart (§5), so that a version stays small.
 * @throws NOT_FOUND (its identity is not stored here), LIMIT_EXCEEDED (too many devices)
 */
export async function memberProof(ctx: GroupContext, user: string): Promise<string[]> {
  const { account } = ctx
  const { store, provider } = account
  const graph = account.ingestor.graph
  const now = account.now()
  const ids: string[] = []
  const add = (id: string | undefined) => {
    if (id !== undefined && !ids.includes(id)) ids.push(id)
  }
  const identity = graph.identity(user)?.id
  if (identity === undefined)
    throw new ProtocolError(ErrorCode.NOT_FOUND, `the identity of ${short(user)} is not here`)
  add(identity)
  const nodes = graph.nodesOf(user, now)
  for (const node of nodes) {
    add(graph.identity(node)?.id)
    for (const t of graph.trustsBetween(user, node, now)) {
      let trust: typeof t | undefined = t
      for (let depth = 0; trust !== undefined && depth <= MAX_TRUST_DEPTH; depth++) {
        add(trust.id)
        trust = trust.via === undefined ? undefined : graph.trust(trust.via)
      }
    }
  }
  // The newest unexpired prekey of each of its nodes.
  const newest = new Map<string, { id: string; created: number }>()
  for (const m of await store.queryResources({ kinds: ['prekey'], user, limit: 10_000 })) {
    const bytes = await store.getResource(m.id)
    if (!bytes) continue
    const r = decodeResource(provider, bytes)
    const node = r.signatures[0]?.kid
    const expires = (r.data as ContentData<'prekey'>).expires
    if (node === undefined || !nodes.includes(node) || expires <= now) continue
    const best = newest.get(node)
    if (!best || r.created > best.created) newest.set(node, { id: r.id, created: r.created })
  }
  for (const { id } of newest.values()) add(id)
  if (ids.length > LIMITS.maxGroupMemberProof)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `group: ${short(user)} has too many devices for one group entry`,
    )
  return ids
}

/**
 * `req` addressed to every other current member of `group` (groups.md §3), for `me`.
 * @throws FORBIDDEN (we are not a member), BAD_REQUEST (nobody else is)
 */
export function toGroup(me: string, group: GroupState, req: SendRequest): SendRequest {
  if (!group.members.includes(me))
    throw new ProtocolError(ErrorCode.FORBIDDEN, `you are not a member of group ${group.name}`)
  const to = group.members.filter((u) => u !== me)
  if (to.length === 0)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `group ${group.name} has no other member`)
  return { ...req, to, group: group.id }
}

/**
 * Learning fellow members' keys (groups.md §4-§5): after a version is applied, the proof
 * resources it names and this node lacks are fetched from connected peers (the admin's node
 * serves them under the group rule). They are validated like any resource (a forged one does
 * not verify and is not stored); from then on the trust graph verifies the fellows' messages
 * and the prekey book seals to them. One fetch at a time, in the order versions were applied;
 * a group send waits for {@link settled}.
 */
export class FellowKeys {
  #pending: Promise<void> = Promise.resolve()
  readonly #account: Account
  readonly #fetch: (ids: readonly string[]) => Promise<void>
  readonly #onError: (e: unknown) => void

  constructor(
    account: Account,
    fetch: (ids: readonly string[]) => Promise<void>,
    onError: (e: unknown) => void,
  ) {
    this.#account = account
    this.#fetch = fetch
    this.#onError = onError
  }

  /** Fetch the resources `ids` names that are not stored here. */
  learn(ids: readonly string[]): void {
    if (ids.length === 0) return
    this.#pending = this.#pending.then(async () => {
      try {
        if (this.#account.revoked !== undefined) return
        const wanted = [...new Set(ids)]
        const have = await this.#account.store.hasResources(wanted)
        const missing = wanted.filter((_, i) => !have[i])
        if (missing.length > 0) await this.#fetch(missing)
      } catch (e) {
        this.#onError(e)
      }
    })
  }

  /** Resolves once every resource learnt of so far is stored, or given up. */
  settled(): Promise<void> {
    return this.#pending
  }
}
