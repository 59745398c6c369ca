/**
 * A host home (docs/scale.md "A host for many users"): the directory `sdmp host init` makes for
 * a host that serves many unrelated users. It holds `host.json` (the database, the domain, the
 * per-user quotas) and one ordinary home per hosted user under `users/<name>/`: a complete
 * host-only node of that user, with its own node key and its own PostgreSQL schema in the
 * host's database. Further instances of the host keep their own homes of each tenant under
 * `instances/<instance>/<name>/` (made with the existing `--attach` path).
 * @module
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, ProtocolError, isJsonObject, parseStrict } from '@sdmp/core'
import { INSTANCE_NAME, parseHomeStore } from '../account/home-files.js'

/** The host's file in its home. */
export const HOST_FILE = 'host.json'
/** The version of host.json this code writes and reads. */
export const HOST_CONFIG_VERSION = 1

/**
 * The default quota per hosted user (docs/scale.md "Per-user quotas"): what the tenant's schema
 * may hold before its contacts' deliveries are refused `over-quota`. About 40,000 sealed
 * messages of 13 KB; operators raise it in host.json.
 */
export const HOST_QUOTA_DEFAULTS = Object.freeze({
  maxBytesPerUser: 512 * 1024 * 1024,
  maxMessagesPerUser: 100_000,
})

/** The per-user quota of a host. */
export interface HostQuota {
  /** Encoded bytes of resources one hosted user's schema may hold. */
  readonly maxBytesPerUser: number
  /** Resources (messages, receipts, keys) one hosted user's schema may hold. */
  readonly maxMessagesPerUser: number
}

/** host.json. */
export interface HostConfig {
  readonly version: number
  /** `postgres://user@host:port/database`, without a password (PGPASSWORD or ~/.pgpass). */
  readonly store: string
  /** The domain whose addresses this host serves (`name@domain`), when set. */
  readonly domain?: string
  /** Prefix of the tenants' schema names (`u_` by default): `<prefix><name>`. */
  readonly schemaPrefix: string
  readonly quota: HostQuota
  /** When the host home was created, ISO 8601. */
  readonly created: string
}

/** A tenant's name: what `add-user` generates, or what the operator gives. */
export const TENANT_NAME = /^[a-z][a-z0-9_]{0,39}$/
const PREFIX = /^[a-z_][a-z0-9_]{0,20}$/
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

const bad = (message: string) => new ProtocolError(ErrorCode.BAD_REQUEST, message)

/** The paths of a host home. */
export function hostPaths(home: string): { config: string; users: string; instances: string } {
  return {
    config: join(home, HOST_FILE),
    users: join(home, 'users'),
    instances: join(home, 'instances'),
  }
}

/**
 * The home of tenant `name` for `instance` (undefined: the first instance's, `users/<name>`).
 * @throws BAD_REQUEST for a bad name or instance
 */
export function tenantHome(home: string, name: string, instance?: string): string {
  if (!TENANT_NAME.test(name)) throw bad(`user name: expected ${TENANT_NAME.source}`)
  if (instance === undefined) return join(hostPaths(home).users, name)
  if (!INSTANCE_NAME.test(instance)) throw bad('instance: a-z 0-9 and -, 32 at most')
  return join(hostPaths(home).instances, instance, name)
}

/** Check the options of `host init` and build host.json. @throws BAD_REQUEST */
export function newHostConfig(options: {
  store: string
  domain?: string
  schemaPrefix?: string
  quota?: Partial<HostQuota>
  now?: number
}): HostConfig {
  const prefix = options.schemaPrefix ?? 'u_'
  if (!PREFIX.test(prefix)) throw bad('schema prefix: lowercase letters, digits and _, 21 at most')
  // Checks the URL (no password in it) with a throwaway schema name.
  parseHomeStore(options.store, `${prefix}x`)
  const domain = options.domain?.toLowerCase()
  if (domain !== undefined && !DOMAIN.test(domain)) throw bad('domain: expected a DNS name')
  const quota = { ...HOST_QUOTA_DEFAULTS, ...options.quota }
  for (const [k, v] of Object.entries(quota))
    if (!Number.isSafeInteger(v) || v < 1) throw bad(`quota ${k}: expected a positive integer`)
  return {
    version: HOST_CONFIG_VERSION,
    store: options.store,
    ...(domain !== undefined && { domain }),
    schemaPrefix: prefix,
    quota,
    created: new Date(options.now ?? Date.now()).toISOString(),
  }
}

/** Create the host home with its host.json. @throws CONFLICT when one exists there */
export function writeNewHost(home: string, config: HostConfig): void {
  const paths = hostPaths(home)
  if (existsSync(paths.config))
    throw new ProtocolError(ErrorCode.CONFLICT, `a host home exists at ${home}`)
  if (existsSync(join(home, 'config.json')))
    throw new ProtocolError(ErrorCode.CONFLICT, `${home} is a node's home, not a host's`)
  mkdirSync(paths.users, { recursive: true, mode: 0o700 })
  const tmp = `${paths.config}.tmp`
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  renameSync(tmp, paths.config)
}

/**
 * Read and check host.json.
 * @throws NOT_FOUND (no host home here: run sdmp host init), INCOMPATIBLE_STORE (unreadable)
 */
export function readHostConfig(home: string): HostConfig {
  let text: string
  try {
    text = readFileSync(hostPaths(home).config, 'utf8')
  } catch {
    throw new ProtocolError(
      ErrorCode.NOT_FOUND,
      `no host home at ${home}: create one with sdmp host init --store postgres://…`,
    )
  }
  const broken = (why: string) =>
    new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, `${HOST_FILE}: ${why}`)
  let v: unknown
  try {
    v = parseStrict(text)
  } catch {
    throw broken('not valid JSON')
  }
  if (!isJsonObject(v) || v['version'] !== HOST_CONFIG_VERSION) throw broken('unknown version')
  const quota = isJsonObject(v['quota']) ? v['quota'] : {}
  try {
    return newHostConfig({
      store: String(v['store']),
      ...(typeof v['domain'] === 'string' && { domain: v['domain'] }),
      schemaPrefix: String(v['schemaPrefix']),
      quota: quota as Partial<HostQuota>,
      now: Date.parse(String(v['created'])) || 0,
    })
  } catch (e) {
    throw broken((e as Error).message)
  }
}

/** The names of the tenants that have a home, sorted. */
export function tenantNames(home: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(hostPaths(home).users)
  } catch {
    return []
  }
  return entries
    .filter((n) => TENANT_NAME.test(n) && existsSync(join(hostPaths(home).users, n, 'config.json')))
    .sort()
}
