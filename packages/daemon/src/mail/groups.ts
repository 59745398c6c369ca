/**
 * Groups in the mailbox index (docs/protocol/groups.md): the latest version of each group this
 * user is or was in, applied by the reader rules of groups.md §4 (the id binds the admin, versions
 * only grow, members only from a version that names them), the membership events shown in the
 * group's chat, and the fellow-member relation that widens admission and relay (§5).
 * @module
 */
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import { isGroupIdOf } from '@sdmp/core'
import type { ContentData, CryptoProvider, Verified } from '@sdmp/core'
import type { MailBatch, MailRecords, MessageRecord } from './records.js'

/** Key of a group's state by its id. */
export const groupKey = (id: string) => `g:${id}`
/** The chat id of a group: `g-` and the group id (never a fingerprint list: 88 characters). */
export const groupChatId = (id: string) => `g-${id}`
const GROUP_CHAT = /^g-[A-Za-z0-9_-]{86}$/
/** The group id of a group chat id, or undefined. */
export function groupOfChatId(chat: unknown): string | undefined {
  return typeof chat === 'string' && GROUP_CHAT.test(chat) ? chat.slice(2) : undefined
}

/** The latest version of one group as this node applied it. */
export interface GroupState {
  readonly id: string
  readonly salt: string
  readonly name: string
  /** The admin: the user the id is bound to (groups.md §2). */
  readonly admin: string
  readonly version: number
  /** Current members' user fingerprints, in the version's order (the admin included). */
  readonly members: readonly string[]
  /** Creation time of the version, ms. */
  readonly updated: number
}

/** A membership change as its chat shows it ("Alice added Carol"). */
export interface GroupEvent {
  readonly kind: 'create' | 'add' | 'remove'
  /** Who was added or removed (empty for `create`). */
  readonly users: readonly string[]
  /** The admin who made the change. */
  readonly by: string
}

/** What a membership event's message says, with short ids (clients may show names instead). */
export function groupEventText(e: GroupEvent): string {
  const users = e.users.map((u) => u.slice(0, SHORT_ID_CHARS)).join(', ')
  if (e.kind === 'create') return `created the group${users === '' ? '' : ` with ${users}`}`
  return `${e.kind === 'add' ? 'added' : 'removed'} ${users}`
}

/** Why a group version or group message was refused (`mail.group-rejected` `reason`). */
export type GroupRejection =
  /** A version whose id is not bound to its signer: only the admin changes a group. */
  | 'NOT_ADMIN'
  /** A version not newer than the one applied. */
  | 'STALE'
  /** A message from a user who is not a member (or a version that does not concern us). */
  | 'NOT_MEMBER'
  /** A message naming a group this node does not know. */
  | 'UNKNOWN_GROUP'

/** What applying an opened `group` version found. */
export type GroupOutcome =
  | { readonly kind: 'rejected'; readonly reason: GroupRejection }
  | {
      readonly kind: 'applied'
      readonly state: GroupState
      readonly record: MessageRecord
      /** Ids of the other members' proof resources, to fetch when not stored (§4-§5). */
      readonly imports: readonly string[]
    }

/**
 * Apply an opened group version (groups.md §4) to `batch`: the new state and its membership
 * event (a record in the group's chat, not in the inbox lists).
 */
export async function applyGroupVersion(
  batch: MailBatch,
  provider: CryptoProvider,
  me: string,
  inner: Verified,
  outer: string,
  position: number,
): Promise<GroupOutcome> {
  const d = inner.data as ContentData<'group'>
  const author = inner.header.user
  if (!isGroupIdOf(provider, d, author)) return { kind: 'rejected', reason: 'NOT_ADMIN' }
  const known = await batch.get<GroupState>(groupKey(d.id))
  if (known !== undefined && d.version <= known.version)
    return { kind: 'rejected', reason: 'STALE' }
  const members = d.members.map((m) => m.user)
  // A version that neither names us nor removes us concerns another reader.
  if (!members.includes(me) && !known?.members.includes(me))
    return { kind: 'rejected', reason: 'NOT_MEMBER' }
  const state: GroupState = {
    id: d.id,
    salt: d.salt,
    name: d.name,
    admin: author,
    version: d.version,
    members,
    updated: inner.created,
  }
  batch.set(groupKey(d.id), state)
  const before = new Set(known?.members ?? [])
  const added = members.filter((u) => !before.has(u) && u !== author)
  const removed = [...before].filter((u) => !members.includes(u))
  const event: GroupEvent =
    known === undefined && d.version === 1
      ? { kind: 'create', users: added, by: author }
      : removed.length > 0
        ? { kind: 'remove', users: removed, by: author }
        : { kind: 'add', users: added, by: author }
  const record: MessageRecord = {
    id: inner.id,
    outer,
    from: author,
    to: members.filter((u) => u !== author),
    body: '',
    type: 'text',
    created: inner.created,
    conversation: inner.id,
    direction: author === me ? 'out' : 'in',
    position,
    group: { id: d.id, name: d.name },
    groupEvent: event,
  }
  const imports = members.includes(me)
    ? d.members.filter((m) => m.user !== me).flatMap((m) => m.proof)
    : []
  return { kind: 'applied', state, record, imports }
}

