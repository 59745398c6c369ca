/**
 * The daemon (`sdmp start`, docs/daemon.md): one open account, its mailbox, the network
 * (sync engine + peer manager) and the client API on a loopback port, until stopped. A joined
 * device that has no user yet runs the API only and starts syncing after `device join`.
 * @module
 */
import type { Contact, Peer } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { apiSocketPath, readApiToken } from '../account/daemon-info.js'
import {
  allowedApiHosts,
  createApiApp,
  isLoopback,
  peerUpgradeHandler,
  startApiServer,
} from '../api/index.js'
import type { ApiServer } from '../api/index.js'
import { webSocketAcceptor } from '@sdmp/transport'
import type { Relay, WebSocketAcceptor } from '@sdmp/transport'
import { PEER_CHANNEL_LIMITS, parsePeerAddress } from '@sdmp/node'
import { createOwnRelay } from './relay-service.js'
import { publicPeerAddress, webSocketPeerAddresses } from './one-port.js'
import { describeListenFailure } from './listen-error.js'
import type { StoreFollow } from '@sdmp/node'
import { Mailbox } from '../mail/index.js'
import { NodeService } from '../service/node-service.js'
import { NodeNetwork } from './network.js'
import type { DaemonOptions } from './daemon-options.js'
import { daemonEventFeed, networkOptions } from './daemon-parts.js'
import { checkRendezvousUrl } from '../rendezvous/rendezvous-client.js'
import { RequestInbox } from './request-inbox.js'
import { SerialQueue } from '@sdmp/node'
import { createAddressDocument } from '../address/address-document.js'

export type { DaemonOptions } from './daemon-options.js'

/** A running node. */
export class Daemon {
  readonly account: Account
  readonly mailbox: Mailbox
  readonly service: NodeService
  /** The public inbox for message requests (docs/protocol/requests.md). */
  readonly requests: RequestInbox
  readonly startedAt = Date.now()
  #network: NodeNetwork | undefined
  #api: ApiServer | undefined
  /** Peers as WebSocket upgrades on the API port (one port), when enabled. */
  #peerSockets: WebSocketAcceptor | undefined
  /** The relay this node serves for its user's other nodes (relays.md), when enabled. */
  #relay: { relay: Relay; acceptor: WebSocketAcceptor } | undefined
  /** The WebSocket addresses published for peers (one port), once the API is bound. */
  #webSocketAddresses: readonly string[] = []
  readonly #options: DaemonOptions
  readonly #peerListeners = new Set<(peer: Peer) => void>()
  readonly #statusListeners = new Set<(contact: Contact) => void>()
  #prekeyTimer: NodeJS.Timeout | undefined
  #stopping: Promise<void> | undefined
  #unRevoked: (() => void) | undefined
  #unUser: (() => void) | undefined
  #unLease: (() => void) | undefined
  readonly #restarting = new SerialQueue()
  /** Lines other instances append to a shared store (docs/scale.md), when there is one. */
  #follow: StoreFollow | undefined
  /** The address the peer listener bound first: kept across restarts (a rotation). */
  #bound: { host: string; port: number } | undefined

  private constructor(options: DaemonOptions) {
    this.#options = options
    this.account = options.account
    this.mailbox = new Mailbox(options.account, {
      ...(options.event && { event: options.event }),
      fetch: async (ids) => this.#network?.fetch(ids),
    })
    this.requests = new RequestInbox(options.account, {
      secrets: () => this.mailbox.prekeySecrets(),
      ...(options.requestLimits && { limits: options.requestLimits }),
      ...(options.event && { event: options.event }),
    })
    this.service = new NodeService(options.account, this.mailbox, {
      network: () => this.#network,
      running: () => this.#running(),
      onJoined: () => this.#startNetwork(),
      ...(options.addressLookup && { addressLookup: options.addressLookup }),
    })
    // A rotation (docs/protocol/keys.md §5.4): the network signs for the new identity from now
    // on, and this node publishes a prekey under it.
    this.#unUser = options.account.onUserChanged(() => this.#restartNetwork())
  }

  /** Stop the network and start it again for the account's current user, on the same port. */
  #restartNetwork(): void {
    void this.#restarting
      .run(async () => {
        if (this.#stopping) return
        const old = this.#network
        this.#network = undefined
        await old?.stop()
        await this.#startNetwork()
      })
      .catch((e: unknown) => {
        this.#options.event?.('network-error', { code: (e as { code?: string }).code ?? 'error' })
      })
  }

