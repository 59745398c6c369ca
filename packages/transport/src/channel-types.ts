/**
 * Public types of the secure channel: options, the authenticated peer, the trust-gate verdict,
 * close information and the channel interface a sync engine sends and receives through
 * (docs/protocol/transport.md §5, §7).
 * @module
 */
import type { CryptoProvider } from '@sdmp/core'
import type { Role } from './handshake.js'
import type { TransportLimits } from './limits.js'

/** The authenticated peer, as the trust gate and the application see it. */
export interface PeerInfo {
  /** The peer node's key fingerprint (computed with `fingerprintOf`). */
  readonly fingerprint: string
  /** The peer node's Ed25519 public key (32 bytes), proven in the handshake. */
  readonly publicKey: Uint8Array
  /** Where the connection comes from (for logs and limits; not authenticated). */
  readonly remoteAddress: string
}

/** The trust gate's answer; `reason` is a reason code (transport.md §4), e.g. "untrusted". */
export type AuthorizeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string }

/** Options of one channel end. */
export interface SecureChannelOptions {
  readonly role: Role
  readonly provider: CryptoProvider
  /** This node's 32-byte Ed25519 seed (the node identity key). */
  readonly nodeSeed: Uint8Array
  /** Fingerprint of a node public key, as the profile defines it (docs/protocol/keys.md). */
  readonly fingerprintOf: (publicKey: Uint8Array) => string
  /** Trust gate, called once the peer is authenticated and before any application data. */
  readonly authorize: (peer: PeerInfo) => Promise<AuthorizeResult>
  /** When dialling a known node: its fingerprint; any other authenticated node is refused. */
  readonly expectedPeer?: string
  /** Overrides of the defaults in limits.ts. */
  readonly limits?: Partial<TransportLimits>
  /** Aborts the handshake (ABORTED); no effect once the channel is open. */
  readonly signal?: AbortSignal
}

/** How and why a channel ended. */
export interface CloseInfo {
  /** Which side ended it: `local` for close()/revoke()/a local failure, `remote` otherwise. */
  readonly by: 'local' | 'remote'
  /** True for an authenticated `close` or `rejected` frame, false for an abrupt end or failure. */
  readonly clean: boolean
  /** The reason code: from the close/rejected frame, or the lowercase error code. */
  readonly reason: string
  /** Set unless it was an orderly close: FORBIDDEN for rejections, the failure otherwise. */
  readonly error?: Error
}

/** Counters for tests, benchmarks and the node's peer status. */
export interface ChannelStats {
  framesSent: number
  framesReceived: number
  bytesSent: number
  bytesReceived: number
  messagesSent: number
  messagesReceived: number
  rekeysSent: number
  rekeysReceived: number
}

/**
 * An open, authenticated, trust-checked channel. Messages are delivered in order, each exactly
 * once, or the channel ends. `closed` never rejects.
 */
export interface SecureChannel extends AsyncIterable<Uint8Array> {
  readonly peer: PeerInfo
  /** The largest message `send` accepts: the peer's announced maximum. */
  readonly maxMessageBytes: number
  /** True until the channel ends. */
  readonly isOpen: boolean
  /** Resolves once, when the channel ends, with why. */
  readonly closed: Promise<CloseInfo>
  readonly stats: Readonly<ChannelStats>
  /**
   * Send one message. The returned promise resolves when the caller may send more (backpressure)
   * and never rejects; it resolves at once when the buffer has room or the channel ends.
   * @throws CLOSED when the channel has ended, LIMIT_EXCEEDED above `maxMessageBytes`
   */
  send(message: Uint8Array): Promise<void>
  /**
   * Deliver messages to `handler` (queued ones first) instead of the async iterator; null to go
   * back to queueing. A handler that throws ends the channel with that error.
   */
  onMessage(handler: ((message: Uint8Array) => void) | null): void
  /** Orderly close: sends an authenticated `close` frame with `reason` (default "normal"). */
  close(reason?: string): Promise<CloseInfo>
  /**
   * Disconnect because trust was revoked (or refused later): sends `rejected(reason)` (default
   * "revoked") and closes; the peer's channel ends with FORBIDDEN.
   */
  revoke(reason?: string): Promise<CloseInfo>
}
