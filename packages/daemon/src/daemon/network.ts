/**
 * The network side of a running node: the sync engine, the peer manager (listener and
 * dialers), this node's published addresses and the set of peers it keeps connected, derived
 * from the trust log and the peers' signed `node` records (docs/daemon.md §2, sync.md §8).
 * @module
 */
import { answerInviteRequest } from '../account/invite-ref.js'
import { isRequestMessage } from '../account/request-codec.js'
import { SerialQueue } from '@sdmp/node'
import { join } from 'node:path'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import type { Peer, SyncRequest, SyncResult } from '@sdmp/client'
import type { Duplex } from '@sdmp/transport'
import type { Account } from '../account/account.js'
import { PARTIAL_BLOB_DIR } from '@sdmp/node'
import { PeerManager } from '@sdmp/node'
import type { BlobTransfer } from '@sdmp/node'
import { formatPeerAddress, parsePeerAddress } from '@sdmp/node'
import { RendezvousLink } from '../rendezvous/rendezvous-link.js'
import type { PeerAddress, PeerChange } from '@sdmp/node'
import { SyncEngine } from '@sdmp/node'
import {
  knownSourceAddresses,
  nodeRecordsOf,
  peerAddresses,
  sourceAddressKey,
} from '../account/address-book.js'
import { TOPOLOGY_KINDS, advertisedAddresses } from './network-options.js'
import type { NetworkOptions } from './network-options.js'
import { listPeers, noteStanding, settleAll } from './network-peers.js'

export { advertisedAddresses } from './network-options.js'
export type { NetworkOptions } from './network-options.js'

/** Sync engine + peer manager of one account, started together and stopped together. */
export class NodeNetwork {
  readonly account: Account
  readonly engine: SyncEngine
  readonly manager: PeerManager
  readonly #options: NetworkOptions
  readonly #dialled = new Map<string, PeerAddress>()
  readonly #peerListeners = new Set<(peer: Peer) => void>()
  readonly #standingListeners = new Set<(user: string) => void>()
  /** IP addresses in the signed `node` records of the nodes we dial (transport.md §8.1). */
  #known: ReadonlySet<string> = new Set()
  readonly #refreshing = new SerialQueue()
  /** Writes of the refusal table (account/standing.ts), one at a time. */
  readonly #standing = new SerialQueue()
  #unsubscribe: (() => void) | undefined
  #stopped = false
  /** Registration on, and lookups in, the rendezvous directory when configured. */
  readonly rendezvous: RendezvousLink | undefined

