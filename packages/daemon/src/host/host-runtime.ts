/**
 * `sdmp host start`: every hosted user's node in one process behind one port (docs/scale.md "A
 * host for many users"). Each tenant is a complete {@link Daemon} of a host-only node, so the
 * trust gate, admission, visibility and quotas stay per user; the host only routes. Peers dial
 * a tenant at `ws(s)://HOST/v1/peer/<node>` (each tenant publishes that address), and
 * `/.well-known/sdmp/NAME` answers for every hosted user's address. Tenants borrow the stores
 * the caller makes (the CLI lends them one pool and one LISTEN connection). Several processes
 * on one host home and database are instances: each serves every tenant, and each tenant's
 * lines reach the other instances through its store (`Ingestor.followStore`).
 * @module
 */
import { existsSync } from 'node:fs'
import { Hono } from 'hono'
import { ErrorCode } from '@sdmp/core'
import type { BackoffOptions } from '@sdmp/node'
import type { TransportLimits, WebSocketAcceptor } from '@sdmp/transport'
import { Account } from '../account/account.js'
import { attachInstance } from '../account/account-attach.js'
import { readHomeConfig } from '../account/home-files.js'
import { createAddressDocument, WELL_KNOWN_PREFIX } from '../address/address-document.js'
import { errorBody } from '../api/http-errors.js'
import { isLoopback, peerUpgradeHandler } from '../api/peer-upgrade.js'
import { startApiServer } from '../api/api-server.js'
import type { ApiServer } from '../api/api-server.js'
import { Daemon } from '../daemon/daemon.js'
import { publicPeerAddress, webSocketPeerAddresses } from '../daemon/one-port.js'
import { readHostConfig, tenantHome, tenantNames } from './host-home.js'
import type { HostConfig } from './host-home.js'
import { tenantDeps } from './host-tenants.js'
import type { DialLease } from '../daemon/daemon-options.js'
import type { HostDeps } from './host-tenants.js'

/** Options of {@link Host.start}. */
export interface HostStartOptions {
  readonly deps: HostDeps
  /** The one listener: peers of every tenant and the well-known documents. */
  readonly listen: { readonly host: string; readonly port: number }
  /** This process's instance name; absent: the first instance (the tenants' own homes). */
  readonly instance?: string
  /**
   * The URL a reverse proxy serves this host at (`https://host.example.org`): tenants publish
   * `wss://host.example.org/v1/peer/<node>`, and loopback connections are taken as the proxy.
   */
  readonly publicUrl?: string
  /** Tenants opened at once while starting (each open derives its vault key). Default 4. */
  readonly openConcurrency?: number
  readonly backoff?: Partial<BackoffOptions>
  readonly transportLimits?: Partial<TransportLimits>
  /** Notable events of the host and of every tenant (with `tenant`: its name). */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** A hosted user's running node. */
export interface RunningTenant {
  readonly name: string
  readonly node: string
  readonly user: string
  /** The address its peers dial (published in its node record). */
  readonly address: string
  readonly daemon: Daemon
}

/** A lease nobody competes for: without `HostDeps.lease`, the first instance holds it. */
const constant = (held: boolean): DialLease => ({
  held,
  onChange: () => () => undefined,
  close: async () => undefined,
})
const ALWAYS = constant(true)
const NEVER = constant(false)

/** A running host. */
export class Host {
  readonly config: HostConfig
  readonly #options: HostStartOptions
  /** Running tenants by node fingerprint (the routing table of `/v1/peer/<node>`). */
  readonly #byNode = new Map<string, RunningTenant>()
  #server: ApiServer | undefined
  #stopping: Promise<void> | undefined
  /**
   * Which instance dials the tenants' peers (scale.md §9): the deps' lease, or without one a
   * constant that only the first instance holds. Every tenant daemon follows it.
   */
  #lease: DialLease = NEVER

  private constructor(options: HostStartOptions, config: HostConfig) {
    this.#options = options
    this.config = config
  }

  /**
   * Bind the port, then start every joined tenant (waiting ones are skipped until `add-user
   * INVITE`), making this instance's home of a tenant first when it has none.
   * @throws NOT_FOUND (no host home), UNAVAILABLE (the port or the database), and the codes of
   *   Account.open; everything started is stopped again
   */
  static async start(options: HostStartOptions): Promise<Host> {
    const config = readHostConfig(options.deps.home)
    const publicAddress =
      options.publicUrl === undefined ? undefined : publicPeerAddress(options.publicUrl)
    const host = new Host(options, config)
    try {
      host.#lease =
        options.deps.lease?.(`dial:${config.schemaPrefix}`) ??
        (options.instance === undefined ? ALWAYS : NEVER)
      host.#lease.onChange((held) => options.event?.('dial-lease', { held }))
      await host.#listen(options.publicUrl !== undefined)
      const server = host.#server!
      const bases = publicAddress
        ? [publicAddress]
        : webSocketPeerAddresses(server.host, server.port)
      const names = tenantNames(options.deps.home).filter(
        (n) => readHomeConfig(tenantHome(options.deps.home, n)).user !== null,
      )
      const limit = Math.max(1, options.openConcurrency ?? 4)
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < names.length && !host.#stopping)
          await host.#startTenant(names[next++]!, bases)
      }
      await Promise.all(Array.from({ length: Math.min(limit, names.length) }, worker))
    } catch (e) {
      await host.stop()
      throw e
    }
    return host
  }

