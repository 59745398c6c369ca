/**
 * Length-prefixed framing (docs/protocol/transport.md §4): a u32 big-endian length then the
 * body. The reader checks the length against the current maximum as soon as the four prefix
 * bytes arrive, before buffering any of the body.
 * @module
 */
import { ErrorCode, ProtocolError, fromUtf8 } from '@sdmp/core'
import { REASON_PATTERN, SIZES } from './transport-domain.js'

/** Prefix `body` with its u32 big-endian length, in one buffer (one write per frame). */
export function encodeFrame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIZES.lengthPrefix + body.length)
  new DataView(out.buffer).setUint32(0, body.length)
  out.set(body, SIZES.lengthPrefix)
  return out
}

/**
 * Incremental frame parser. Feed arbitrary chunks with `push`; complete bodies go to `onFrame`.
 * The body views handed out may share memory with the input chunks.
 */
export class FrameReader {
  /** Current largest accepted body length; raised after the handshake. */
  maxLength: number
  #chunks: Uint8Array[] = []
  #buffered = 0
  #need = -1 // body length of the frame being read, or -1 while reading the prefix

  constructor(maxLength: number) {
    this.maxLength = maxLength
  }

  /** Bytes held that are not yet a whole frame (non-zero at EOF means truncation). */
  get pendingBytes(): number {
    return this.#buffered
  }

  /**
   * Append a chunk and emit every complete frame, in order. Stops at the first error.
   * @throws LIMIT_EXCEEDED (length 0 or above the maximum)
   */
  push(chunk: Uint8Array, onFrame: (body: Uint8Array) => boolean | void): void {
    if (chunk.length === 0) return
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    for (;;) {
      if (this.#need < 0) {
        if (this.#buffered < SIZES.lengthPrefix) return
        const prefix = this.#take(SIZES.lengthPrefix)
        const length =
          ((prefix[0]! << 24) | (prefix[1]! << 16) | (prefix[2]! << 8) | prefix[3]!) >>> 0
        if (length === 0 || length > this.maxLength)
          throw new ProtocolError(
            ErrorCode.LIMIT_EXCEEDED,
            `frame.length: expected 1..${this.maxLength}, got ${length}`,
          )
        this.#need = length
      }
      if (this.#buffered < this.#need) return
      const body = this.#take(this.#need)
      this.#need = -1
      // The handler returns false to stop (the channel closed while handling a frame).
      if (onFrame(body) === false) {
        this.#chunks = []
        this.#buffered = 0
        return
      }
    }
  }

  /** Remove `n` buffered bytes; a view into the first chunk when it holds them all. */
  #take(n: number): Uint8Array {
    this.#buffered -= n
    const first = this.#chunks[0]!
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    const out = new Uint8Array(n)
    let o = 0
    while (o < n) {
      const c = this.#chunks[0]!
      const k = Math.min(c.length, n - o)
      out.set(c.subarray(0, k), o)
      o += k
      if (k === c.length) this.#chunks.shift()
      else this.#chunks[0] = c.subarray(k)
    }
    return out
  }
}

/** Check a reason code from the wire (transport.md §4). @throws BAD_REQUEST */
export function decodeReason(data: Uint8Array): string {
  const reason = data.length <= 64 ? fromUtf8(data, 'frame.reason') : ''
  if (!REASON_PATTERN.test(reason))
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `frame.reason: expected a reason code, got ${data.length} bytes`,
    )
  return reason
}

/** Check a reason code given by our own caller: a bad one is a bug. */
export function assertReason(reason: string): string {
  if (typeof reason !== 'string' || !REASON_PATTERN.test(reason))
    throw new TypeError(`reason: expected a code matching ${REASON_PATTERN}`)
  return reason
}