  private constructor(options: NetworkOptions, trust: string, user: string) {
    const { account } = options
    this.account = account
    this.#options = options
    this.engine = new SyncEngine({
      store: account.store,
      ingestor: account.ingestor,
      signer: {
        provider: account.provider,
        key: account.nodeKey,
        user,
        trust,
        clock: () => account.now(),
      },
      ...(options.limits && { limits: options.limits }),
      event: (name, detail) => options.event?.(name, detail),
    })
    this.manager = new PeerManager({
      engine: this.engine,
      provider: account.provider,
      nodeSeed: account.nodeKey.seed,
      ...(options.listen && { listen: options.listen }),
      ...(options.acceptWebSocket === true && { acceptExternal: true }),
      ...(options.relays && { relays: options.relays }),
      ...(options.backoff && { backoff: options.backoff }),
      ...(options.transportLimits && { transportLimits: options.transportLimits }),
      ...(options.onDrop && { onDrop: options.onDrop }),
      // A flood from strangers must not starve the nodes we trust: their published addresses
      // may take the listener's reserved half-open slots (docs/security.md, issue 12).
      isKnownAddress: (ip) => this.#known.has(sourceAddressKey(ip)),
      ...(options.event && { event: options.event }),
      // A short invite is fetched from this node by first contact (sync.md §8.8), and so is a
      // message request delivered (requests.md §3).
      firstContact: {
        answer: (request, source) =>
          options.requests && isRequestMessage(request)
            ? options.requests.answer(request, source)
            : answerInviteRequest(account, request),
      },
    })
    this.manager.onPeerChange((change) => this.#peerChanged(change))
    this.rendezvous =
      options.rendezvous &&
      new RendezvousLink({
        ...options.rendezvous,
        provider: account.provider,
        key: account.nodeKey,
        clock: () => account.now(),
        onFound: () => void this.refreshPeers(),
        ...(options.event && { event: options.event }),
      })
  }

  /**
   * Start syncing: bind the listener, publish this node's addresses if they changed, and dial
   * the nodes of the user and of mutual contacts. Follows the trust log from then on.
   * @throws FORBIDDEN when this node holds no trust from a user yet (a joined device before
   *   `device join`), UNAVAILABLE when the listen address cannot be bound
   */
  static async start(options: NetworkOptions): Promise<NodeNetwork> {
    const { account } = options
    const user = account.user
    const trust = account.nodeTrusts('any')[0]
    if (user === undefined || trust === undefined)
      throw new ProtocolError(
        ErrorCode.FORBIDDEN,
        'this device is not authorized yet: sync starts after sdmp device join',
      )
    const net = new NodeNetwork(options, trust.id, user)
    // Wanted blobs and partial downloads from before a restart (attachments.md §2-§3), loaded
    // before any peer connects so the first sessions are asked for them.
    await net.engine.blobs.start({ partialDir: join(account.storePath, PARTIAL_BLOB_DIR) })
    await net.manager.start()
    try {
      await net.publishAddresses()
      net.#unsubscribe = account.ingestor.onAppended((lines) => {
        if (lines.some((l) => TOPOLOGY_KINDS.has(l.resource.kind))) net.refreshPeers()
      })
      await net.refreshPeers()
    } catch (e) {
      await net.stop()
      throw e
    }
    return net
  }

  /**
   * Cut the sessions the trust gate now refuses, each told why (a user was just blocked:
   * docs/messaging.md "Blocking"); the dialer's next attempts are refused the same way.
   */
  refuseBlocked(): void {
    this.engine.review()
  }

  /** The blob transfer of this network's sessions (docs/protocol/attachments.md §3). */
  get blobs(): BlobTransfer {
    return this.engine.blobs
  }

  /** The bound peer listener, if any. */
  get bound(): { host: string; port: number } | undefined {
    return this.manager.tcpAddress
  }

  /** `HOST:PORT` of the peer listener, else the first WebSocket address (one port), if any. */
  get listenAddress(): string | undefined {
    const a = this.bound
    return a ? formatPeerAddress(a) : this.#options.webSocketAddresses?.[0]
  }

  /** Take a peer connection accepted elsewhere (a WebSocket upgrade on the API port). */
  accept(duplex: Duplex): void {
    this.manager.accept(duplex)
  }

  /**
   * Publish a `node` record with this node's addresses when they differ from the newest one:
   * `advertise` when given, else the WebSocket ones then the TCP listener's (16 at most). Not
   * while this node only accepts (`dials` false): the dialling instance publishes.
   */
  async publishAddresses(): Promise<void> {
    // An instance that only accepts (scale.md §9) leaves the node's address to the one dialling.
    if (this.#options.dials?.() === false) return
    const a = this.manager.tcpAddress
    // relays.md §2: the relay addresses come last (diallers try them after the direct ones) and
    // are never cut by many interface addresses.
    const relayed = this.manager.relayAddresses
    const addresses = [
      ...(
        this.#options.advertise ?? [
          // First: a public URL must not be cut by many interface addresses.
          ...(this.#options.webSocketAddresses ?? []),
          ...(a ? advertisedAddresses(a.host, a.port) : []),
        ]
      ).slice(0, 16 - relayed.length),
      ...relayed,
    ]
    if (addresses.length === 0) return
    // relays.md §6.1: registered on start and whenever they change; not awaited (a directory
    // that does not answer must not hold the start); the link retries on its own.
    void this.rendezvous?.register(addresses)
    const user = this.account.user!
    const current = (await nodeRecordsOf(this.account, user)).get(this.account.node)
    const had = (current?.data as ContentData<'node'> | undefined)?.addresses
    if (had && had.length === addresses.length && had.every((x, i) => x === addresses[i])) return
    const trust = this.account.nodeTrusts('any')[0]
    if (!trust) return
    const record = this.account.signWith(this.account.nodeKey, {
      kind: 'node',
      user,
      trust: trust.id,
      data: { addresses },
    })
    await this.account.publish([record])
  }

  /** Recompute the peers to dial (serialized); new ones are dialled, gone ones dropped. */
  refreshPeers(): Promise<void> {
    return this.#refreshing
      .run(async () => {
        if (this.#stopped) return
        const wanted = new Map<string, PeerAddress>()
        for (const a of await peerAddresses(this.account)) wanted.set(formatPeerAddress(a), a)
        this.#known = knownSourceAddresses(wanted.values())
        // What the directory said of the nodes we dial (relays.md §6.1), until the record expires.
        const nodes = new Set([...wanted.values()].map((a) => a.fingerprint))
        for (const [node, texts] of this.rendezvous?.found() ?? [])
          if (nodes.has(node))
            for (const text of texts) {
              const a = { ...parsePeerAddress(text), fingerprint: node }
              wanted.set(formatPeerAddress(a), a)
            }
        // Accepting only (another instance of this node dials, scale.md §9): dial nobody, but
        // keep the addresses above for the inbound checks.
        if (this.#options.dials?.() === false) wanted.clear()
        for (const [key, a] of this.#dialled)
          if (!wanted.has(key)) {
            this.#dialled.delete(key)
            await this.manager.removePeer(a)
          }
        for (const [key, a] of wanted)
          if (!this.#dialled.has(key) && !this.#stopped) {
            this.#dialled.set(key, a)
            this.manager.addPeer(a)
          }
        // New trust may have turned refusals into welcomes: try the others again now.
        this.manager.redialNow()
      })
      .catch((e: unknown) => {
        this.#options.event?.('refresh-error', { code: (e as ProtocolError).code ?? 'error' })
      })
  }

  /** Whether an inbound source address is listed by a trusted node's signed `node` record. */
  isKnownAddress(ip: string): boolean {
    return this.#known.has(sourceAddressKey(ip))
  }

  /** Every peer: dialled ones with their state, plus inbound-only sessions. */
  peers(): Peer[] {
    return listPeers(this.account, this.manager, this.engine)
  }

  /**
   * Dial every peer now; with `wait`, pull from every connected peer again and wait until all
   * that is wanted has arrived, or until `timeoutMs`.
   */
  async sync(request: SyncRequest = {}): Promise<SyncResult> {
    await this.refreshPeers()
    if (request.wait !== true) return { synced: false, peers: this.peers() }
    const deadline = Date.now() + (request.timeoutMs ?? 30_000)
    const timeout = new Promise<false>((r) => {
      const t = setTimeout(() => r(false), Math.max(0, deadline - Date.now()))
      t.unref()
    })
    const synced = await Promise.race([settleAll(this.manager, this.engine), timeout])
    return { synced, peers: this.peers() }
  }

  /** Ask every connected host-only node of ours for held requests (requests.md §7.2). */
  pullHeld(): Promise<void> {
    const requests = this.#options.requests
    if (!requests) return Promise.resolve()
    return Promise.all([...this.engine.sessions.keys()].map((n) => requests.pullHeld(n))).then(
      () => undefined,
    )
  }

  /**
   * Ask every connected peer for these resources (the ones this node lacks) and wait until
   * they arrived or were refused, or `timeoutMs`: fellow group members' proofs named by a
   * version (docs/protocol/groups.md §5), which the admin's node serves under the group rule.
   */
  async fetch(ids: readonly string[], timeoutMs = 30_000): Promise<void> {
    const sessions = [...this.engine.sessions.values()].filter((s) => s.isOpen)
    for (const s of sessions) await this.engine.fetcher.announce(s, ids)
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      this.engine.fetcher.idle(),
      new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))),
    ])
    clearTimeout(timer)
  }

  /** Live peer changes (for the SSE stream). */
  onPeer(listener: (peer: Peer) => void): () => void {
    this.#peerListeners.add(listener)
    return () => this.#peerListeners.delete(listener)
  }

  /** Called with the user whose recorded refusal changed (account/standing.ts). */
  onStanding(listener: (user: string) => void): () => void {
    this.#standingListeners.add(listener)
    return () => this.#standingListeners.delete(listener)
  }

  /** Tell the peer listeners the new state of the peer a change concerns. */
  #peerChanged(change: PeerChange): void {
    this.#noteStanding(change)
    // A host-only node of ours may hold requests for us (requests.md §7.2).
    if (change.type === 'connected') void this.#options.requests?.pullHeld(change.peer)
    // A refusal by the peer's trust gate means it was reached: nothing to look up.
    if (change.type === 'backoff' && change.peer !== undefined && change.refusal === undefined)
      this.#maybeLookUp(change.peer)
    const node = change.peer
    const address = change.address?.replace(/#.*$/, '')
    const peer = this.peers().find(
      (p) =>
        (node !== undefined && p.node === node) || (address !== undefined && p.address === address),
    )
    if (!peer) return
    for (const l of this.#peerListeners) l(peer)
  }

  /**
   * relays.md §6.1: when no address of `node` is connected or still being tried (each failed
   * once since), ask the directory where the node is now.
   */
  #maybeLookUp(node: string): void {
    if (this.rendezvous === undefined || this.engine.sessions.get(node)?.isOpen === true) return
    const mine = this.manager.status().filter((s) => s.fingerprint === node)
    if (mine.some((s) => s.state === 'connected' || s.state === 'connecting')) return
    this.rendezvous.nodeUnreachable(node)
  }

  /** Keep the refusal table true to what the peers say (network-peers.ts). */
  #noteStanding(change: PeerChange): void {
    noteStanding(change, {
      account: this.account,
      engine: this.engine,
      standing: this.#standing,
      listeners: this.#standingListeners,
      ...(this.#options.event && { event: this.#options.event }),
    })
  }

  /** Close every connection and the listener. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#unsubscribe?.()
    this.rendezvous?.stop()
    await this.#refreshing.idle()
    // Lines journaled before the stop reach the connected peers first. A rotation restarts the
    // network right after publishing (keys.md §5.4): the user's other devices must get the new
    // identity and its trusts while we still sign as the old one, or they cannot verify us after.
    await this.engine.drained()
    await this.manager.stop()
    // The refusals seen so far are written before the account (and its store) can close.
    await this.#standing.idle()
    await this.engine.close()
    // Close partial files and write wanted records before the account closes the store.
    await this.engine.blobs.flush()
  }
}