  /**
   * Whether this instance dials the tenants' peers now (docs/scale.md §9): only one instance of
   * a host does, the holder of the dial lease, or the first instance when there is no lease.
   * Every instance accepts.
   */
  get dials(): boolean {
    return this.#lease.held
  }

  /** `http://HOST:PORT` of the listener. */
  get url(): string {
    return this.#server!.url
  }

  /** The running tenants, by name. */
  get tenants(): readonly RunningTenant[] {
    return [...this.#byNode.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** The running tenant of `node`, if any. */
  tenant(node: string): RunningTenant | undefined {
    return this.#byNode.get(node)
  }

  async #listen(trustProxy: boolean): Promise<void> {
    const app = new Hono()
    app.get(`${WELL_KNOWN_PREFIX}:name`, async (c) => {
      const doc = await this.#wellKnown(c.req.param('name'))
      if (doc === undefined) return c.json(errorBody(ErrorCode.NOT_FOUND, 'no such name here'), 404)
      return c.body(doc, 200, { 'Content-Type': 'application/json' })
    })
    app.all('*', (c) => c.json(errorBody(ErrorCode.NOT_FOUND, 'not found'), 404))
    this.#server = await startApiServer(app, {
      ...this.#options.listen,
      upgrade: peerUpgradeHandler({
        tenant: (node) => {
          const d = this.#byNode.get(node)?.daemon
          const acceptor = d?.peerAcceptor
          if (!acceptor) return undefined
          const relay = d.relayService
          return { acceptor, ...(relay && { relay }) }
        },
        trustProxy,
      }),
      ...(trustProxy && { uncapped: isLoopback }),
    })
  }

  /** The address document of the hosted user whose address has the local part `name`. */
  async #wellKnown(name: string): Promise<string | undefined> {
    if (!/^[a-z0-9._-]{1,64}$/.test(name)) return undefined
    for (const t of this.#byNode.values()) {
      const doc = await createAddressDocument(t.daemon.account, name)
      if (doc === undefined) continue
      // A host for a domain serves only that domain's addresses.
      const domain = this.config.domain
      if (domain === undefined || JSON.parse(doc).address.endsWith(`@${domain}`)) return doc
    }
    return undefined
  }

  async #startTenant(name: string, bases: readonly string[]): Promise<void> {
    const o = this.#options
    const deps = tenantDeps(o.deps, this.config, name, o.instance)
    const first = readHomeConfig(tenantHome(o.deps.home, name))
    // This instance's own home of the tenant: the mailbox index and api.sock are per home.
    const account =
      o.instance === undefined || existsSync(deps.home)
        ? await Account.open(deps)
        : await attachInstance(deps, first.store!, o.instance)
    const node = account.node
    // `…/v1/peer` plus the node: the path the one port routes by (api/peer-upgrade.ts).
    const address = bases.map((b) => `${b}/${node}`)
    let daemon: Daemon
    try {
      daemon = await Daemon.start({
        account,
        peer: null,
        peerWebSocket: true,
        api: { host: '127.0.0.1', port: 0 },
        advertise: address,
        dialLease: this.#lease,
        ...(o.backoff && { backoff: o.backoff }),
        ...(o.transportLimits && { transportLimits: o.transportLimits }),
        ...(o.event && {
          event: (n: string, d: Record<string, unknown>) => o.event!(n, { ...d, tenant: name }),
        }),
      })
    } catch (e) {
      await account.close().catch(() => undefined)
      throw e
    }
    const acceptor: WebSocketAcceptor | undefined = daemon.peerAcceptor
    if (acceptor === undefined) throw new Error('host tenant: no peer acceptor')
    this.#byNode.set(node, { name, node, user: account.user!, address: address[0]!, daemon })
    o.event?.('tenant-started', { tenant: name, node })
  }

  /**
   * Stop every tenant (each closes its peers with a close frame first), then the listener.
   * Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const tenants = [...this.#byNode.values()]
      this.#byNode.clear() // new upgrades are refused from now on
      await Promise.all(tenants.map((t) => t.daemon.stop().catch(() => undefined)))
      await this.#lease.close().catch(() => undefined)
      await this.#server?.close().catch(() => undefined)
    })()
    return this.#stopping
  }
}
