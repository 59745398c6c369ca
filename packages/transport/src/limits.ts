/**
 * Limits and timeouts of the secure channel and its listeners, in one typed, frozen object with
 * documented defaults (docs/protocol/transport.md §8).
 * @module
 */

/** Every limit and timeout of the transport. */
export interface TransportLimits {
  /**
   * Handshake plus trust gate must finish within this many ms, else TIMEOUT. Short, because a
   * silent connection holds a half-open slot until then (transport.md §8.1).
   */
  readonly handshakeTimeoutMs: number
  /** Largest application message accepted, in bytes; announced to the peer. */
  readonly maxMessageBytes: number
  /** Frames sent before the sender rekeys. */
  readonly rekeyAfterFrames: number
  /** Milliseconds before the sender rekeys (checked on each send). */
  readonly rekeyAfterMs: number
  /** Send a ping after this long without sending; 0 disables keepalive. */
  readonly keepaliveMs: number
  /** Fail with TIMEOUT after this long without receiving anything; 0 disables. */
  readonly idleTimeoutMs: number
  /**
   * Half-open handshakes in the general pool at once, per listener (MaxStartups `full`): at this
   * count every new connection from an address that is not known is dropped.
   */
  readonly maxConcurrentHandshakes: number
  /** General-pool count from which new connections are dropped at random (MaxStartups `start`). */
  readonly handshakeDropStart: number
  /** Drop probability in percent at `handshakeDropStart`, rising linearly to 100 at full. */
  readonly handshakeDropRatePercent: number
  /** Extra half-open slots only addresses the application knows may take (transport.md §8.1). */
  readonly reservedKnownHandshakes: number
  /** Half-open handshakes per remote address, per listener (both pools). */
  readonly maxHandshakesPerAddress: number
  /** Connections (handshaking or open) per remote address, per listener. */
  readonly maxConnectionsPerAddress: number
  /** Outgoing bytes buffered in the duplex before `send()` waits for drain. */
  readonly highWaterMarkBytes: number
}

/** The defaults of transport.md §8. */
export const DEFAULT_LIMITS: TransportLimits = Object.freeze({
  handshakeTimeoutMs: 5_000,
  maxMessageBytes: 65_536,
  rekeyAfterFrames: 65_536,
  rekeyAfterMs: 600_000,
  keepaliveMs: 15_000,
  idleTimeoutMs: 60_000,
  maxConcurrentHandshakes: 64,
  handshakeDropStart: 16,
  handshakeDropRatePercent: 30,
  reservedKnownHandshakes: 16,
  maxHandshakesPerAddress: 4,
  maxConnectionsPerAddress: 8,
  highWaterMarkBytes: 1024 * 1024,
})

/** Largest maxMessageBytes this implementation allows a node to configure (16 MiB). */
export const MAX_MESSAGE_BYTES_CEILING = 16 * 1024 * 1024

const MINIMUM: Record<keyof TransportLimits, number> = {
  handshakeTimeoutMs: 1,
  maxMessageBytes: 1,
  rekeyAfterFrames: 1,
  rekeyAfterMs: 1,
  keepaliveMs: 0,
  idleTimeoutMs: 0,
  maxConcurrentHandshakes: 1,
  handshakeDropStart: 0,
  handshakeDropRatePercent: 0,
  reservedKnownHandshakes: 0,
  maxHandshakesPerAddress: 1,
  maxConnectionsPerAddress: 1,
  highWaterMarkBytes: 1,
}

/**
 * Merge overrides over the defaults, check every field and freeze the result. Options come
 * from our own config code, so a bad value is a bug.
 * @throws TypeError for an unknown key, RangeError for a value out of range
 */
export function resolveLimits(overrides: Partial<TransportLimits> = {}): TransportLimits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS }
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`limits.${key}: unknown option`)
    if (value === undefined) continue
    const min = MINIMUM[key as keyof TransportLimits]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
      throw new RangeError(`limits.${key}: expected an integer >= ${min}`)
    out[key] = value
  }
  if (out['maxMessageBytes']! > MAX_MESSAGE_BYTES_CEILING)
    throw new RangeError(`limits.maxMessageBytes: expected <= ${MAX_MESSAGE_BYTES_CEILING}`)
  if (out['handshakeDropRatePercent']! > 100)
    throw new RangeError('limits.handshakeDropRatePercent: expected <= 100')
  return Object.freeze(out) as unknown as TransportLimits
}
