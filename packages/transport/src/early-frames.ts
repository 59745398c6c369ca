/**
 * Frame input of a channel before it opens (docs/protocol/transport.md §3, §5). The frame reader
 * pushes bodies as bytes arrive, while the handshake and then the trust gate pull them one at a
 * time: this holds the bodies nobody has asked for yet (a bounded few), the one pending read, and
 * an end of stream that must wait behind queued frames so a peer's last verdict is still read.
 * The channel's states and what a frame means stay in channel.ts.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Frames a peer may have queued before the gate opens (accept + a close); more is abuse. */
const MAX_EARLY_FRAMES = 8

/** Queued frame bodies and the pending read of the handshake or the gate. */
export class EarlyFrames {
  #queue: Uint8Array[] = []
  #waiter: { resolve(b: Uint8Array): void; reject(e: unknown): void } | null = null
  /** The stream ended while frames were still queued: fail once they are consumed. */
  #endPending = false

  /**
   * A frame arrived before the channel opened: hand it to the pending read, or queue it.
   * @throws BAD_REQUEST when more than MAX_EARLY_FRAMES are queued
   */
  push(body: Uint8Array): void {
    const waiter = this.#waiter
    if (waiter) {
      this.#waiter = null
      waiter.resolve(body)
    } else if (this.#queue.push(body) > MAX_EARLY_FRAMES)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'handshake: unexpected frames')
  }

  /** The oldest queued frame, if any. */
  shift(): Uint8Array | undefined {
    return this.#queue.shift()
  }

  /** Take every queued frame (the gate replays them once it waits for the peer's verdict). */
  drain(): Uint8Array[] {
    return this.#queue.splice(0)
  }

  /** Wait for the next pushed frame, or for {@link resolve} / {@link reject}. */
  wait(): Promise<Uint8Array> {
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }))
  }

  /** Settle the pending read, if any, with `body` (the gate's accept settles it empty). */
  resolve(body: Uint8Array): void {
    const waiter = this.#waiter
    this.#waiter = null
    waiter?.resolve(body)
  }

  /** Fail the pending read, if any (the channel closed). */
  reject(error: unknown): void {
    const waiter = this.#waiter
    this.#waiter = null
    waiter?.reject(error)
  }

  /**
   * The stream ended during the handshake: a peer may send its verdict (rejected) and end at
   * once, so while frames are queued the end is held until they are read.
   * @returns true when the end is held back
   */
  holdEnd(): boolean {
    this.#endPending = this.#queue.length > 0
    return this.#endPending
  }

  /** Whether an end was held back; it is handed over once. */
  takeEnd(): boolean {
    const pending = this.#endPending
    this.#endPending = false
    return pending
  }
}
