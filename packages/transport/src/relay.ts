/**
 * The relay (docs/protocol/relays.md): a node that cannot accept connections keeps a control
 * channel to a relay it is authorized on; a peer that wants it dials the relay and asks for the
 * node's fingerprint; the relay tells the node (a splice id over the control channel), the node
 * opens a stream back, and the relay joins the two streams byte for byte. The end-to-end
 * handshake and every frame after it run THROUGH the splice, so the relay holds no key of that
 * channel and reads nothing of it (relays.md §6).
 * @module
 */
import { ErrorCode, ProtocolError, toBase64url, toHex } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { secureChannel } from './channel.js'
import type { SecureChannel, SecureChannelOptions } from './channel-types.js'
import type { Duplex } from './duplex.js'
import { Splice, targetNotConnected } from './relay-splice.js'
import type { SpliceEnd, SpliceLimits, SpliceTap } from './relay-splice.js'

/** Limits of a relay (relays.md §4), over {@link DEFAULT_RELAY_LIMITS}. */
export interface RelayLimits extends SpliceLimits {
  /** Splices open or waiting at once, in all. */
  readonly maxSplices: number
  /** Splices open or waiting at once towards one relayed node. */
  readonly maxSplicesPerTarget: number
  /** A splice the relayed node has not taken within this many ms is dropped. */
  readonly acceptTimeoutMs: number
  /** Nodes registered at once (control channels). */
  readonly maxRegistered: number
}

/** Defaults of {@link RelayLimits} (relays.md §4). */
export const DEFAULT_RELAY_LIMITS: RelayLimits = Object.freeze({
  maxSplices: 64,
  maxSplicesPerTarget: 8,
  acceptTimeoutMs: 10_000,
  maxRegistered: 64,
  bytesPerSecond: 1024 * 1024,
  idleTimeoutMs: 120_000,
  maxPendingBytes: 64 * 1024,
})

/** Control message type relay → node: a splice waits for you (relays.md §3). */
export const RELAY_INCOMING = 0x01
/** Bytes of a splice id. */
export const SPLICE_ID_BYTES = 16

