/**
 * One blob download from one peer (docs/protocol/attachments.md §2): BLOB frames are checked
 * (contiguous, in order, within the announced size) and queued with a small high-water mark;
 * the store consumes {@link BlobDownload.source}, which hashes as it goes and fails before the
 * end of the stream when the SHA-256 is not the requested hash, so `putBlob` keeps nothing
 * (verify before store). A resumed download (§2 "Resuming") first replays the bytes already
 * held, so the hash always covers the whole blob, and appends each new frame to the partial
 * file before handing it on.
 * @module
 */
import { createHash } from 'node:crypto'
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Frames a download queues before the channel reader waits (16 × 64 KiB = 1 MiB). */
export const DOWNLOAD_HIGH_WATER = 16

/** Where a download starts (attachments.md §2 "Resuming"); the default is offset 0, no file. */
export interface DownloadResume {
  /** Bytes of the blob already held: the request's offset. */
  readonly offset: number
  /** The held bytes `[0, offset)`, read back once to hash them and give them to the store. */
  readonly prefix?: () => AsyncIterable<Uint8Array>
  /** Called with each new frame, in order, before it is hashed and handed on (the partial file). */
  readonly sink?: (data: Uint8Array) => Promise<void>
}

/** A download's receiving end. */
export class BlobDownload {
  /** The requested hash (lowercase hex). */
  readonly hash: string
  /** Where this download starts in the blob. */
  readonly offset: number
  readonly #maxBytes: number
  readonly #resume: DownloadResume
  readonly #queue: Uint8Array[] = []
  #received: number
  #size: number | undefined
  #error: Error | undefined
  #ended = false
  /** Set when the bytes were all received and their hash was not the requested one. */
  #mismatch = false
  #wakeConsumer: (() => void) | undefined
  #wakeProducers: (() => void)[] = []
  /** Last time a frame arrived or a held byte was replayed (for the stall check). */
  lastActivity = Date.now()

  constructor(hash: string, maxBytes: number, resume: DownloadResume = { offset: 0 }) {
    if (!Number.isSafeInteger(resume.offset) || resume.offset < 0 || resume.offset > maxBytes)
      throw new RangeError('blob download: offset out of range')
    this.hash = hash
    this.offset = resume.offset
    this.#maxBytes = maxBytes
    this.#resume = resume
    this.#received = resume.offset
  }

  /**
   * True when the whole blob was there and its hash was wrong: the peer's fault when the
   * download started at 0, otherwise possibly the held prefix's.
   */
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

  /** Mark the download as a hash mismatch and return the error to throw. */
  #hashMismatch(): ProtocolError {
    this.#mismatch = true
    return new ProtocolError(ErrorCode.INVALID_ENCODING, 'blob: hash does not match')
  }

  /**
   * The bytes for `putBlob`: the held prefix, then the frames. Throws (so the store keeps
   * nothing) when the download fails, or when all bytes arrived and their SHA-256 is not
   * {@link hash}. A consumer that stops early or a failing sink gives the download up, so a
   * channel reader waiting on backpressure is released.
   */
  async *source(): AsyncGenerator<Uint8Array> {
    const digest = createHash('sha256')
    let complete = false
    try {
      let held = 0
      if (this.offset > 0 && this.#resume.prefix) {
        for await (const piece of this.#resume.prefix()) {
          if (this.#error) throw this.#error
          held += piece.length
          this.lastActivity = Date.now()
          digest.update(piece)
          yield piece
        }
      }
      if (held !== this.offset) {
        // A prefix that reads back short (changed under us) cannot hash right: refetch from 0.
        throw this.#hashMismatch()
      }
      for (;;) {
        const next = this.#queue.shift()
        if (next !== undefined) {
          if (this.#queue.length < DOWNLOAD_HIGH_WATER) this.#releaseProducers()
          await this.#resume.sink?.(next)
          digest.update(next)
          yield next
          continue
        }
        if (this.#error) throw this.#error
        if (this.#ended) break
        await new Promise<void>((r) => (this.#wakeConsumer = r))
      }
      if (this.#error) throw this.#error
      if (digest.digest('hex') !== this.hash) throw this.#hashMismatch()
      complete = true
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)))
      throw e
    } finally {
      if (!complete) this.fail(new ProtocolError(ErrorCode.ABORTED, 'blob: download given up'))
    }
  }
}
