/**
 * Limits and timeouts of the secure channel and its listeners, in one typed, frozen object with
 * documented defaults (docs/protocol/transport.md §8).
 * @module
 */

/** Every limit and timeout of the transport. */
export interface TransportLimits {
  /** Handshake plus trust gate must finish within this many ms, else TIMEOUT. */
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
  /** Handshakes in progress at once, per listener. */
  readonly maxConcurrentHandshakes: number
  /** Connections (handshaking or open) per remote address, per listener. */
  readonly maxConnectionsPerAddress: number
  /** Outgoing bytes buffered in the duplex before `send()` waits for drain. */
  readonly highWaterMarkBytes: number
}

/** The defaults of transport.md §8. */
export const DEFAULT_LIMITS: TransportLimits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  maxMessageBytes: 65_536,
  rekeyAfterFrames: 65_536,
  rekeyAfterMs: 600_000,
  keepaliveMs: 15_000,
  idleTimeoutMs: 60_000,
  maxConcurrentHandshakes: 64,
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
  return Object.freeze(out) as unknown as TransportLimits
}