  /**
   * Start the mailbox, the network (when this node is authorized) and the API.
   * @throws UNAVAILABLE when a listen address cannot be bound (everything started is stopped)
   */
  static async start(options: DaemonOptions): Promise<Daemon> {
    // A public URL that cannot become a node record's address fails before anything starts.
    const publicAddress =
      options.publicUrl === undefined ? undefined : publicPeerAddress(options.publicUrl)
    // Relay addresses that cannot be dialled fail before anything starts, too.
    for (const r of options.relays ?? []) parsePeerAddress(r)
    if (options.rendezvous !== undefined) checkRendezvousUrl(options.rendezvous)
    const d = new Daemon(options)
    try {
      await d.mailbox.start()
      // Several instances over one shared store (docs/scale.md "Instances as daemon
      // processes"): what the others append reaches this one's mailbox, trust graph and peers.
      if (options.account.config.store !== undefined)
        d.#follow = await options.account.ingestor.followStore((e) =>
          options.event?.('follow-error', { code: (e as { code?: string }).code ?? 'error' }),
        )
      await d.#maintainPrekeys()
      d.#unLease = options.dialLease?.onChange(() => void d.#leaseChanged())
      const feed = daemonEventFeed(options.account, d.mailbox, d.#peerListeners, d.#statusListeners)
      const publicHost =
        options.publicUrl === undefined ? [] : [new URL(options.publicUrl).hostname]
      const app = createApiApp({
        api: d.service,
        events: feed,
        token: readApiToken(options.account.home),
        allowedHost: allowedApiHosts(options.api.host, [
          ...(options.apiHosts ?? []),
          ...publicHost,
        ]),
        ...(options.webRoot !== undefined && { web: { root: options.webRoot } }),
        // The user's well-known address document (addresses.md §2), host-only nodes included.
        wellKnown: (name) => createAddressDocument(options.account, name),
      })
      // The API is bound before the network starts, so the address peers reach it at (one
      // port) is known when the node record is published.
      const trustProxy = options.trustProxy ?? options.publicUrl !== undefined
      const limits = { ...PEER_CHANNEL_LIMITS, ...options.transportLimits }
      const listen = options.listen !== false
      if (listen && (options.peerWebSocket !== false || options.peer === null))
        d.#peerSockets = webSocketAcceptor({
          accept: (duplex) => (d.#network ? d.#network.accept(duplex) : duplex.destroy()),
          limits,
        })
      if (options.relayService !== false)
        d.#relay = {
          relay: createOwnRelay(options.account, {
            limits,
            ...(options.relayOptions?.limits && { relayLimits: options.relayOptions.limits }),
            ...(options.relayOptions?.tap && { tap: options.relayOptions.tap }),
            ...(options.event && { event: options.event }),
          }),
          // Its own acceptor: the peer one refuses once the network stops (a rotation).
          acceptor: webSocketAcceptor({ accept: (duplex) => duplex.destroy(), limits }),
        }
      d.#api = await startApiServer(app, {
        ...options.api,
        socketPath: apiSocketPath(options.account.home),
        ...(options.apiLimits && { limits: options.apiLimits }),
        ...((d.#peerSockets || d.#relay) && {
          upgrade: peerUpgradeHandler({
            ...(d.#peerSockets && { acceptor: d.#peerSockets }),
            ...(d.#relay && { relay: d.#relay }),
            trustProxy,
          }),
        }),
        ...(trustProxy && { uncapped: isLoopback }),
      }).catch((e: unknown) => {
        throw describeListenFailure(e, 'api', options.api)
      })
      if (!listen) d.#webSocketAddresses = []
      else if (publicAddress !== undefined) d.#webSocketAddresses = [publicAddress]
      else if (options.peer === null)
        d.#webSocketAddresses = webSocketPeerAddresses(d.#api.host, d.#api.port)
      if (options.account.user !== undefined) await d.#startNetwork()
      const every = options.prekeyCheckMs ?? 3_600_000
      d.#prekeyTimer = setInterval(() => void d.#maintainPrekeys(), every)
      d.#prekeyTimer.unref()
    } catch (e) {
      await d.stop()
      throw e
    }
    return d
  }

  /**
   * `HOST:PORT` of the peer listener, else the WebSocket address peers dial (one port), once
   * the network runs.
   */
  get peerAddress(): string | undefined {
    return this.#network?.listenAddress
  }

  /** `http://HOST:PORT` of the client API. */
  get apiUrl(): string | undefined {
    return this.#api?.url
  }

  /** The Unix domain socket commands use (docs/cli.md §1). */
  get apiSocket(): string | undefined {
    return this.#api?.socket
  }

  /** The relay this node serves for its user's other nodes (relays.md), when enabled. */
  get relay(): Relay | undefined {
    return this.#relay?.relay
  }

  /** That relay with the acceptor of its WebSocket upgrades (a host routes its tenants' to it). */
  get relayService(): { readonly relay: Relay; readonly acceptor: WebSocketAcceptor } | undefined {
    return this.#relay
  }

  /**
   * Where peers of this node are accepted as WebSocket upgrades, when it accepts them there: a
   * host for many users routes `/v1/peer/<node>` on its own port to it (host/host-runtime.ts).
   */
  get peerAcceptor(): WebSocketAcceptor | undefined {
    return this.#peerSockets
  }

  /** The network, once this node is authorized and syncing. */
  get network(): NodeNetwork | undefined {
    return this.#network
  }

  #running(): { peer: string; api: string; pid: number; startedAt: number } | undefined {
    if (!this.#api) return undefined
    return {
      peer: this.peerAddress ?? '',
      api: this.#api.url,
      pid: process.pid,
      startedAt: this.startedAt,
    }
  }

  async #startNetwork(): Promise<void> {
    if (this.#network || this.#stopping) return
    const o = this.#options
    // A revoked device does not dial or listen for peers (trust.md §6.1); the API still runs so
    // that its user can read what it holds and see why.
    const revoked = this.account.revoked
    if (revoked !== undefined) {
      o.event?.('revoked', { at: revoked.at, by: revoked.by })
      return
    }
    this.#unRevoked ??= this.account.onRevoked((r) => {
      o.event?.('revoked', { at: r.at, by: r.by })
      const network = this.#network
      this.#network = undefined
      void network?.stop().catch(() => undefined) // stopping: nothing left to report to
    })
    const listen = o.peer === null || o.listen === false ? undefined : (this.#bound ?? o.peer)
    this.#network = await NodeNetwork.start(
      networkOptions(o, {
        account: this.account,
        listen,
        acceptWebSocket: this.#peerSockets !== undefined,
        webSocketAddresses: this.#webSocketAddresses,
        requests: this.requests,
      }),
    ).catch((e: unknown) => {
      throw listen ? describeListenFailure(e, 'peer', listen) : e
    })
    this.#bound ??= this.#network.bound
    this.#network.onPeer((p) => {
      for (const l of this.#peerListeners) l(p)
    })
    this.#network.onStanding((user) => void this.#contactStatusChanged(user))
    // A device that just joined can now hold a prekey of its own.
    await this.#maintainPrekeys()
  }

  /** Tell the SSE streams where the contact `user` now stands (a live `contact-status`). */
  async #contactStatusChanged(user: string): Promise<void> {
    if (this.#statusListeners.size === 0) return
    try {
      const contact = (await this.service.contacts()).contacts.find((c) => c.user === user)
      if (contact) for (const l of this.#statusListeners) l(contact)
    } catch {
      // Best effort: the next contacts read shows the standing anyway.
    }
  }

  async #maintainPrekeys(): Promise<void> {
    try {
      const r = await this.mailbox.maintainPrekeys()
      if (r.published || r.deleted.length > 0)
        this.#options.event?.('prekeys', { published: r.published, deleted: r.deleted.length })
    } catch (e) {
      this.#options.event?.('prekey-error', { code: (e as { code?: string }).code ?? 'error' })
    }
  }

  /**
   * The dial lease changed hands (docs/scale.md §9): the holder publishes this node's addresses
   * (peers dial the instance that dials them) and dials; an instance that lost it drops its
   * dialers and keeps accepting.
   */
  async #leaseChanged(): Promise<void> {
    const net = this.#network
    if (!net) return
    await net.publishAddresses().catch((e: unknown) => {
      this.#options.event?.('publish-error', { code: (e as { code?: string }).code ?? 'error' })
    })
    await net.refreshPeers()
  }

  /**
   * Graceful stop: no new API requests or peers, finish the mailbox's queued writes, close
   * the peers, then the store (releasing its lock). Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#prekeyTimer)
      this.#unUser?.()
      this.#unRevoked?.()
      this.#unLease?.()
      await this.#restarting.idle()
      await this.#follow?.stop().catch(() => undefined)
      // Stopping: each part is stopped even when another failed to, and the process is
      // going away with nothing left to report to. Peers on the API port first: closing the
      // API server would drop their sockets without a close frame.
      await this.#peerSockets?.close().catch(() => undefined)
      await this.#relay?.relay.close().catch(() => undefined)
      await this.#relay?.acceptor.close().catch(() => undefined)
      await this.#api?.close().catch(() => undefined)
      await this.#network?.stop().catch(() => undefined)
      await this.mailbox.stop().catch(() => undefined)
      await this.account.close()
    })()
    return this.#stopping
  }
}
