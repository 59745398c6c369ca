/**
 * One blob download from one peer (docs/protocol/attachments.md §2): BLOB frames are checked
 * (contiguous, in order, within the announced size) and queued with a small high-water mark;
 * the store consumes {@link BlobDownload.source}, which hashes as it goes and fails before the
 * end of the stream when the SHA-256 is not the requested hash, so `putBlob` keeps nothing
 * (verify before store).
 * @module
 */
import { createHash } from 'node:crypto'
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Frames a download queues before the channel reader waits (16 × 64 KiB = 1 MiB). */
export const DOWNLOAD_HIGH_WATER = 16

/** A download's receiving end. */
export class BlobDownload {
  /** The requested hash (lowercase hex). */
  readonly hash: string
  readonly #maxBytes: number
  readonly #queue: Uint8Array[] = []
  #received = 0
  #size: number | undefined
  #error: Error | undefined
  #ended = false
  /** Set when the bytes were all received and their hash was not the requested one. */
  #mismatch = false
  #wakeConsumer: (() => void) | undefined
  #wakeProducers: (() => void)[] = []
  /** Last time a frame arrived (for the stall check). */
  lastActivity = Date.now()

  constructor(hash: string, maxBytes: number) {
    this.hash = hash
    this.#maxBytes = maxBytes
  }

  /** True when the peer sent the whole blob and its hash was wrong (a fault of the peer). */
  get mismatch(): boolean {
    return this.#mismatch
  }

  /** True once the download ended, by success or failure. */
  get finished(): boolean {
    return this.#ended || this.#error !== undefined
  }

  /**
   * The responder's `ok {size}`.
   * @throws LIMIT_EXCEEDED above the limit, BAD_REQUEST when more bytes already arrived
   */
  setSize(size: number): void {
    if (size > this.#maxBytes)
      throw new ProtocolError(ErrorCode.LIMIT_EXCEEDED, `blob: ${size} bytes exceeds the limit`)
    if (this.#received > size)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'blob: more bytes than announced')
    this.#size = size
    this.#checkEnd()
  }

  /**
   * One frame's data; resolves when the queue has room again (backpressure).
   * @throws BAD_REQUEST for a frame out of order or beyond the announced size
   */
  async push(offset: number, data: Uint8Array): Promise<void> {
    if (this.finished) return // late frames of a transfer given up: ignored
    this.lastActivity = Date.now()
    if (offset !== this.#received)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'blob: frame out of order')
    const limit = this.#size ?? this.#maxBytes
    if (this.#received + data.length > limit)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'blob: more bytes than announced')
    this.#received += data.length
    // The frame's buffer belongs to the channel: keep a copy.
    this.#queue.push(data.slice())
    this.#wake()
    this.#checkEnd()
    while (this.#queue.length >= DOWNLOAD_HIGH_WATER && !this.finished)
      await new Promise<void>((r) => this.#wakeProducers.push(r))
  }

  /** Give up: the store's putBlob fails and keeps nothing. */
  fail(error: Error): void {
    if (this.finished) return
    this.#error = error
    this.#wake()
    this.#releaseProducers()
  }

  #checkEnd(): void {
    if (this.#size !== undefined && this.#received === this.#size && !this.#ended) {
      this.#ended = true
      this.#wake()
    }
  }

  #wake(): void {
    const w = this.#wakeConsumer
    this.#wakeConsumer = undefined
    w?.()
  }

  #releaseProducers(): void {
    for (const r of this.#wakeProducers.splice(0)) r()
  }

  /**
   * The bytes for `putBlob`. Throws (so the store keeps nothing) when the download fails, or
   * when all bytes arrived and their SHA-256 is not {@link hash}.
   */
  async *source(): AsyncGenerator<Uint8Array> {
    const digest = createHash('sha256')
    for (;;) {
      const next = this.#queue.shift()
      if (next !== undefined) {
        if (this.#queue.length < DOWNLOAD_HIGH_WATER) this.#releaseProducers()
        digest.update(next)
        yield next
        continue
      }
      if (this.#error) throw this.#error
      if (this.#ended) break
      await new Promise<void>((r) => (this.#wakeConsumer = r))
    }
    if (this.#error) throw this.#error
    if (digest.digest('hex') !== this.hash) {
      this.#mismatch = true
      throw new ProtocolError(ErrorCode.INVALID_ENCODING, 'blob: hash does not match')
    }
  }
}
