/**
 * What a node's network (network.ts) is started with, and the addresses it publishes for its
 * listener.
 * @module
 */
import { networkInterfaces } from 'node:os'
import type { ContentKind } from '@sdmp/core'
import type { DropReason, TransportLimits } from '@sdmp/transport'
import type { BackoffOptions, PeerAddress, SyncLimits } from '@sdmp/node'
import { formatPeerAddress } from '@sdmp/node'
import type { Account } from '../account/account.js'
import type { RendezvousLinkTiming } from '../rendezvous/rendezvous-link.js'
import type { RequestInbox } from './request-inbox.js'

/** Options of `NodeNetwork.start` (network.ts). */
export interface NetworkOptions {
  readonly account: Account
  /** Accept peers here (port 0 picks one); omit to only dial (one-shot `sdmp sync`). */
  readonly listen?: { readonly host: string; readonly port: number }
  /** Addresses to publish (`HOST:PORT`, `wss://HOST/PATH`); default: derived from the listeners. */
  readonly advertise?: readonly string[]
  /**
   * Take peer channels the daemon accepts as WebSocket upgrades on its API port (one port),
   * through `NodeNetwork.accept`.
   */
  readonly acceptWebSocket?: boolean
  /** Where peers reach those WebSocket channels (`ws://…/v1/peer`, `wss://…`), published before the TCP addresses. */
  readonly webSocketAddresses?: readonly string[]
  /** Relays to stay registered on (docs/protocol/relays.md); their addresses are published last. */
  readonly relays?: readonly PeerAddress[]
  /**
   * A rendezvous directory (relays.md §6.1): this node registers its addresses there and looks
   * up peer nodes whose published addresses all fail.
   */
  readonly rendezvous?: { readonly url: string; readonly timing?: Partial<RendezvousLinkTiming> }
  /** Whether to dial peers now (DaemonOptions.dialLease); false: accept only. Default: always. */
  readonly dials?: () => boolean
  readonly backoff?: Partial<BackoffOptions>
  readonly limits?: Partial<SyncLimits>
  /** Peer channel and listener limits (handshake deadline, admission; transport.md §8). */
  readonly transportLimits?: Partial<TransportLimits>
  /** Called for every inbound connection dropped before its handshake (for counters and logs). */
  readonly onDrop?: (reason: DropReason, remoteAddress: string) => void
  /** Notable events (never secrets). */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
  /** This node's public inbox for message requests (docs/protocol/requests.md); absent: none. */
  readonly requests?: RequestInbox
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/** Addresses to publish for a listener bound to `host:port`. */
export function advertisedAddresses(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [formatPeerAddress({ host, port })]
  const out = ['127.0.0.1']
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? [])
      if (!a.internal && a.family === 'IPv4' && !LOOPBACK.has(a.address)) out.push(a.address)
  return out.slice(0, 16).map((h) => formatPeerAddress({ host: h, port }))
}

/** Kinds whose arrival can change whom this node should dial. */
export const TOPOLOGY_KINDS: ReadonlySet<string> = new Set<ContentKind>([
  'identity',
  'trust',
  'revoke',
  'node',
])
