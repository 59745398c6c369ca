/**
 * Delegation between users (docs/protocol/delegation.md; SDMP trust, SMXP delegation): our
 * user lets a contact send on its behalf (`send`) or read messages addressed to it (`read`),
 * with a signed `delegation` resource, limited in scope and time and revoked by an ordinary
 * `revoke`. The resource is public to the principal's contacts (it syncs like a trust), so the
 * delegate's nodes find it in their store and recipients can check its state against theirs.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  decodeResource,
  fromUtf8,
  utf8,
  validateResource,
} from '@sdmp/core'
import type { ContentData, DecodedResource, DelegationScope } from '@sdmp/core'
import type { Account } from './account.js'
import { requireContact } from './contact-names.js'
import { readContacts } from './contacts.js'

/** One delegation as this node knows it. */
export interface DelegationInfo {
  /** The `delegation` resource id. */
  readonly id: string
  /** Who delegated (`resource.user`). */
  readonly principal: string
  readonly delegate: string
  readonly scope: readonly DelegationScope[]
  /** Signed creation time, ms. */
  readonly created: number
  /** Exclusive end, ms; absent: until revoked. */
  readonly until?: number
  /** `active`, or why it no longer counts. */
  readonly state: 'active' | 'revoked' | 'expired'
}

/** Why a message sent on someone's behalf is refused (delegation.md §3). */
export type DelegationRefusal =
  | 'delegation-invalid'
  | 'delegation-mismatch'
  | 'delegation-revoked'
  | 'delegation-expired'

/** A delegation a message carries that passed every check: who the author acts for. */
export interface CheckedDelegation {
  readonly principal: string
  readonly id: string
}

function infoOf(account: Account, r: DecodedResource): DelegationInfo {
  const d = r.data as ContentData<'delegation'>
  const principal = r.header.user
  const state = account.ingestor.graph.isRevoked(r.id, principal)
    ? 'revoked'
    : d.expires !== undefined && account.now() >= d.expires
      ? 'expired'
      : 'active'
  return {
    id: r.id,
    principal,
    delegate: d.delegate,
    scope: [...d.scope],
    created: r.created,
    ...(d.expires !== undefined && { until: d.expires }),
    state,
  }
}

/** The delegations an account has read from its store, and how far (storedDelegations). */
interface ReadDelegations {
  /** `Ingestor.appendedOf('delegation')` when last read (-1: never). */
  read: number
  /** The journal position read up to. */
  after: number
  readonly list: DecodedResource[]
}

const readBy = new WeakMap<Account, ReadDelegations>()

/**
 * Every delegation stored here (by our user, to our user, or between contacts), oldest first.
 * Every send asks (readDelegates), so the list is kept per account and the store is read again
 * only when a delegation was stored since, from where the last read ended (issue 14).
 */
async function storedDelegations(account: Account): Promise<readonly DecodedResource[]> {
  const { store, provider, ingestor } = account
  const appended = ingestor.appendedOf('delegation')
  const seen = readBy.get(account) ?? { read: -1, after: 0, list: [] }
  readBy.set(account, seen)
  if (seen.read === appended) return seen.list
  for (;;) {
    const metas = await store.queryResources({
      kinds: ['delegation'],
      afterPosition: seen.after,
      limit: 500,
    })
    if (metas.length === 0) break
    for (const m of metas) {
      const bytes = await store.getResource(m.id)
      // A concurrent reader may have taken this one while the bytes were read.
      if (m.position <= seen.after) continue
      if (bytes) seen.list.push(decodeResource(provider, bytes))
      seen.after = m.position
    }
  }
  // The count was taken before the reads: a delegation stored meanwhile is read next time.
  seen.read = appended
  return seen.list
}

/** The delegations our user granted and those granted to it, newest first. */
export async function listDelegations(
  account: Account,
): Promise<{ granted: DelegationInfo[]; received: DelegationInfo[] }> {
  const me = account.requireUser()
  const all = (await storedDelegations(account)).map((r) => infoOf(account, r)).reverse()
  return {
    granted: all.filter((d) => d.principal === me),
    received: all.filter((d) => d.delegate === me && d.principal !== me),
  }
}

/**
 * Grant contact `ref` (a contact name) `scope` until `until` (ms, exclusive; none: until
 * revoked). Signed for our user under `create_trust` (delegation.md §1).
 * @throws NOT_FOUND (no such contact), BAD_REQUEST (a past `until`), FORBIDDEN (this device may
 *   not create trusts)
 */