/** Options of {@link createRelay}: the relay's own channel options for the control channels. */
export interface RelayOptions
  extends Omit<SecureChannelOptions, 'role' | 'expectedPeer' | 'signal'> {
  /**
   * The gate of the control channels: whom this relay serves (the daemon: nodes of its own
   * user). A refused node gets `rejected(reason)` as on any channel.
   */
  readonly authorize: SecureChannelOptions['authorize']
  readonly relayLimits?: Partial<RelayLimits>
  /** Observes every forwarded chunk (tests). */
  readonly tap?: SpliceTap
  /** Notable events (registrations, refusals); never secrets. */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** Counters of a relay. */
export interface RelayStats {
  readonly registered: number
  /** Splices open or waiting now. */
  readonly active: number
  /** Splices the relayed node took, in all. */
  readonly joined: number
  /** Bytes forwarded by finished and open splices, both directions. */
  readonly bytes: number
  /** Requests and splices refused or dropped, by reason. */
  readonly refused: Readonly<Record<string, number>>
}

/** A running relay. The caller routes streams to it (the daemon: WebSocket paths, relays.md §3). */
export interface Relay {
  /**
   * Whether a dialler may ask for `target` now; call before accepting its stream, to answer
   * with a status.
   * @throws NOT_FOUND (target not connected), LIMIT_EXCEEDED (too many splices)
   */
  check(target: string): void
  /** A node's control stream: responder handshake under `authorize`, then registration. */
  register(duplex: Duplex): void
  /** A dialler's stream asking for `target`; refused streams are destroyed. */
  connect(duplex: Duplex, target: string): void
  /** A relayed node's stream taking splice `id` (base64url); unknown ids are destroyed. */
  take(duplex: Duplex, id: string): void
  /** Whether `fingerprint` holds a control channel now. */
  isRegistered(fingerprint: string): boolean
  readonly stats: RelayStats
  /** Close every control channel and splice. */
  close(): Promise<void>
}

interface Pending {
  readonly target: string
  readonly splice: Splice
  readonly timer: ReturnType<typeof setTimeout>
  /** Key of the splice-id map, kept so the splice can remove itself. */
  key: string | undefined
}

/**
 * Create a relay.
 * @example
 * const relay = createRelay({ provider, nodeSeed, fingerprintOf, authorize: ownNodes })
 * relay.register(controlDuplex) // the node; later, for a dialler:
 * relay.check(target); relay.connect(diallerDuplex, target)
 */
export function createRelay(options: RelayOptions): Relay {
  const limits: RelayLimits = Object.freeze({ ...DEFAULT_RELAY_LIMITS, ...options.relayLimits })
  const provider: CryptoProvider = options.provider
  const nodes = new Map<string, SecureChannel>()
  const splices = new Set<Pending>()
  /** Waiting splices by the SHA-512 of their id (below: why hashed). */
  const waiting = new Map<string, Pending>()
  const perTarget = new Map<string, number>()
  const refused: Record<string, number> = {}
  let joined = 0
  let bytesDone = 0
  let closed = false
  const refuse = (reason: string) => {
    refused[reason] = (refused[reason] ?? 0) + 1
    options.event?.('relay-refused', { reason })
  }
  // The id is a bearer secret of the relayed node: the map is keyed by its hash, so how long a
  // lookup takes says nothing about how much of a guessed id is right.
  const keyOf = (id: string) => toHex(provider.sha512(new TextEncoder().encode(id)))

  const finish = (p: Pending, why: SpliceEnd) => {
    clearTimeout(p.timer)
    if (!splices.delete(p)) return
    if (p.key !== undefined) waiting.delete(p.key)
    const n = (perTarget.get(p.target) ?? 1) - 1
    if (n <= 0) perTarget.delete(p.target)
    else perTarget.set(p.target, n)
    const b = p.splice.bytes
    bytesDone += b.fromDialler + b.fromTarget
    if (why !== 'closed') refuse(why)
  }

  const check = (target: string) => {
    if (closed || !nodes.has(target)) throw targetNotConnected()
    if (splices.size >= limits.maxSplices)
      throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'relay: too many splices')
    if ((perTarget.get(target) ?? 0) >= limits.maxSplicesPerTarget)
      throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'relay: too many splices to this node')
  }

  return {
    check,
    register(duplex) {
      if (closed || nodes.size >= limits.maxRegistered) {
        refuse(closed ? 'shutdown' : 'registered_limit')
        return duplex.destroy()
      }
      secureChannel(duplex, { ...options, role: 'responder' }).then(
        (channel) => {
          const fp = channel.peer.fingerprint
          if (closed) return void channel.close('shutdown')
          // One control channel per node: a reconnect replaces a half-dead older one.
          const old = nodes.get(fp)
          nodes.set(fp, channel)
          if (old) void old.close('replaced')
          options.event?.('relay-registered', { node: fp })
          // Nothing flows node → relay (relays.md §3): any message is a protocol violation.
          channel.onMessage(() => void channel.close('bad_request'))
          void channel.closed.then(() => {
            if (nodes.get(fp) !== channel) return
            nodes.delete(fp)
            for (const p of splices) if (p.target === fp && !p.splice.joined) p.splice.end('closed')
          })
        },
        () => refuse('control_handshake'),
      )
    },
    connect(duplex, target) {
      try {
        check(target)
      } catch (e) {
        refuse((e as ProtocolError).code.toLowerCase())
        return duplex.destroy()
      }
      const idBytes = provider.randomBytes(SPLICE_ID_BYTES)
      const id = toBase64url(idBytes)
      let pending: Pending | undefined
      const splice = new Splice(duplex, limits, (why) => finish(pending!, why), options.tap)
      pending = {
        target,
        splice,
        key: keyOf(id),
        timer: setTimeout(() => {
          if (!splice.joined) splice.end('accept_timeout')
        }, limits.acceptTimeoutMs),
      }
      pending.timer.unref()
      splices.add(pending)
      waiting.set(pending.key!, pending)
      perTarget.set(target, (perTarget.get(target) ?? 0) + 1)
      const message = new Uint8Array(1 + SPLICE_ID_BYTES)
      message[0] = RELAY_INCOMING
      message.set(idBytes, 1)
      const control = nodes.get(target)!
      // send throws at once on a channel that just closed: the splice ends either way.
      Promise.resolve()
        .then(() => control.send(message))
        .catch(() => splice.end('closed'))
    },
    take(duplex, id) {
      const key = keyOf(id)
      const p = waiting.get(key)
      if (!p) {
        refuse('unknown_splice')
        return duplex.destroy()
      }
      waiting.delete(key)
      p.key = undefined
      clearTimeout(p.timer)
      joined++
      p.splice.join(duplex)
    },
    isRegistered: (fp) => nodes.has(fp),
    get stats(): RelayStats {
      let bytes = bytesDone
      for (const p of splices) bytes += p.splice.bytes.fromDialler + p.splice.bytes.fromTarget
      return {
        registered: nodes.size,
        active: splices.size,
        joined,
        bytes,
        refused: { ...refused },
      }
    },
    async close() {
      closed = true
      for (const p of [...splices]) p.splice.end('shutdown')
      await Promise.all([...nodes.values()].map((c) => c.close('shutdown')))
      nodes.clear()
    },
  }
}

/**
 * Read a control message (relay → node, relays.md §3).
 * @returns the splice id (base64url)
 * @throws BAD_REQUEST for anything but an `incoming` message of the right size
 */
export function decodeRelayIncoming(message: Uint8Array): string {
  if (message.length !== 1 + SPLICE_ID_BYTES || message[0] !== RELAY_INCOMING)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `relay.message: expected ${1 + SPLICE_ID_BYTES} bytes of type ${RELAY_INCOMING}, got ${message.length} bytes`,
    )
  return toBase64url(message.subarray(1))
}
