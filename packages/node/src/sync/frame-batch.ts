/**
 * Frames written back to back (docs/load.md §5 "Tenth pass"): tcp.ts uncorks a socket at the
 * next microtask, so frames sent with an await between them leave in one write each. A push or
 * an answer to a fetch collects the frames it reads from the store and writes them in one
 * synchronous run, which the socket sends in one write.
 * @module
 */
import type { SecureChannel } from '@sdmp/transport'

/** Bytes of frames collected before they are written and the channel's drain awaited. */
export const FRAME_BATCH_BYTES = 256 * 1024

/** Frames collected until {@link FRAME_BATCH_BYTES}, then written together. */
export class FrameBatch {
  readonly #channel: Pick<SecureChannel, 'send'>
  #frames: Uint8Array[] = []
  #bytes = 0

  constructor(channel: Pick<SecureChannel, 'send'>) {
    this.#channel = channel
  }

  /** Keep a frame; past the limit, write what is kept. @throws CLOSED (rejects) */
  async add(frame: Uint8Array): Promise<void> {
    this.#frames.push(frame)
    this.#bytes += frame.length
    if (this.#bytes >= FRAME_BATCH_BYTES) await this.flush()
  }

  /** Write every kept frame in one synchronous run, then wait for the channel to drain. */
  async flush(): Promise<void> {
    const frames = this.#frames
    this.#frames = []
    this.#bytes = 0
    let ready: Promise<void> | undefined
    for (const frame of frames) ready = this.#channel.send(frame)
    await ready
  }
}
