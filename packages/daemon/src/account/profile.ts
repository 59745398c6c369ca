/**
 * The user's profile (docs/protocol/schemas.md "user"): a public `user` resource carrying the
 * display name, signed for the user (by the user key at `init`, later by any device holding
 * `publish_resource`). It travels to contacts like every public resource of the user (sync.md
 * §8.5). A new version is an `update` that `replaces` the newest one (resource.md §3). Several
 * versions may be stored: the newest by signed creation time wins (then the greater id, so
 * every node picks the same one), whatever order they arrived in.
 * @module
 */
import type { ContentData, DecodedResource } from '@sdmp/core'
import type { Account } from './account.js'
import { storedResources } from './devices.js'

/** The newest profile of `user` this node holds, with its signing time (epoch ms). */
export interface ProfileInfo {
  readonly name: string
  readonly about?: string
  readonly created: number
  /** The resource id of this version (a new version `replaces` it). */
  readonly id: string
}

/**
 * The newest stored profile of `user`. Stored resources were verified when they were
 * ingested (their signer authorized for `user`), so an author's profile is only ever theirs.
 */
export async function readProfile(
  account: Account,
  user: string,
): Promise<ProfileInfo | undefined> {
  const found = await storedResources(account.store, { kinds: ['user'], user }, account.provider)
  let best: DecodedResource | undefined
  for (const r of found)
    if (
      r.header.user === user &&
      (best === undefined ||
        r.created > best.created ||
        (r.created === best.created && r.id > best.id))
    )
      best = r
  if (best === undefined) return undefined
  const data = best.data as ContentData<'user'>
  return {
    name: data.name,
    ...(data.about !== undefined && { about: data.about }),
    created: best.created,
    id: best.id,
  }
}

/**
 * Publish a new profile of this user with display name `name` (keeping `about`). Its
 * creation time is after the newest stored one, so it replaces it everywhere.
 * @throws FORBIDDEN (this device may not publish for its user), SCHEMA_VIOLATION
 */
export async function publishProfile(account: Account, name: string): Promise<ProfileInfo> {
  const me = account.requireUser()
  const old = await readProfile(account, me)
  // Signed creation times have millisecond resolution: a change within the same millisecond
  // as the old version must still sort after it.
  const created = Math.max(account.now(), (old?.created ?? 0) + 1)
  const data = { name, ...(old?.about !== undefined && { about: old.about }) }
  // resource.md §3: a new version is an `update` naming the version it replaces.
  const r = account.signForUser(
    { kind: 'user', data, created, ...(old && { action: 'update' as const, replaces: old.id }) },
    'publish_resource',
  )
  await account.publish([r])
  account.rename(name) // `whoami` reads config.json alone
  return { ...data, created: r.created, id: r.id }
}
