/**
 * Rotating the user identity (docs/protocol/keys.md §5, docs/cli.md "Recovery and rotation").
 * A new identity key replaces the user's: planned with the old key (`sdmp identity rotate`),
 * or with the recovery words when the old key is lost (`sdmp identity recover`). The new
 * identity resource carries the proof; contacts' nodes check it against the identity they
 * pinned, follow it (their trust and contact entry move to the new identity) and stop trusting
 * the old one, so a thief holding the old key reaches nobody.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  decodeResource,
  generateSigningKey,
  recoveryCommitment,
  signRotation,
} from '@sdmp/core'
import type {
  Authorization,
  ContentData,
  DecodedResource,
  JsonObject,
  RotationKind,
  SigningKey,
} from '@sdmp/core'
import type { IdentityRotated } from '@sdmp/client'
import type { Account } from './account.js'
import { FULL_AUTHORIZATION } from './authorizations.js'
import { checkInvite, moveContact, readContacts } from './contacts.js'
import { readProfile } from './profile.js'
import type { ProfileInfo } from './profile.js'
import type { ContactEntry } from './contacts.js'
import { newRecoveryKey, recoveryKeyFromWords } from './recovery-words.js'

/** What a rotation or recovery did: the client contract's answer (docs/api.md). */
export type Rotated = IdentityRotated

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/** The authorizations of every trust in force from `grantor` to `trustee`, merged. */
function grantsOf(account: Account, grantor: string, trustee: string): Authorization[] {
  const set = new Set<Authorization>()
  for (const t of account.ingestor.graph.trustsBetween(grantor, trustee, account.now()))
    for (const a of t.authorization) set.add(a)
  return [...set].sort()
}

/** The name in the newest identity or profile of `user` this node holds, if any. */
function nameOf(account: Account, identity: DecodedResource | undefined): string | undefined {
  return (identity?.data as ContentData<'identity'> | undefined)?.name ?? account.config.name
}

/** The new identity resource of `next`, replacing `from` with a proof by `proving`. */
function rotatedIdentity(
  account: Account,
  next: SigningKey,
  from: string,
  proving: SigningKey,
  recovery: string | undefined,
  name: string | undefined,
): DecodedResource {
  const extra: JsonObject = {
    rotation: signRotation(account.provider, proving, from, next.fingerprint),
    ...(recovery !== undefined && { recovery }),
  }
  return account.identity(next, 'user', name, extra)
}

/**
 * The profile of the new identity: the old profile's display name, `about` and claimed address
 * (addresses.md §4: the address follows the rotation, so its pin can follow too), else `name`.
 */
function profileOf(
  account: Account,
  key: SigningKey,
  old: ProfileInfo | undefined,
  name: string | undefined,
): DecodedResource[] {
  const data: Omit<ProfileInfo, 'created' | 'id'> | undefined =
    old ?? (name === undefined ? undefined : { name })
  if (data === undefined) return []
  const carried = {
    name: data.name,
    ...(data.about !== undefined && { about: data.about }),
    ...(data.address !== undefined && { address: data.address }),
  }
  return [account.signWith(key, { kind: 'user', user: key.fingerprint, data: carried })]
}

/** A trust from the new identity, signed by its key. */
function trustFrom(
  account: Account,
  key: SigningKey,
  trustee: string,
  authorization: Authorization[],
) {
  return account.signWith(key, {
    kind: 'trust',
    user: key.fingerprint,
    data: { trustee, authorization },
  })
}

/**
 * `sdmp identity rotate`: replace the user key, proven by the old one. Every device and
 * contact in force is trusted again by the new identity with the same authorizations; revoked
 * devices are not (a revocation signed before the rotation still holds). The recovery
 * commitment is kept: the same words recover the new identity.
 * @throws FORBIDDEN on a device that does not hold the user key
 */
export async function rotateIdentity(account: Account): Promise<Rotated> {
  const previous = account.requireUser()
  const oldKey = account.userKey
  if (oldKey === undefined)
    return fail(
      ErrorCode.FORBIDDEN,
      'only the device holding your identity key can rotate it (the one that ran sdmp init); with the key lost, use sdmp identity recover',
    )
  const graph = account.ingestor.graph
  const now = account.now()
  const next = generateSigningKey(account.provider)
  const identityBytes = await account.store.getResource(graph.identity(previous)?.id ?? '')
  const oldIdentity = identityBytes && decodeResource(account.provider, identityBytes)
  const trusts = [
    ...graph.nodesOf(previous, now).map((n) => [n, grantsOf(account, previous, n)] as const),
    ...graph.trustedUsers(previous, now).map((u) => [u, grantsOf(account, previous, u)] as const),
  ].filter(([, grants]) => grants.length > 0)
  const name = nameOf(account, oldIdentity)
  const resources = [
    rotatedIdentity(account, next, previous, oldKey, graph.recoveryOf(previous), name),
    ...profileOf(account, next, await readProfile(account, previous), name),
    ...trusts.map(([trustee, grants]) => trustFrom(account, next, trustee, grants)),
  ]
  await account.publish(resources)
  await account.adoptUser(next.fingerprint, next)
  const devices = trusts.filter(([t]) => graph.identity(t)?.type === 'node').length
  return {
    user: next.fingerprint,
    previous,
    kind: 'key',
    devices,
    contacts: trusts.length - devices,
  }
}

