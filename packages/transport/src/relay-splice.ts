/**
 * One splice of a relay (docs/protocol/relays.md §3): two byte streams joined so that whatever
 * arrives on one is written to the other, unread. The relay never runs a channel on them: the
 * bytes are the frames of the end-to-end channel between the dialling peer and the relayed node.
 * Bounded by a rate per direction (token bucket), backpressure, an idle timeout and, before the
 * relayed node has taken the splice, the bytes held for it.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { Duplex } from './duplex.js'

/** Limits of one splice (relays.md §4). */
export interface SpliceLimits {
  /** Bytes per second per direction; the source is paused while over. */
  readonly bytesPerSecond: number
  /** Both streams are dropped after this long without a byte in either direction. */
  readonly idleTimeoutMs: number
  /** Bytes held from the dialler before the relayed node took the splice. */
  readonly maxPendingBytes: number
}

/** Observes the bytes a splice forwards (tests: the relay sees only frames). */
export type SpliceTap = (chunk: Uint8Array, from: 'dialler' | 'target') => void

/** Why a splice ended. */
export type SpliceEnd = 'closed' | 'idle' | 'pending_limit' | 'accept_timeout' | 'shutdown'

/** A token bucket over one direction: `take(n)` answers how long to pause, 0 for not at all. */
class RateBucket {
  #tokens: number
  #at = performance.now()
  constructor(readonly rate: number) {
    this.#tokens = rate // one second of burst
  }
  take(n: number): number {
    const now = performance.now()
    this.#tokens = Math.min(this.rate, this.#tokens + ((now - this.#at) * this.rate) / 1000)
    this.#at = now
    this.#tokens -= n
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.rate)
  }
}

/** One side of a splice: its stream, what pauses it, and the bytes it forwarded. */
interface Side {
  readonly duplex: Duplex
  readonly bucket: RateBucket
  /** Pause reasons: the other side's backpressure, the rate limit. */
  blocked: number
  /** A write to this side returned false: the other side is paused until it drains. */
  full: boolean
  bytes: number
}

/**
 * A splice: created when a dialler asks for a target (its stream is read and held at once),
 * joined when the target's stream arrives, ended when either ends, idles or overflows.
 */
export class Splice {
  readonly #limits: SpliceLimits
  readonly #tap: SpliceTap | undefined
  readonly #onEnd: (why: SpliceEnd, splice: Splice) => void
  readonly #dialler: Side
  #target: Side | undefined
  /** Dialler bytes held until the target joins. */
  #held: Uint8Array[] = []
  #heldBytes = 0
  #idle: ReturnType<typeof setTimeout> | undefined
  #ended = false

  constructor(
    dialler: Duplex,
    limits: SpliceLimits,
    onEnd: (why: SpliceEnd, splice: Splice) => void,
    tap?: SpliceTap,
  ) {
    this.#limits = limits
    this.#tap = tap
    this.#onEnd = onEnd
    this.#dialler = {
      duplex: dialler,
      bucket: new RateBucket(limits.bytesPerSecond),
      blocked: 0,
      full: false,
      bytes: 0,
    }
    this.#touch()
    dialler.attach({
      data: (chunk) => {
        if (this.#target) return this.#forward(this.#dialler, this.#target, chunk, 'dialler')
        this.#heldBytes += chunk.length
        if (this.#heldBytes > limits.maxPendingBytes) return this.end('pending_limit')
        this.#held.push(chunk)
        this.#touch()
      },
      end: () => this.end('closed'),
      error: () => undefined, // `end` follows
      drain: () => this.#target && this.#unblock(this.#target),
    })
  }

  /** Bytes forwarded from the dialler and from the target. */
  get bytes(): { readonly fromDialler: number; readonly fromTarget: number } {
    return { fromDialler: this.#dialler.bytes, fromTarget: this.#target?.bytes ?? 0 }
  }

  /** Whether the target's stream has joined. */
  get joined(): boolean {
    return this.#target !== undefined
  }

  /** The target's stream arrived: flush what the dialler sent so far, then pipe both ways. */
  join(target: Duplex): void {
    if (this.#ended || this.#target) return target.destroy()
    const side: Side = {
      duplex: target,
      bucket: new RateBucket(this.#limits.bytesPerSecond),
      blocked: 0,
      full: false,
      bytes: 0,
    }
    this.#target = side
    target.attach({
      data: (chunk) => this.#forward(side, this.#dialler, chunk, 'target'),
      end: () => this.end('closed'),
      error: () => undefined, // `end` follows
      drain: () => this.#unblock(this.#dialler),
    })
    const held = this.#held
    this.#held = []
    for (const chunk of held) this.#forward(this.#dialler, side, chunk, 'dialler')
  }

  /** End both streams (flushing what was written). Idempotent. */
  end(why: SpliceEnd): void {
    if (this.#ended) return
    this.#ended = true
    clearTimeout(this.#idle)
    this.#held = []
    // An orderly end passes on (the channel's own close frame already went through); anything
    // else drops both streams at once.
    const stop = (d: Duplex) => (why === 'closed' ? d.end() : d.destroy())
    stop(this.#dialler.duplex)
    if (this.#target) stop(this.#target.duplex)
    this.#onEnd(why, this)
  }

  #forward(from: Side, to: Side, chunk: Uint8Array, label: 'dialler' | 'target'): void {
    if (this.#ended) return
    this.#touch()
    from.bytes += chunk.length
    this.#tap?.(chunk, label)
    if (!to.duplex.write(chunk)) this.#block(from, to)
    const wait = from.bucket.take(chunk.length)
    if (wait > 0) {
      this.#pause(from)
      setTimeout(() => this.#resume(from), wait).unref()
    }
  }

  /** `to` is full: pause `from` until `to` drains. */
  #block(from: Side, to: Side): void {
    if (to.full) return
    to.full = true
    this.#pause(from)
  }

  /** `side` drained: resume the other side if its write was what paused it. */
  #unblock(side: Side): void {
    const other = side === this.#dialler ? this.#target : this.#dialler
    if (!other || !side.full) return
    side.full = false
    this.#resume(other)
  }

  #pause(side: Side): void {
    if (side.blocked++ === 0) side.duplex.pause()
  }

  #resume(side: Side): void {
    if (this.#ended) return
    if (--side.blocked === 0) side.duplex.resume()
  }

  #touch(): void {
    clearTimeout(this.#idle)
    this.#idle = setTimeout(() => this.end('idle'), this.#limits.idleTimeoutMs)
    this.#idle.unref()
  }
}

/** The error a dialler's stream gets when its target is not there (relays.md §5). */
export function targetNotConnected(): ProtocolError {
  return new ProtocolError(ErrorCode.NOT_FOUND, 'relay: target not connected')
}
