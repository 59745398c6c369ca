/**
 * The peer manager of a node: listens for peers (TCP, optionally WebSocket) and attaches their
 * channels to the sync engine as responder; dials configured peers as initiator and re-dials
 * them with exponential backoff and jitter while it runs (docs/protocol/sync.md §8,
 * transport.md §4). The sync engine's `authorize` is the trust gate on both paths.
 * @module
 */
import { fingerprintOf, signingKeyFromSeed } from '@sdmp/core'
import {
  connectTcp,
  connectWebSocket,
  createListener,
  listenTcp,
  listenWebSocket,
} from '@sdmp/transport'
import type {
  AdmissionStats,
  AuthorizeResult,
  Duplex,
  Listener,
  PeerInfo,
  ListenerOptions,
  SecureChannel,
  SecureChannelOptions,
  TcpListener,
  TransportLimits,
  WebSocketListener,
} from '@sdmp/transport'
import { resolveBackoff } from './backoff.js'
import { Dialer, codeOf } from './dialer.js'
import type { DialerHost } from './dialer.js'
import type { BackoffOptions } from './backoff.js'
import { formatPeerAddress, webSocketUrl } from './peer-address.js'
import { RelayLink } from './relay-link.js'
import type { RelayLinkState } from './relay-link.js'
import type { PeerAddress } from './peer-address.js'
import type { SyncEngine } from './sync/sync-engine.js'
import { FIRST_CONTACT_DEFAULTS, serveFirstContact } from './first-contact.js'
import { PEER_CHANNEL_LIMITS, splicedListenerOptions } from './peer-manager-types.js'
import type { PeerChange, PeerManagerOptions, PeerStatus } from './peer-manager-types.js'

export { PEER_CHANNEL_LIMITS } from './peer-manager-types.js'
export type { PeerChange, PeerManagerOptions, PeerStatus } from './peer-manager-types.js'

/** Owns the listeners and dialers of one node. Create, `start()`, and `stop()` when done. */
export class PeerManager implements DialerHost {
  readonly #options: PeerManagerOptions
  readonly #backoff: BackoffOptions
  readonly #self: string
  readonly #channelOptions: Omit<SecureChannelOptions, 'role'>
  readonly #dialers = new Map<string, Dialer>()
  readonly #settledWaiters: (() => void)[] = []
  readonly #changeListeners = new Set<(change: PeerChange) => void>()
  #tcp: TcpListener | undefined
  #ws: WebSocketListener | undefined
  #external: Listener | undefined
  /** Listener of the peers spliced by a relay (relays.md §3), with its own admission counts. */
  #spliced: Listener | undefined
  #relayLinks: RelayLink[] = []
  /** Relay dialers waiting for the direct dialers of their node (relays.md §2). */
  readonly #directWaiters: { fingerprint: string; resolve: () => void }[] = []
  #running = false
  /** Unknown nodes let through the gate for first contact, until their channel arrives. */
  readonly #guestsAdmitted = new Set<string>()
  /** Open first-contact channels. */
  readonly #guests = new Set<SecureChannel>()