/**
 * `sdmp identity recover INVITE`: on a device made with `init --join`, replace a lost identity
 * key with the recovery key of `words`. `invite` is any invite of the old identity (the one
 * given to contacts, or `sdmp contact invite NAME` on a contact's node): it supplies the
 * identity whose commitment the words must match. This device becomes the user's only device
 * (old devices are not trusted again: the lost one may be in a thief's hands); contacts follow
 * once they hold the new identity (its invite, or sync with a node that holds it).
 * @throws CONFLICT (this device already has a user), BAD_REQUEST (words not valid),
 *   FORBIDDEN (the words do not match that identity), every code of checkInvite
 */
export async function recoverIdentity(
  account: Account,
  request: { invite: string; words: string },
): Promise<Rotated> {
  if (account.user !== undefined)
    fail(
      ErrorCode.CONFLICT,
      'this device already belongs to a user: recover on a new device made with sdmp init --join',
    )
  const checked = checkInvite(account, request.invite)
  const recovery = recoveryKeyFromWords(account.provider, request.words)
  const identity = checked.resources.find(
    (v) => v.kind === 'identity' && v.header.user === checked.user,
  )!
  const commitment = (identity.data as ContentData<'identity'>).recovery
  if (
    commitment === undefined ||
    commitment !== recoveryCommitment(account.provider, recovery.publicKey)
  )
    fail(ErrorCode.FORBIDDEN, 'these recovery words do not belong to the identity of this invite')
  const profile = checked.resources.filter((v) => v.kind === 'user')
  await account.publish([identity, ...profile])
  const next = generateSigningKey(account.provider)
  const fresh = newRecoveryKey(account.provider)
  const name = checked.name
  await account.publish([
    rotatedIdentity(
      account,
      next,
      checked.user,
      recovery,
      recoveryCommitment(account.provider, fresh.key.publicKey),
      name,
    ),
    trustFrom(account, next, account.node, [...FULL_AUTHORIZATION]),
    ...profileOf(account, next, await readProfile(account, checked.user), name),
  ])
  await account.adoptUser(next.fingerprint, next)
  return {
    user: next.fingerprint,
    previous: checked.user,
    kind: 'recovery',
    devices: 1,
    contacts: 0,
    recoveryWords: fresh.words,
  }
}

/** A contact followed to its new identity. */
export interface FollowedContact {
  readonly name: string
  readonly from: string
  readonly to: string
}

/**
 * Follow the rotations this node has learned (keys.md §5.4): this device moves to its user's
 * new identity once that identity trusts it; each contact whose identity was replaced moves to
 * the new one, keeping its name: the new identity is trusted with what the old one was, and the
 * trusts to the old one are revoked (when this device may sign trusts; otherwise the device
 * that may does it, and this one gets the trust by sync). Idempotent.
 */
export async function followRotations(account: Account): Promise<FollowedContact[]> {
  const graph = account.ingestor.graph
  const now = account.now()
  const me = account.user
  if (me === undefined) return []
  const current = graph.currentOf(me)
  if (current !== me && graph.trustsBetween(current, account.node, now).length > 0)
    await account.adoptUser(current)
  const self = account.user!
  const followed: FollowedContact[] = []
  for (const c of await readContacts(account)) {
    const to = graph.currentOf(c.user)
    if (to === c.user || to === self) continue
    let trust = graph.trustsBetween(self, to, now, 'read_resource')[0]?.id
    const mayTrust = account.userKey !== undefined || account.nodeTrusts('create_trust').length > 0
    if (trust === undefined && mayTrust) {
      const grants = grantsOf(account, self, c.user)
      const t = account.signForUser(
        {
          kind: 'trust',
          data: { trustee: to, authorization: grants.length > 0 ? grants : ['read_resource'] },
        },
        'create_trust',
      )
      const old = graph.trustsBetween(self, c.user, now)
      const mayRevoke = account.userKey !== undefined || account.nodeTrusts('revoke').length > 0
      const revokes = mayRevoke
        ? old.map((o) =>
            account.signForUser(
              { kind: 'revoke', data: { resource: o.id, reason: 'identity rotated' } },
              'revoke',
            ),
          )
        : []
      await account.publish([t, ...revokes])
      trust = t.id
    }
    await moveContact(account, c.user, to, trust ?? '')
    followed.push({ name: c.name, from: c.user, to })
  }
  return followed
}

/**
 * `contact add` of an invite whose identity replaces a contact's (keys.md §5.4): store it and
 * follow the rotation. Undefined when the invite replaces no contact of ours.
 * @throws FORBIDDEN when it claims to replace a contact but its proof does not hold against
 *   the identity we pinned (a thief with the old key, or a forged recovery)
 */
export async function followInvite(
  account: Account,
  invite: string,
): Promise<
  (ContactEntry & { nodes: number; replaced: { from: string; kind: RotationKind } }) | undefined
> {
  const checked = checkInvite(account, invite)
  const identity = checked.resources.find(
    (v) => v.kind === 'identity' && v.header.user === checked.user,
  )
  const from = (identity?.data as ContentData<'identity'> | undefined)?.rotation?.from
  if (from === undefined) return undefined
  const contacts = await readContacts(account)
  const graph = account.ingestor.graph
  const known = contacts.find((c) => c.user === from || graph.predecessorsOf(c.user).includes(from))
  if (known === undefined) return undefined
  await account.publish(checked.resources)
  const kind = graph.successorOf(from)?.kind
  if (kind === undefined || graph.currentOf(known.user) !== checked.user)
    fail(
      ErrorCode.FORBIDDEN,
      `this invite claims to replace the identity of ${known.name}, but its proof does not match the identity you know: not added`,
    )
  await followRotations(account)
  const entry = (await readContacts(account)).find((c) => c.user === checked.user)!
  return { ...entry, nodes: checked.nodes.length, replaced: { from, kind: kind! } }
}
