/**
 * The files of an sdmp home besides the store (docs/cli.md "Home layout"): `config.json`
 * (non-secret: fingerprints, names, listen addresses) and `api-token` (the daemon's bearer token,
 * mode 0600). Keys never live in these files; they are secrets in the store.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, ProtocolError, isJsonObject, parseStrict } from '@sdmp/core'
import { tightenHomeDir } from './home-perms.js'

/** Version of the config.json format. */
export const HOME_CONFIG_VERSION = 1

/** Where each part of a home lives, relative to the home directory. */
export const HOME_FILES = Object.freeze({
  config: 'config.json',
  apiToken: 'api-token',
  store: 'store',
})

/**
 * Default listen addresses of the default home (issue 5: peer 0.0.0.0:7420, api
 * 127.0.0.1:7421); other homes get their own pair at init (home-ports.ts).
 */
export const DEFAULT_LISTEN = Object.freeze({ peer: '0.0.0.0:7420', api: '127.0.0.1:7421' })

/**
 * Where a home's store lives when it is not the embedded SQLite under `<home>/store`: a
 * PostgreSQL schema, shared by every instance of the node (docs/scale.md "Instances as daemon
 * processes"). The URL carries no password (PGPASSWORD or ~/.pgpass give it): config.json holds
 * nothing secret.
 */
export interface HomeStore {
  readonly kind: 'postgres'
  /** `postgres://user@host:port/database`, without a password. */
  readonly url: string
  /** The schema holding the node's tables (one schema per node). */
  readonly schema: string
}

/** The non-secret configuration of a home (config.json). */
export interface HomeConfig {
  readonly version: number
  /** The user fingerprint; null on a joined device until its trust arrives. */
  readonly user: string | null
  /** This node's fingerprint. */
  readonly node: string
  /** The name given at init (the user's on a first device, the device's with --join). */
  readonly name?: string
  /** The name@domain this user claims, as set on this device (docs/protocol/addresses.md). */
  readonly address?: string
  /** True on a device created with `init --join`. */
  readonly joined: boolean
  /** Addresses the daemon listens on. */
  readonly listen: { readonly peer: string; readonly api: string }
  /**
   * false: `sdmp start` accepts no peer connection (as `--no-listen`, behind NAT) unless
   * `--peer` or `--one-port` is given (docs/daemon.md §6). Absent: true.
   */
  readonly acceptPeers?: boolean
  /** Relays `sdmp start` stays registered on unless `--relay` is given (relays.md §1). */
  readonly relays?: readonly string[]
  /** The rendezvous directory `sdmp start` uses unless `--rendezvous` is given (relays.md §6.1). */
  readonly rendezvous?: string
  /** When the home was created, ISO 8601. */
  readonly created: string
  /** The shared store; absent: SQLite under `<home>/store`. */
  readonly store?: HomeStore
  /**
   * This home is one more instance of a node whose store is shared (`init --attach`): its name
   * keeps what is instance-local in that store (the mailbox index) apart from the others'.
   */
  readonly instance?: string
}

/** A valid instance name: what `init --attach` generates, and what an operator may write. */
export const INSTANCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/

/** A valid PostgreSQL schema name for a home (unquoted identifier, lowercase). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Check a `--store` URL and schema for config.json.
 * @throws BAD_REQUEST (not postgres://, a password in it, a bad schema name)
 */
export function parseHomeStore(url: string, schema: string): HomeStore {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'store: expected postgres://USER@HOST/DB')
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'store: expected postgres://USER@HOST/DB')
  // Said without echoing the URL: it holds the password.
  if (u.password !== '')
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'store: no password in the URL (config.json is not secret): use PGPASSWORD or ~/.pgpass',
    )
  if (!SCHEMA_NAME.test(schema))
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'schema: lowercase letters, digits and _, not starting with a digit, 63 at most',
    )
  return { kind: 'postgres', url, schema }
}

/** Whether config.json's `store` member is well formed. */
function validStore(v: unknown): boolean {
  if (v === undefined) return true
  if (!isJsonObject(v) || v['kind'] !== 'postgres') return false
  if (typeof v['url'] !== 'string' || typeof v['schema'] !== 'string') return false
  try {
    parseHomeStore(v['url'], v['schema'])
    return true
  } catch {
    return false
  }
}

/** Absolute paths of a home's parts. */
export function homePaths(home: string): { config: string; apiToken: string; store: string } {
  return {
    config: join(home, HOME_FILES.config),
    apiToken: join(home, HOME_FILES.apiToken),
    store: join(home, HOME_FILES.store),
  }
}

/** The error for a directory that holds no home. */
export function noHome(home: string): ProtocolError {
  return new ProtocolError(ErrorCode.NOT_FOUND, `no sdmp home at ${home}: run sdmp init`)
}

/**
 * Refuse to create a home over an existing one (or over the remains of a failed init), or on a
 * path that is a file (issue 12 item 7: that used to end as "internal error: EEXIST").
 * @throws CONFLICT
 */