export async function grantDelegation(
  account: Account,
  ref: string,
  scope: readonly DelegationScope[],
  until?: number,
): Promise<DelegationInfo> {
  account.requireUser()
  const contact = requireContact(await readContacts(account), ref)
  if (until !== undefined && (!Number.isSafeInteger(until) || until <= account.now()))
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'until: expected a time in the future')
  const r = account.signForUser(
    {
      kind: 'delegation',
      data: {
        delegate: contact.user,
        scope: [...new Set(scope)],
        ...(until !== undefined && { expires: new Date(until).toISOString() }),
      },
    },
    'create_trust',
  )
  await account.publish([r])
  return infoOf(account, r)
}

/**
 * Revoke every delegation of ours to contact `ref` that is still active, at once (a `revoke`
 * for each, delegation.md §5).
 * @returns the delegations revoked (empty when none was active)
 * @throws NOT_FOUND (no such contact), FORBIDDEN (this device may not revoke)
 */
export async function revokeDelegations(account: Account, ref: string): Promise<DelegationInfo[]> {
  const me = account.requireUser()
  const contact = requireContact(await readContacts(account), ref)
  const active = (await storedDelegations(account))
    .map((r) => infoOf(account, r))
    .filter((d) => d.principal === me && d.delegate === contact.user && d.state !== 'revoked')
  const revokes = active.map((d) =>
    account.signForUser({ kind: 'revoke', data: { resource: d.id } }, 'revoke'),
  )
  if (revokes.length > 0) await account.publish(revokes)
  return active.map((d) => ({ ...d, state: 'revoked' as const }))
}

/**
 * The newest active delegation of `scope` from `principal` to our user, as the canonical text a
 * message embeds.
 * @throws FORBIDDEN naming why none can be used (none, revoked, expired)
 */
export async function delegationFrom(
  account: Account,
  principal: string,
  scope: DelegationScope,
): Promise<{ text: string; info: DelegationInfo }> {
  const me = account.requireUser()
  const mine = (await storedDelegations(account))
    .filter((r) => r.header.user === principal)
    .map((r) => ({ r, info: infoOf(account, r) }))
    .filter(({ info }) => info.delegate === me && info.scope.includes(scope))
    .reverse()
  const active = mine.find(({ info }) => info.state === 'active')
  if (active === undefined) {
    const why = mine[0]?.info.state
    throw new ProtocolError(
      ErrorCode.FORBIDDEN,
      why === undefined
        ? `no delegation from ${principal} lets you ${scope} on their behalf here (sync first?)`
        : `your delegation from ${principal} was ${why === 'revoked' ? 'revoked' : 'expired'}`,
    )
  }
  return { text: fromUtf8(active.r.bytes), info: active.info }
}

/** The users who delegated `read` to our user and whose delegation is active now. */
export async function readPrincipals(account: Account): Promise<string[]> {
  const me = account.user
  if (me === undefined) return []
  const out = new Set<string>()
  for (const r of await storedDelegations(account)) {
    const info = infoOf(account, r)
    if (info.delegate === me && info.scope.includes('read') && info.state === 'active')
      out.add(info.principal)
  }
  return [...out]
}

/** The delegates to whom each of `users` delegated `read`, active now (senders add them). */
export async function readDelegates(account: Account, users: readonly string[]): Promise<string[]> {
  const out = new Set<string>()
  for (const r of await storedDelegations(account)) {
    const info = infoOf(account, r)
    if (users.includes(info.principal) && info.scope.includes('read') && info.state === 'active')
      out.add(info.delegate)
  }
  for (const u of users) out.delete(u)
  return [...out]
}

/**
 * Check the delegation a message by `author`, created at `created`, embeds (delegation.md §3),
 * against this node's own trust state now: the latest revocations it holds win.
 */
export function checkDelegation(
  account: Account,
  text: string,
  author: string,
  created: number,
): CheckedDelegation | DelegationRefusal {
  let r
  try {
    r = validateResource(account.provider, utf8(text), account.ingestor.graph, {
      now: account.now(),
    })
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e
    return e.code === ErrorCode.REVOKED ? 'delegation-revoked' : 'delegation-invalid'
  }
  if (r.kind !== 'delegation') return 'delegation-invalid'
  const d = r.data as ContentData<'delegation'>
  if (d.delegate !== author || !d.scope.includes('send') || r.header.user === author)
    return 'delegation-mismatch'
  if (d.expires !== undefined && created >= d.expires) return 'delegation-expired'
  return { principal: r.header.user, id: r.id }
}