  constructor(options: PeerManagerOptions) {
    this.#options = options
    this.#backoff = resolveBackoff(options.backoff)
    this.#self = signingKeyFromSeed(options.provider, options.nodeSeed).fingerprint
    this.#channelOptions = Object.freeze({
      provider: options.provider,
      nodeSeed: options.nodeSeed,
      fingerprintOf: (pk: Uint8Array) => fingerprintOf(options.provider, pk),
      authorize: options.engine.authorize,
      limits: { ...PEER_CHANNEL_LIMITS, ...options.transportLimits },
    })
  }

  /** The bound TCP address once started with `listen`. */
  get tcpAddress(): { host: string; port: number } | undefined {
    return this.#tcp ? { host: this.#tcp.host, port: this.#tcp.port } : undefined
  }

  /** The bound WebSocket address once started with `listenWebSocket`. */
  get wsAddress(): { host: string; port: number } | undefined {
    return this.#ws ? { host: this.#ws.host, port: this.#ws.port } : undefined
  }

  /** Half-open handshakes and drops of the TCP listener (transport.md §8.1), once started. */
  get admission(): AdmissionStats | undefined {
    return this.#tcp?.listener.admission
  }

  /** The same for connections taken through {@link accept}, once started with `acceptExternal`. */
  get externalAdmission(): AdmissionStats | undefined {
    return this.#external?.admission
  }

  /** The channel limits in force (the WebSocket message size of an acceptor follows them). */
  get channelLimits(): Partial<TransportLimits> {
    return this.#channelOptions.limits ?? {}
  }

  /**
   * Take an inbound connection accepted elsewhere (started with `acceptExternal`): admission,
   * handshake and trust gate as for the TCP listener. Without that listener (not started, or
   * stopped) the connection is destroyed.
   */
  accept(duplex: Duplex): void {
    if (this.#external === undefined) return duplex.destroy()
    this.#external.accept(duplex)
  }

  /** Addresses at which peers reach this node through its relays (published last). */
  get relayAddresses(): string[] {
    return this.#relayLinks.map((l) => l.published)
  }

  /** Each relay link: the relay, whether this node is registered on it, why it last failed. */
  relayStatus(): { relay: string; state: RelayLinkState; failures: number; lastError?: string }[] {
    return this.#relayLinks.map((l) => l.status())
  }

  /** Admission counters of the peers spliced through relays, once started with `relays`. */
  get splicedAdmission(): AdmissionStats | undefined {
    return this.#spliced?.admission
  }

  /** This node's fingerprint (the address suffix peers dial us with). */
  get fingerprint(): string {
    return this.#self
  }

  /**
   * Bind the listeners, then start dialling every configured peer.
   * @throws (rejects) UNAVAILABLE when an address cannot be bound
   */
  async start(): Promise<void> {
    if (this.#running) throw new Error('peer manager: already started')
    this.#running = true
    const listenerOptions: ListenerOptions = {
      ...this.#channelOptions,
      authorize: (peer) => this.#authorizeInbound(peer),
      onChannel: (c) => this.#onInbound(c),
      onError: (e, remoteAddress) =>
        this.#event('inbound-error', { remoteAddress, code: codeOf(e) }),
      ...(this.#options.isKnownAddress && { isKnownAddress: this.#options.isKnownAddress }),
      ...(this.#options.onDrop && { onDrop: this.#options.onDrop }),
    }
    try {
      if (this.#options.listen) this.#tcp = await listenTcp(this.#options.listen, listenerOptions)
      if (this.#options.listenWebSocket)
        this.#ws = await listenWebSocket(this.#options.listenWebSocket, listenerOptions)
      if (this.#options.acceptExternal) this.#external = createListener(listenerOptions)
      if ((this.#options.relays ?? []).length > 0) {
        const spliced = (this.#spliced = createListener(splicedListenerOptions(listenerOptions)))
        this.#relayLinks = this.#options.relays!.map(
          (relay) =>
            new RelayLink({
              relay,
              self: this.#self,
              channel: this.#channelOptions,
              backoff: this.#backoff,
              random: this.random,
              onSplice: (duplex) => spliced.accept(duplex),
              ...(this.#options.event && { event: this.#options.event }),
            }),
        )
      }
    } catch (e) {
      await this.stop()
      throw e
    }
    for (const link of this.#relayLinks) link.start()
    for (const p of this.#options.peers ?? []) this.addPeer(p)
  }

  /** Dial a peer and keep it connected until {@link removePeer} or {@link stop}. */
  addPeer(address: PeerAddress): void {
    if (!this.#running) throw new Error('peer manager: not started')
    const key = formatPeerAddress(address)
    if (this.#dialers.has(key)) return
    const d = new Dialer(address, key, this)
    this.#dialers.set(key, d)
    d.attempt()
  }

  /** Stop dialling a peer and close the connection this manager dialled to it. */
  async removePeer(address: PeerAddress): Promise<void> {
    const key = formatPeerAddress(address)
    const d = this.#dialers.get(key)
    this.#dialers.delete(key)
    await d?.stop()
  }

  /**
   * Dial every peer in backoff now (e.g. after new trust arrived, or the network came back);
   * the failure count is kept, so a peer that still fails goes back to its backoff.
   */
  redialNow(): void {
    for (const d of this.#dialers.values()) d.redialNow()
  }

  /** Be told of every connection, disconnection and backoff. Returns the unsubscribe. */
  onPeerChange(listener: (change: PeerChange) => void): () => void {
    this.#changeListeners.add(listener)
    return () => this.#changeListeners.delete(listener)
  }

  /** Status of every dialled peer. */
  status(): PeerStatus[] {
    return [...this.#dialers.values()].map((d) => d.status())
  }

  /** Resolves once no dialled peer is `connecting` (each connected, in backoff or stopped). */
  settled(): Promise<void> {
    if (!this.status().some((s) => s.state === 'connecting')) return Promise.resolve()
    return new Promise((resolve) => this.#settledWaiters.push(resolve))
  }

  /**
   * Whether a direct (not relayed) dialer of node `fingerprint` is still connecting: its relay
   * addresses wait for it (relays.md §2: direct connections are preferred).
   */
  directPending(fingerprint: string): boolean {
    for (const d of this.#dialers.values())
      if (!d.relayed && d.fingerprint === fingerprint && d.connecting) return true
    return false
  }

  /** Resolves once {@link directPending} is false for `fingerprint` (or the manager stops). */
  whenDirectSettled(fingerprint: string): Promise<void> {
    if (!this.#running || !this.directPending(fingerprint)) return Promise.resolve()
    return new Promise((resolve) => this.#directWaiters.push({ fingerprint, resolve }))
  }

  /** A dialer left `connecting`: wake the {@link settled} waiters when none is left. */
  dialerSettled(): void {
    for (let i = this.#directWaiters.length - 1; i >= 0; i--) {
      const w = this.#directWaiters[i]!
      if (this.directPending(w.fingerprint)) continue
      this.#directWaiters.splice(i, 1)
      w.resolve()
    }
    if (this.status().some((s) => s.state === 'connecting')) return
    for (const resolve of this.#settledWaiters.splice(0)) resolve()
  }

  /** Close the listeners, every channel they accepted, every dialled channel and every timer. */
  async stop(): Promise<void> {
    this.#running = false
    const dialers = [...this.#dialers.values()]
    this.#dialers.clear()
    this.dialerSettled()
    const external = this.#external
    this.#external = undefined
    const links = this.#relayLinks
    this.#relayLinks = []
    const spliced = this.#spliced
    this.#spliced = undefined
    for (const w of this.#directWaiters.splice(0)) w.resolve()
    await Promise.all([
      ...dialers.map((d) => d.stop()),
      ...links.map((l) => l.stop()),
      spliced?.close(),
      this.#tcp?.close(),
      this.#ws?.close(),
      external?.close(),
    ])
    this.#tcp = undefined
    this.#ws = undefined
  }

  // ---- internals shared with Dialer ----

  get engine(): SyncEngine {
    return this.#options.engine
  }
  get backoff(): BackoffOptions {
    return this.#backoff
  }
  get random(): () => number {
    return this.#options.random ?? Math.random
  }

  dial(address: PeerAddress, signal: AbortSignal): Promise<SecureChannel> {
    const options = {
      ...this.#channelOptions,
      signal,
      ...(address.fingerprint !== undefined ? { expectedPeer: address.fingerprint } : {}),
    }
    if (address.transport === 'websocket') return connectWebSocket(webSocketUrl(address), options)
    return connectTcp({ host: address.host, port: address.port }, options)
  }

  /**
   * Two nodes that dial each other at once would each replace the other's session and lose
   * both. Rule: the connection dialled by the node with the smaller fingerprint wins.
   */
  keepOutbound(peer: string): boolean {
    return this.#self < peer
  }

  /**
   * The inbound trust gate: the sync engine's, except that with first contact an unknown node
   * is let in (while fewer than maxGuests are) for one request (sync.md §8.8).
   */
  async #authorizeInbound(peer: PeerInfo): Promise<AuthorizeResult> {
    const verdict = await this.#options.engine.authorize(peer)
    const first = this.#options.firstContact
    if (verdict.ok || verdict.reason !== 'unknown_node' || first === undefined) return verdict
    const max = first.maxGuests ?? FIRST_CONTACT_DEFAULTS.maxGuests
    if (this.#guests.size + this.#guestsAdmitted.size >= max) return verdict
    this.#guestsAdmitted.add(peer.fingerprint)
    // A channel that fails between the gate and onChannel must not hold its slot for good.
    const timeout = first.timeoutMs ?? FIRST_CONTACT_DEFAULTS.timeoutMs
    setTimeout(() => this.#guestsAdmitted.delete(peer.fingerprint), timeout).unref()
    return { ok: true }
  }

  #onInbound(channel: SecureChannel): void {
    const peer = channel.peer.fingerprint
    if (this.#guestsAdmitted.delete(peer) && this.#options.firstContact) {
      this.#guests.add(channel)
      void serveFirstContact(channel, this.#options.firstContact).finally(() =>
        this.#guests.delete(channel),
      )
      return
    }
    const existing = this.#options.engine.sessions.get(peer)
    if (existing?.isOpen && existing.role === 'initiator' && this.keepOutbound(peer)) {
      void channel.close('duplicate')
      return
    }
    try {
      this.#options.engine.attach(channel, 'responder')
      this.changed({ type: 'connected', peer, role: 'responder' })
    } catch {
      // attach refused (trust changed since the gate) and already sent rejected
    }
  }

  #event(name: string, detail: Record<string, unknown>): void {
    this.#options.event?.(name, detail)
  }

  /** Tell the listeners of a peer change, and the log. */
  changed(change: PeerChange): void {
    const { type, ...detail } = change
    this.#event(type, detail)
    for (const l of this.#changeListeners) l(change)
  }
}
