/**
 * The accepting side, independent of the byte stream: runs the responder handshake for every
 * incoming duplex under the listener limits (concurrent handshakes, connections per address)
 * and keeps the open channels so the node can disconnect a peer whose trust was revoked
 * (docs/protocol/transport.md §5, §7, §8).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
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
  /** Handshakes in progress. */
  readonly handshaking: number
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
  let handshaking = 0
  let closed = false
  const report = (error: Error, address: string) => {
    try {
      options.onError?.(error, address)
    } catch {
      // a failing error reporter must not take the listener down
    }
  }
  const release = (address: string) => {
    const n = (perAddress.get(address) ?? 1) - 1
    if (n <= 0) perAddress.delete(address)
    else perAddress.set(address, n)
  }
  const refuse = (duplex: Duplex, message: string) => {
    duplex.destroy()
    report(new ProtocolError(ErrorCode.LIMIT_EXCEEDED, message), duplex.remoteAddress)
  }

  return {
    accept(duplex: Duplex): void {
      const address = duplex.remoteAddress
      if (closed) return refuse(duplex, 'listener: closed')
      if (handshaking >= limits.maxConcurrentHandshakes)
        return refuse(duplex, 'listener: too many concurrent handshakes')
      if ((perAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress)
        return refuse(duplex, 'listener: too many connections from one address')
      handshaking++
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1)
      secureChannel(duplex, { ...options, role: 'responder' }).then(
        (channel) => {
          handshaking--
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
          handshaking--
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
      return handshaking
    },
    async close(): Promise<void> {
      closed = true
      await Promise.all([...channels].map((c) => c.close('shutdown')))
    },
  }
}
