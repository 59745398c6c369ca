/**
 * Liveness of an open channel (docs/protocol/transport.md §4 ping, §8): a PING when nothing was sent for
 * `keepaliveMs`, and a TIMEOUT when nothing authentic arrived for `idleTimeoutMs`. Either limit
 * may be 0 (off); with both off no timer runs.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { FrameReceiver } from './frame-receiver.js'
import type { FrameWriter } from './frame-writer.js'
import type { TransportLimits } from './limits.js'
import { FrameType } from './transport-domain.js'

const EMPTY = new Uint8Array(0)

/** The keepalive and idle timer of one channel, started when it opens. */
export class Keepalive {
  readonly #limits: TransportLimits
  readonly #writer: FrameWriter
  readonly #receiver: FrameReceiver
  readonly #onIdle: (error: ProtocolError) => void
  #timer: ReturnType<typeof setInterval> | null = null

  /** @param onIdle called with a TIMEOUT error when the peer went silent */
  constructor(
    limits: TransportLimits,
    writer: FrameWriter,
    receiver: FrameReceiver,
    onIdle: (error: ProtocolError) => void,
  ) {
    this.#limits = limits
    this.#writer = writer
    this.#receiver = receiver
    this.#onIdle = onIdle
  }

  /** Count both directions from now and start ticking at half the shorter limit. */
  start(): void {
    this.#writer.lastSentAt = this.#receiver.lastReceivedAt = Date.now()
    const { keepaliveMs, idleTimeoutMs } = this.#limits
    const tick = Math.min(keepaliveMs || Infinity, idleTimeoutMs || Infinity)
    // Not unref'd: an open channel keeps the process alive, as its socket would.
    if (tick !== Infinity)
      this.#timer = setInterval(() => this.#onTick(), Math.max(10, Math.floor(tick / 2)))
  }

  /** Stop ticking (the channel closed). Idempotent. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }

  #onTick(): void {
    const now = Date.now()
    const { keepaliveMs, idleTimeoutMs } = this.#limits
    if (idleTimeoutMs && now - this.#receiver.lastReceivedAt > idleTimeoutMs)
      this.#onIdle(
        new ProtocolError(ErrorCode.TIMEOUT, `channel: nothing received for ${idleTimeoutMs} ms`),
      )
    else if (keepaliveMs && now - this.#writer.lastSentAt >= keepaliveMs)
      this.#writer.frame(FrameType.PING, EMPTY)
  }
}
