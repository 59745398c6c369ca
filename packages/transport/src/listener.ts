/**
 * The accepting side, independent of the byte stream: runs the responder handshake for every
 * incoming duplex under the listener limits (half-open admission with random early drop and a
 * share reserved for known addresses, connections per address) and keeps the open channels so
 * the node can disconnect a peer whose trust was revoked (docs/protocol/transport.md §5, §7,
 * §8, §8.1).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { decideAdmission, randomFrom } from './admission.js'
import type { DropReason, HandshakePool } from './admission.js'
import { secureChannel } from './channel.js'
import type { SecureChannel, SecureChannelOptions } from './channel-types.js'
import type { Duplex } from './duplex.js'
import { resolveLimits } from './limits.js'

/** Options of a listener: the responder's channel options plus callbacks. */
export interface ListenerOptions
  extends Omit<SecureChannelOptions, 'role' | 'expectedPeer' | 'signal'> {
  /** Called with every channel that passed the handshake and both trust gates. */
  readonly onChannel: (channel: SecureChannel) => void
  /** Called for every connection that failed or was refused (coded ProtocolError normally). */
  readonly onError?: (error: Error, remoteAddress: string) => void
  /**
   * Whether a source address belongs to a node the application trusts (for a node: listed in a
   * signed `node` record of a trusted node). Such addresses may take the reserved half-open
   * slots (`reservedKnownHandshakes`, transport.md §8.1). Default: nothing is known.
   */
  readonly isKnownAddress?: (remoteAddress: string) => boolean
  /**
   * Called for every connection dropped before its handshake (admission, transport.md §8.1),
   * besides `onError`; for counters and rate-limited log lines. Never carries a secret.
   */
  readonly onDrop?: (reason: DropReason, remoteAddress: string) => void
  /** Uniform in [0, 1) for random early drop; default the provider's CSPRNG (tests seed it). */
  readonly random?: () => number
}

/** Admission counters of a listener (transport.md §8.1). */
export interface AdmissionStats {
  /** Half-open handshakes in the general pool. */
  readonly general: number
  /** Half-open handshakes in the reserved pool (known addresses). */
  readonly reserved: number
  /** Connections dropped before their handshake, in total and by reason. */
  readonly dropped: number
  readonly droppedBy: Readonly<Record<DropReason, number>>
}

/** A running listener. */
export interface Listener {
  /** Take an incoming connection: handshake, gate, then `onChannel`. Never throws. */
  accept(duplex: Duplex): void
  /**
   * Disconnect every open channel with the peer `fingerprint` (trust revoked): each gets a
   * `rejected(reason)` frame. Returns how many channels were closed.
   */
  disconnect(fingerprint: string, reason?: string): number
  /** Open channels. */
  readonly channels: ReadonlySet<SecureChannel>
  /** Handshakes in progress (both pools). */
  readonly handshaking: number
  /** Admission counters: pools and drops. */
  readonly admission: AdmissionStats
  /** Close every open channel (orderly) and refuse new connections. */
  close(): Promise<void>
}

/**
 * Create a listener over any duplex source (TCP, WebSocket, in-memory).
 * @example
 * const listener = createListener({ provider, nodeSeed, fingerprintOf, authorize, onChannel })
 * listener.accept(duplex)
 */
export function createListener(options: ListenerOptions): Listener {
  const limits = resolveLimits(options.limits)
  const channels = new Set<SecureChannel>()
  const perAddress = new Map<string, number>()
  const halfOpenPerAddress = new Map<string, number>()
  const pools: Record<HandshakePool, number> = { general: 0, reserved: 0 }
  const droppedBy: Record<DropReason, number> = {
    closed: 0,
    connections_per_address: 0,
    handshakes_per_address: 0,
    early_drop: 0,
    full: 0,
  }
  const random = options.random ?? randomFrom((n) => options.provider.randomBytes(n))
  let closed = false
  const report = (error: Error, address: string) => {
    try {
      options.onError?.(error, address)
    } catch {
      // a failing error reporter must not take the listener down
    }
  }
  const decrement = (map: Map<string, number>, address: string) => {
    const n = (map.get(address) ?? 1) - 1
    if (n <= 0) map.delete(address)
    else map.set(address, n)
  }
  const release = (address: string) => decrement(perAddress, address)
  /** The handshake ended (either way): free its half-open slot. */
  const settle = (pool: HandshakePool, address: string) => {
    pools[pool]--
    decrement(halfOpenPerAddress, address)
  }
  const isKnown = (address: string): boolean => {
    try {
      return options.isKnownAddress?.(address) === true
    } catch {
      return false // a failing predicate must not take the listener down; unknown is safe
    }
  }
  const drop = (duplex: Duplex, reason: DropReason) => {
    duplex.destroy()
    droppedBy[reason]++
    try {
      options.onDrop?.(reason, duplex.remoteAddress)
    } catch {
      // a failing observer must not take the listener down
    }
    report(new ProtocolError(ErrorCode.LIMIT_EXCEEDED, DROP_MESSAGES[reason]), duplex.remoteAddress)
  }

  return {
    accept(duplex: Duplex): void {
      const address = duplex.remoteAddress
      if (closed) return drop(duplex, 'closed')
      const decision = decideAdmission(
        {
          general: pools.general,
          reserved: pools.reserved,
          handshakesFromAddress: halfOpenPerAddress.get(address) ?? 0,
          connectionsFromAddress: perAddress.get(address) ?? 0,
        },
        isKnown(address),
        limits,
        random,
      )
      if (!decision.admit) return drop(duplex, decision.reason)
      const pool = decision.pool
      pools[pool]++
      halfOpenPerAddress.set(address, (halfOpenPerAddress.get(address) ?? 0) + 1)
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1)
      secureChannel(duplex, { ...options, role: 'responder' }).then(
        (channel) => {
          settle(pool, address)
          if (closed) {
            void channel.close('shutdown').then(() => release(address))
            return
          }
          channels.add(channel)
          void channel.closed.then(() => {
            channels.delete(channel)
            release(address)
          })
          try {
            options.onChannel(channel)
          } catch (error) {
            report(error instanceof Error ? error : new Error(String(error)), address)
            void channel.close('internal_error')
          }
        },
        (error: unknown) => {
          settle(pool, address)
          release(address)
          report(error instanceof Error ? error : new Error(String(error)), address)
        },
      )
    },
    disconnect(fingerprint: string, reason = 'revoked'): number {
      let n = 0
      for (const channel of channels)
        if (channel.peer.fingerprint === fingerprint) {
          void channel.revoke(reason)
          n++
        }
      return n
    },
    channels,
    get handshaking() {
      return pools.general + pools.reserved
    },
    get admission(): AdmissionStats {
      const dropped = Object.values(droppedBy).reduce((a, b) => a + b, 0)
      return { ...pools, dropped, droppedBy: { ...droppedBy } }
    },
    async close(): Promise<void> {
      closed = true
      await Promise.all([...channels].map((c) => c.close('shutdown')))
    },
  }
}

/** The error message reported through `onError` for each drop reason. */
const DROP_MESSAGES: Readonly<Record<DropReason, string>> = {
  closed: 'listener: closed',
  connections_per_address: 'listener: too many connections from one address',
  handshakes_per_address: 'listener: too many handshakes from one address',
  early_drop: 'listener: dropped early, many handshakes pending',
  full: 'listener: too many concurrent handshakes',
}
