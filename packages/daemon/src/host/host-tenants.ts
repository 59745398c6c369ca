/**
 * The hosted users of a host home (docs/scale.md "A host for many users"): `host add-user`
 * makes a tenant (a host-only node of its own, in a schema of its own) and prints its join
 * request; once the user authorized it `--host-only` on a device, `host add-user INVITE` joins
 * it through the same path as `sdmp device join` (account/join.ts). Each tenant is an ordinary
 * home, so every per-user rule (trust gate, admission, visibility, quotas) applies to it
 * unchanged, and users who are not each other's contacts share nothing but the process.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import type { ScryptParams, Store } from '@sdmp/store'
import { Account } from '../account/account.js'
import type { AccountDeps } from '../account/account-deps.js'
import { readHomeConfig } from '../account/home-files.js'
import type { HomeStore } from '../account/home-files.js'
import { joinUser } from '../account/join.js'
import { readProfile } from '../account/profile.js'
import { resolveInvite } from '../service/invite-fetch.js'
import { hostPaths, readHostConfig, tenantHome, tenantNames, TENANT_NAME } from './host-home.js'
import type { HostConfig } from './host-home.js'
import type { DialLease } from '../daemon/daemon-options.js'

/** What the host's operations need: injected, so nothing here opens a database driver. */
export interface HostDeps {
  /** The host home (host.json, users/, instances/). */
  readonly home: string
  readonly provider: CryptoProvider
  /** The passphrase the tenants' vaults are sealed with. */
  readonly passphrase?: string
  readonly scrypt?: ScryptParams
  /** A new, unopened store in `schema` of the host's database. */
  readonly createStore: (schema: string) => Store
  /** Drop a removed tenant's schema with everything in it. */
  readonly dropSchema?: (schema: string) => Promise<void>
  /**
   * A lease named `name` among every instance of this host (the CLI: a PostgreSQL advisory
   * lock, store-postgres `PgLease`). Its holder dials the tenants' peers; without one only the
   * first instance dials (docs/scale.md §9).
   */
  readonly lease?: (name: string) => DialLease
}

/** One hosted user as `host list` shows it. */
export interface TenantInfo {
  readonly name: string
  readonly node: string
  /** The hosted user; null while the tenant waits for `add-user INVITE`. */
  readonly user: string | null
  readonly address: string | null
  readonly schema: string
  /** Resources stored and their encoded bytes. */
  readonly resources: number
  readonly bytes: number
}

/** The account dependencies of tenant `name` (instance: that instance's own home of it). */
export function tenantDeps(
  deps: HostDeps,
  config: HostConfig,
  name: string,
  instance?: string,
): AccountDeps {
  return {
    home: tenantHome(deps.home, name, instance),
    provider: deps.provider,
    createStore: (_dir: string, shared?: HomeStore) => {
      if (shared === undefined) throw new Error('host tenant: a tenant home has a shared store')
      return deps.createStore(shared.schema)
    },
    ...(deps.passphrase !== undefined && { passphrase: deps.passphrase }),
    ...(deps.scrypt && { scrypt: deps.scrypt }),
    // The host's quota per hosted user: the tenant's whole schema (author-quota.ts).
    quota: {
      maxBytesTotal: config.quota.maxBytesPerUser,
      maxCountTotal: config.quota.maxMessagesPerUser,
    },
  }
}

/** The schema of tenant `name`. */
export const tenantSchema = (config: HostConfig, name: string): string =>
  `${config.schemaPrefix}${name}`

/**
 * Make a new tenant: a node key in a new schema, waiting for its user.
 * @returns its name, node and the join request to authorize `--host-only` on a user's device
 * @throws CONFLICT (the name is taken), BAD_REQUEST (a bad name), UNAVAILABLE
 */
