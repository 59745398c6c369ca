/**
 * The peer manager's (peer-manager.ts) options, the state of a dialled peer and the typed
 * peer changes the daemon follows; the channel limits it uses by default and the listener
 * options of peers spliced by a relay.
 * @module
 */
import type { CryptoProvider } from '@sdmp/core'
import { resolveLimits } from '@sdmp/transport'
import type { DropReason, ListenerOptions, TransportLimits } from '@sdmp/transport'
import type { BackoffOptions } from './backoff.js'
import type { FirstContactOptions } from './first-contact.js'
import type { PeerAddress } from './peer-address.js'
import type { SyncEngine } from './sync/sync-engine.js'

/** Channel limits the manager uses unless overridden: messages must fit a 1 MiB resource (sync.md §8.1). */
export const PEER_CHANNEL_LIMITS: Partial<TransportLimits> = Object.freeze({
  maxMessageBytes: 2 * 1024 * 1024,
})

/** Options of `PeerManager` (peer-manager.ts). */
export interface PeerManagerOptions {
  readonly engine: SyncEngine
  readonly provider: CryptoProvider
  /** This node's 32-byte Ed25519 seed (the node identity key). */
  readonly nodeSeed: Uint8Array
  /** Accept TCP peers here (port 0: the OS picks; read `PeerManager.tcpAddress`). */
  readonly listen?: { readonly host: string; readonly port: number }
  /** Accept WebSocket peers here. */
  readonly listenWebSocket?: { readonly host: string; readonly port: number }
  /**
   * Also take connections someone else accepted, through `PeerManager.accept` (the
   * daemon's WebSocket upgrades on its API port: one port). They get a listener of their own,
   * with the same trust gate and admission limits as the TCP one.
   */
  readonly acceptExternal?: boolean
  /** Peers to dial and keep connected. */
  readonly peers?: readonly PeerAddress[]
  /**
   * Relays to stay registered on (docs/protocol/relays.md §3): WebSocket addresses of nodes this
   * node is authorized on. Peers that dial `PeerManager.relayAddresses` are spliced to
   * this node and pass its trust gate as any inbound peer.
   */
  readonly relays?: readonly PeerAddress[]
  /** Re-dial timing (defaults: {@link DEFAULT_BACKOFF}). */
  readonly backoff?: Partial<BackoffOptions>
  /** Channel limits over {@link PEER_CHANNEL_LIMITS}. */
  readonly transportLimits?: Partial<TransportLimits>
  /**
   * Whether an inbound source address belongs to a trusted node (its signed `node` record lists
   * it): such addresses may use the listener's reserved half-open slots (transport.md §8.1).
   */
  readonly isKnownAddress?: (remoteAddress: string) => boolean
  /** Called for every inbound connection the listener dropped before its handshake. */
  readonly onDrop?: (reason: DropReason, remoteAddress: string) => void
  /** Jitter source, uniform in [0, 1) (tests pass a fixed one). Default Math.random. */
  readonly random?: () => number
  /** Notable events (connections, failures); never secrets. */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
  /**
   * Answer one request of nodes this node does not know (sync.md §8.8: a short invite's
   * fetch). Without it, unknown nodes are refused at the trust gate as before.
   */
  readonly firstContact?: FirstContactOptions
}

/** The state of one dialled peer, for status pages and tests. */
export interface PeerStatus {
  /** The address as configured (formatPeerAddress). */
  readonly address: string
  /** connecting: dial in progress; connected: a session is open; backoff: waiting to re-dial. */
  readonly state: 'connecting' | 'connected' | 'backoff' | 'stopped'
  /** The peer node: as configured, else as learned on the first connection. */
  readonly fingerprint?: string
  /** True when the open session is the one the peer dialled (we did not need ours). */
  readonly inbound?: boolean
  /** Consecutive failures (reset by a connection that stayed up `resetAfterMs`). */
  readonly failures: number
  /** In backoff: when the next dial happens (epoch ms). */
  readonly nextAttemptAt?: number
  /** Why the last attempt or connection ended (a lowercase error code or close reason); absent
   * while connected. */
  readonly lastError?: string
}

/**
 * A change of one peer's connection, typed (docs/architecture.md "One path for a message"):
 * the daemon's live peer list follows these; logs get the same facts through `event`.
 */
export type PeerChange =
  | {
      readonly type: 'connected'
      readonly peer: string
      readonly role: 'initiator' | 'responder'
      /** The dialled address (formatPeerAddress), for a connection this node dialled. */
      readonly address?: string
    }
  | {
      readonly type: 'disconnected'
      readonly peer: string
      readonly reason: string
      readonly address: string
    }
  | {
      readonly type: 'backoff'
      readonly address: string
      readonly code: string
      readonly delayMs: number
      /** The peer node, when known (configured or learned on an earlier connection). */
      readonly peer?: string
      /**
       * Set when the peer's trust gate refused us, to the reason it gave (`untrusted`,
       * `unknown_node`, `revoked`, ...; transport.md §5): the peer's user does not (or no
       * longer) accept ours. Absent for our own refusals and every other failure.
       */
      readonly refusal?: string
    }

/**
 * The listener options of spliced peers (relays.md §4): every one of them arrives from the
 * relay's address, so the per-address caps (meant to stop one source from holding many slots)
 * would cap the relayed peers as a whole. The relay bounds splices per target itself, and only
 * relays of this node's own user splice to it; the pool limits (concurrent handshakes, early
 * drop) stay.
 */
export function splicedListenerOptions(options: ListenerOptions): ListenerOptions {
  const limits = resolveLimits(options.limits)
  return {
    ...options,
    limits: {
      ...limits,
      maxConnectionsPerAddress: Number.MAX_SAFE_INTEGER,
      maxHandshakesPerAddress: limits.maxConcurrentHandshakes,
    },
  }
}
