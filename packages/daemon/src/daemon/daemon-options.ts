/**
 * What the daemon (daemon.ts, `sdmp start`) is started with: the account, the peer, API and
 * relay listeners, the rendezvous directory, limits and the event sink (docs/daemon.md).
 * @module
 */
import type { DropReason, RelayLimits, SpliceTap, TransportLimits } from '@sdmp/transport'
import type { BackoffOptions } from '@sdmp/node'
import type { Account } from '../account/account.js'
import type { AddressLookupOptions } from '../address/address-lookup.js'
import type { ApiServerLimits } from '../api/index.js'
import type { RendezvousLinkTiming } from '../rendezvous/rendezvous-link.js'
import type { RequestLimits } from './request-inbox.js'

/** A lease held by at most one instance of a node at a time (store-postgres `PgLease`). */
export interface DialLease {
  readonly held: boolean
  /** Be told when {@link held} changes; returns the unsubscribe function. */
  onChange(listener: (held: boolean) => void): () => void
  close(): Promise<void>
}

/** Options of `Daemon.start` (daemon.ts). */
export interface DaemonOptions {
  /** An open account; the daemon closes it when it stops. */
  readonly account: Account
  /** How `contact add name@domain` looks addresses up (docs/protocol/addresses.md §3). */
  readonly addressLookup?: AddressLookupOptions
  /**
   * Peer listener (default 0.0.0.0:7420 from config.json, so contacts on other machines can
   * connect: docs/daemon.md §1; port 0 picks one). `null`: no TCP listener, peers come only as
   * WebSocket upgrades on the API port (`sdmp start --one-port`).
   */
  readonly peer: { readonly host: string; readonly port: number } | null
  /**
   * Accept peers as WebSocket upgrades on the API port at `/v1/peer` (docs/daemon.md "One
   * port"). Default true; it is forced on when `peer` is null.
   */
  readonly peerWebSocket?: boolean
  /**
   * The URL this node is reached at through a reverse proxy (`https://chat.example.org`): its
   * `wss://…/v1/peer` address is published for peers, its host name is allowed for the API,
   * and loopback connections are taken as the proxy (`trustProxy`).
   */
  readonly publicUrl?: string
  /**
   * Loopback connections are a reverse proxy: peer admission counts the `X-Forwarded-For`
   * client, and the API's per-client cap does not hold them. Default: true with `publicUrl`.
   */
  readonly trustProxy?: boolean
  /**
   * false: this node accepts no peer connection at all (no TCP listener, no `/v1/peer`), as
   * behind NAT (`sdmp start --no-listen`); peers reach it through its `relays`. Default true.
   */
  readonly listen?: boolean
  /**
   * Relays to stay registered on (docs/protocol/relays.md): WebSocket peer addresses of nodes
   * of this user (`wss://host.example.org/v1/peer#FINGERPRINT`). Their relay addresses for this
   * node are published after its direct ones.
   */
  readonly relays?: readonly string[]
  /**
   * A rendezvous directory (`http(s)://…`, relays.md §6.1): register this node's signed address
   * record there (on start, on change, before expiry) and look up peer nodes whose published
   * addresses all fail.
   */
  readonly rendezvous?: string
  /** Record lifetime and lookup/retry interval of the rendezvous link (tests shorten them). */
  readonly rendezvousTiming?: Partial<RendezvousLinkTiming>
  /**
   * Serve a relay for the other nodes of this user on the API port at `/v1/relay` (relays.md
   * §3). Default true; it only serves nodes of this node's own user.
   */
  readonly relayService?: boolean
  /** Limits of that relay (relays.md §4) and, for tests, a tap on the bytes it forwards. */
  readonly relayOptions?: { readonly limits?: Partial<RelayLimits>; readonly tap?: SpliceTap }
  /** Client API listener (loopback by default). */
  readonly api: { readonly host: string; readonly port: number }
  /**
   * Extra host names the client API answers to besides loopback names and its own address (for
   * a reverse proxy or a LAN name; docs/api.md §6).
   */
  readonly apiHosts?: readonly string[]
  /** Limits of the API listener (connection caps and timeouts; docs/api.md §6). */
  readonly apiLimits?: Partial<ApiServerLimits>
  /**
   * Instances of one node over a shared store (docs/scale.md §8-§9): this one dials its peers
   * and publishes its addresses only while it holds the lease; it always accepts. Instances of
   * one node dialling the same peer would each replace the other's session there. Default: no
   * lease, always dial.
   */
  readonly dialLease?: DialLease
  /** Addresses to publish for peers, `HOST:PORT` (default: derived from the listener). */
  readonly advertise?: readonly string[]
  /** Directory of the web client's static files, served at `/`. */
  readonly webRoot?: string
  readonly backoff?: Partial<BackoffOptions>
  /** Peer channel and listener limits (handshake deadline, admission; transport.md §8). */
  readonly transportLimits?: Partial<TransportLimits>
  /** Called for every inbound peer connection dropped before its handshake. */
  readonly onDrop?: (reason: DropReason, remoteAddress: string) => void
  /** How often to check prekey rotation and expired prekey secrets. Default 1 hour. */
  readonly prekeyCheckMs?: number
  /** Notable events for the log (never secrets). */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
  /** Limits of the public inbox for message requests (docs/protocol/requests.md §4). */
  readonly requestLimits?: Partial<RequestLimits>
}