export async function createTenant(
  deps: HostDeps,
  name: string = `u${randomBytes(5).toString('hex')}`,
): Promise<{ name: string; node: string; request: string }> {
  const config = readHostConfig(deps.home)
  if (!TENANT_NAME.test(name))
    throw new ProtocolError(ErrorCode.BAD_REQUEST, `user name: expected ${TENANT_NAME.source}`)
  if (existsSync(tenantHome(deps.home, name)))
    throw new ProtocolError(ErrorCode.CONFLICT, `a hosted user named ${name} exists`)
  const store: HomeStore = {
    kind: 'postgres',
    url: config.store,
    schema: tenantSchema(config, name),
  }
  const account = await Account.create(tenantDeps(deps, config, name), {
    join: true,
    name: config.domain ?? 'host',
    store,
  })
  try {
    return { name, node: account.node, request: await account.joinRequest() }
  } finally {
    await account.close()
  }
}

/**
 * Join the waiting tenant that `invite` lists (made on the user's device after it authorized
 * the tenant's request `--host-only`), as `sdmp device join` does.
 * @throws NOT_FOUND (no waiting tenant is listed in it), and every code of joinUser
 */
export async function joinTenant(
  deps: HostDeps,
  invite: string,
): Promise<{ name: string; node: string; user: string }> {
  const config = readHostConfig(deps.home)
  // A short invite is completed from the inviter's node first, as `device join` does.
  const full = await resolveInvite(deps.provider, invite)
  for (const name of tenantNames(deps.home)) {
    if (readHomeConfig(tenantHome(deps.home, name)).user !== null) continue
    const account = await Account.open(tenantDeps(deps, config, name))
    try {
      const joined = await joinUser(account, full)
      return { name, ...joined }
    } catch (e) {
      // This invite does not list this tenant: try the next one.
      if (!isProtocolError(e, ErrorCode.FORBIDDEN)) throw e
    } finally {
      await account.close()
    }
  }
  throw new ProtocolError(
    ErrorCode.NOT_FOUND,
    "no waiting user of this host is listed in this invite: run sdmp host add-user, authorize its request with --host-only on the user's device, then make the invite there",
  )
}

/** The hosted users, with what each one's schema holds. @throws UNAVAILABLE */
export async function listTenants(deps: HostDeps): Promise<TenantInfo[]> {
  const out: TenantInfo[] = []
  for (const name of tenantNames(deps.home)) {
    const home = readHomeConfig(tenantHome(deps.home, name))
    const schema = home.store?.schema ?? ''
    const store = deps.createStore(schema)
    try {
      await store.open()
      const profile =
        home.user === null
          ? undefined
          : await readProfile({ store, provider: deps.provider }, home.user)
      const usage = (await store.usageTotal?.()) ?? {
        count: await store.countResources(),
        bytes: 0,
      }
      out.push({
        name,
        node: home.node,
        user: home.user,
        address: profile?.address ?? null,
        schema,
        resources: usage.count,
        bytes: usage.bytes,
      })
    } finally {
      await store.close()
    }
  }
  return out
}

/**
 * The tenant named by `which`: its name, its node's or its user's fingerprint.
 * @throws NOT_FOUND
 */
export function findTenant(deps: Pick<HostDeps, 'home'>, which: string): string {
  for (const name of tenantNames(deps.home)) {
    const c = readHomeConfig(tenantHome(deps.home, name))
    if (name === which || c.node === which || c.user === which) return name
  }
  throw new ProtocolError(ErrorCode.NOT_FOUND, `no hosted user ${which} here (sdmp host list)`)
}

/**
 * Remove a tenant: its homes (every instance's) and its schema with everything stored for it.
 * Run it with the host stopped. @throws NOT_FOUND
 */
export async function removeTenant(
  deps: HostDeps,
  which: string,
): Promise<{ name: string; node: string; user: string | null }> {
  const config = readHostConfig(deps.home)
  const name = findTenant(deps, which)
  const home = tenantHome(deps.home, name)
  const c = readHomeConfig(home)
  await deps.dropSchema?.(c.store?.schema ?? tenantSchema(config, name))
  const instances = hostPaths(deps.home).instances
  for (const i of existsSync(instances) ? readdirSync(instances) : [])
    rmSync(join(instances, i, name), { recursive: true, force: true })
  rmSync(home, { recursive: true, force: true })
  return { name, node: c.node, user: c.user }
}