export function assertNoHome(home: string): void {
  let st: ReturnType<typeof statSync>
  try {
    st = statSync(home, { throwIfNoEntry: false })
  } catch {
    st = undefined // ENOTDIR below a file, EACCES: createHomeDir reports it with its code
  }
  if (st !== undefined && !st.isDirectory())
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `${home} is a file, not a directory: choose another --home`,
    )
  const p = homePaths(home)
  if (existsSync(p.config))
    throw new ProtocolError(ErrorCode.CONFLICT, `an sdmp home already exists at ${home}`)
  if (existsSync(p.store) || existsSync(p.apiToken))
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `${home} holds a store or api-token but no config.json (an unfinished init?): remove it or choose another --home`,
    )
}

/**
 * Create the home directory (0700, also when it existed) and the api token (32 random bytes,
 * base64url, 0600).
 * @throws CONFLICT (cannot create), FORBIDDEN (an existing directory we cannot make private)
 */
export function createHomeDir(home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 })
  } catch (e) {
    // A parent that is a file (ENOTDIR), no permission (EACCES): a clear line, not a bug report.
    const why = (e as NodeJS.ErrnoException).code ?? 'error'
    throw new ProtocolError(ErrorCode.CONFLICT, `cannot create the home ${home} (${why})`, {
      cause: e,
    })
  }
  // An existing directory keeps its mode through mkdir: private before the first secret lands.
  tightenHomeDir(home)
  // 'wx': never overwrite a token a daemon may already be using.
  writeFileSync(homePaths(home).apiToken, `${randomBytes(32).toString('base64url')}\n`, {
    mode: 0o600,
    flag: 'wx',
  })
}

/** Write config.json atomically (temporary file, then rename), mode 0600. */
export function writeHomeConfig(home: string, config: HomeConfig): void {
  const path = homePaths(home).config
  const tmp = `${path}.tmp`
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  renameSync(tmp, path)
}

const bad = (path: string, what: string) =>
  new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, `${path}: ${what}`)

/**
 * Read and check config.json (it is data from the disk: validated like any input).
 * @throws NOT_FOUND (no home), INCOMPATIBLE_STORE (unreadable or unknown format)
 */
export function readHomeConfig(home: string): HomeConfig {
  const path = homePaths(home).config
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw noHome(home)
    throw bad(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let v: unknown
  try {
    v = parseStrict(text, 'config.json', 64 * 1024)
  } catch {
    throw bad(path, 'not valid JSON')
  }
  if (!isJsonObject(v)) throw bad(path, 'expected an object')
  if (v['version'] !== HOME_CONFIG_VERSION)
    throw bad(path, `expected version ${HOME_CONFIG_VERSION}, got ${String(v['version'])}`)
  const listen = v['listen']
  if (
    typeof v['node'] !== 'string' ||
    (v['user'] !== null && typeof v['user'] !== 'string') ||
    typeof v['joined'] !== 'boolean' ||
    typeof v['created'] !== 'string' ||
    (v['name'] !== undefined && typeof v['name'] !== 'string') ||
    (v['address'] !== undefined && typeof v['address'] !== 'string') ||
    !isJsonObject(listen) ||
    typeof listen['peer'] !== 'string' ||
    typeof listen['api'] !== 'string' ||
    !validStore(v['store']) ||
    (v['instance'] !== undefined &&
      (typeof v['instance'] !== 'string' || !INSTANCE_NAME.test(v['instance']))) ||
    (v['acceptPeers'] !== undefined && typeof v['acceptPeers'] !== 'boolean') ||
    (v['relays'] !== undefined &&
      (!Array.isArray(v['relays']) ||
        v['relays'].length > 16 ||
        v['relays'].some((r) => typeof r !== 'string'))) ||
    (v['rendezvous'] !== undefined && typeof v['rendezvous'] !== 'string')
  )
    throw bad(path, 'missing or mistyped members')
  return v as unknown as HomeConfig
}

/**
 * The config.json of a new home (`init`, or `init --join` without a user yet).
 * @param now creation time, ms
 * @param ports the home's listen ports (home-ports.ts chooseHomePorts), else 7420/7421
 */
export function newHomeConfig(
  node: string,
  user: string | undefined,
  name: string | undefined,
  now: number,
  ports?: { readonly peer: number; readonly api: number },
  store?: HomeStore,
): HomeConfig {
  return {
    version: HOME_CONFIG_VERSION,
    user: user ?? null,
    node,
    ...(name !== undefined && { name }),
    joined: user === undefined,
    listen:
      ports === undefined
        ? { ...DEFAULT_LISTEN }
        : { peer: `0.0.0.0:${ports.peer}`, api: `127.0.0.1:${ports.api}` },
    created: new Date(now).toISOString(),
    ...(store && { store }),
  }
}
