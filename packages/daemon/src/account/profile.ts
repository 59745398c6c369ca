/**
 * The user's profile (docs/protocol/schemas.md "user"): a public `user` resource carrying the
 * display name, signed for the user (by the user key at `init`, later by any device holding
 * `publish_resource`). It travels to contacts like every public resource of the user (sync.md
 * §8.5). A new version is an `update` that `replaces` the newest one (resource.md §3). Several
 * versions may be stored: the newest by signed creation time wins (then the greater id, so
 * every node picks the same one), whatever order they arrived in.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { ContentData, DecodedResource } from '@sdmp/core'
import type { Account, AccountDeps } from './account.js'
import { homePaths, readHomeConfig } from './home-files.js'
import { storedResources } from './devices.js'

/** The newest profile of `user` this node holds, with its signing time (epoch ms). */
export interface ProfileInfo {
  readonly name: string
  readonly about?: string
  /** The name@domain the user claims (docs/protocol/addresses.md §2). */
  readonly address?: string
  readonly created: number
  /** The resource id of this version (a new version `replaces` it). */
  readonly id: string
}

/**
 * The newest stored profile of `user`. Stored resources were verified when they were
 * ingested (their signer authorized for `user`), so an author's profile is only ever theirs.
 */
export async function readProfile(
  account: Pick<Account, 'store' | 'provider'>,
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
    ...(data.address !== undefined && { address: data.address }),
    created: best.created,
    id: best.id,
  }
}

/**
 * The newest profile of `user` in the store of a home, opened on its own: no vault, so no
 * passphrase (a profile is public). `sdmp whoami` uses it when no daemon runs, so the name and
 * address claimed on another device show once they arrived by sync (addresses.md §2).
 * @throws IN_USE (another process holds the store), INCOMPATIBLE_STORE
 */
export async function readHomeProfile(
  deps: Pick<AccountDeps, 'home' | 'provider' | 'createStore'>,
  user: string,
): Promise<ProfileInfo | undefined> {
  // The home's own store: its PostgreSQL schema when config.json names one, else SQLite.
  const store = await deps.createStore(homePaths(deps.home).store, readHomeConfig(deps.home).store)
  await store.open()
  try {
    return await readProfile({ store, provider: deps.provider }, user)
  } finally {
    await store.close()
  }
}

/**
 * Publish a new profile of this user with display name `name` (keeping `about`). Its
 * creation time is after the newest stored one, so it replaces it everywhere.
 * @throws FORBIDDEN (this device may not publish for its user), SCHEMA_VIOLATION
 */
export async function publishProfile(account: Account, name: string): Promise<ProfileInfo> {
  const info = await publishProfileChange(account, { name })
  account.rename(name) // `whoami` reads config.json alone
  return info
}

/**
 * Claim `address` (name@domain, lower case) in a new profile version, or drop the claim with
 * null (docs/protocol/addresses.md §2). The name and `about` are kept.
 * @throws FORBIDDEN (this device may not publish for its user), NOT_FOUND (no profile yet)
 */
export async function publishAddress(
  account: Account,
  address: string | null,
): Promise<ProfileInfo> {
  const old = await readProfile(account, account.requireUser())
  if (old === undefined)
    throw new ProtocolError(ErrorCode.NOT_FOUND, 'profile: none yet (sdmp profile set --name)')
  return publishProfileChange(account, { address })
}

/** Publish a new profile version with `change` applied (null removes an optional member). */
async function publishProfileChange(
  account: Account,
  change: { name?: string; address?: string | null },
): Promise<ProfileInfo> {
  const me = account.requireUser()
  const old = await readProfile(account, me)
  // Signed creation times have millisecond resolution: a change within the same millisecond
  // as the old version must still sort after it.
  const created = Math.max(account.now(), (old?.created ?? 0) + 1)
  const name = change.name ?? old?.name ?? ''
  const address = change.address === undefined ? old?.address : (change.address ?? undefined)
  const data = {
    name,
    ...(old?.about !== undefined && { about: old.about }),
    ...(address !== undefined && { address }),
  }
  // resource.md §3: a new version is an `update` naming the version it replaces.
  const r = account.signForUser(
    { kind: 'user', data, created, ...(old && { action: 'update' as const, replaces: old.id }) },
    'publish_resource',
  )
  await account.publish([r])
  return { ...data, created: r.created, id: r.id }
}