/**
 * Check a group message (groups.md §3): its author must be a member of the group as this node
 * knows it now. @returns the group's state, or why the message is refused
 */
export async function checkGroupMessage(
  batch: MailBatch,
  group: string,
  author: string,
): Promise<GroupState | GroupRejection> {
  const state = await batch.get<GroupState>(groupKey(group))
  if (state === undefined) return 'UNKNOWN_GROUP'
  return state.members.includes(author) ? state : 'NOT_MEMBER'
}

/**
 * The groups of this node in memory: every group's latest state, and for the groups our user
 * is in, who is in them, so that {@link fellows} (asked for every resource a peer sends or is
 * offered) is two map lookups.
 */
export class GroupBook {
  readonly #groups = new Map<string, GroupState>()
  /** User -> ids of the groups (that we are in) the user is in. */
  readonly #byUser = new Map<string, Set<string>>()
  readonly #user: () => string | undefined

  /** `user`: our user now (it changes with a rotation, keys.md §5). */
  constructor(user: () => string | undefined) {
    this.#user = user
  }

  get #me(): string | undefined {
    return this.#user()
  }

  /** Read every group state from the index. */
  async load(records: MailRecords): Promise<void> {
    let after = 'g:'
    for (;;) {
      const keys = await records.keysBetween(after, 'g;', 500)
      for (const key of keys) {
        const state = await records.get<GroupState>(key)
        if (state) this.note(state)
      }
      if (keys.length < 500) break
      after = keys[keys.length - 1]!
    }
  }

  /** Take a committed state (after an index batch). */
  note(state: GroupState): void {
    const previous = this.#groups.get(state.id)
    for (const u of previous?.members ?? []) this.#byUser.get(u)?.delete(state.id)
    this.#groups.set(state.id, state)
    if (this.#me === undefined || !state.members.includes(this.#me)) return
    for (const u of state.members) {
      let ids = this.#byUser.get(u)
      if (!ids) this.#byUser.set(u, (ids = new Set()))
      ids.add(state.id)
    }
  }

  /** Whether `a` and `b` are both members of one group our user is in (groups.md §5). */
  fellows(a: string, b: string): boolean {
    const ga = this.#byUser.get(a)
    const gb = this.#byUser.get(b)
    if (!ga || !gb) return false
    for (const id of ga) if (gb.has(id)) return true
    return false
  }

  /** The users sharing a group (that we are in) with `user`, `user` included. */
  fellowsOf(user: string): string[] {
    const out = new Set<string>()
    for (const id of this.#byUser.get(user) ?? [])
      for (const u of this.#groups.get(id)?.members ?? []) out.add(u)
    return [...out]
  }

  /** A group by id. */
  get(id: string): GroupState | undefined {
    return this.#groups.get(id)
  }

  /** Every known group, ours (current) first, then by name. */
  list(): GroupState[] {
    const me = this.#me
    const mine = (g: GroupState) => (me !== undefined && g.members.includes(me) ? 0 : 1)
    return [...this.#groups.values()].sort(
      (a, b) => mine(a) - mine(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
    )
  }

  /**
   * The groups named `name`: the ones we are in, or when none, the ones we were removed from
   * (so that a removed member is told it is no longer in it, not that it does not exist).
   */
  named(name: string): GroupState[] {
    const me = this.#me
    const all = this.list().filter((g) => g.name === name)
    const current = all.filter((g) => me !== undefined && g.members.includes(me))
    return current.length > 0 ? current : all
  }

  /** Whether we are in a group named `name`. */
  hasCurrent(name: string): boolean {
    const me = this.#me
    return this.named(name).some((g) => me !== undefined && g.members.includes(me))
  }
}
