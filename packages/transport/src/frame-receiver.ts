/**
 * Receive side of a channel: authenticates and decodes transport frames under the receiving
 * CipherState with implicit sequence numbers, rekeys on the peer's REKEY frame, and keeps the
 * time of the last authentic frame for the idle timeout (docs/protocol/transport.md §4, §6, §7).
 * The send side is frame-writer.ts.
 * @module
 */
import { ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import type { ChannelStats } from './channel-types.js'
import type { CipherState } from './noise.js'

const EMPTY = new Uint8Array(0)

/** Decrypts frames once the transport keys exist (after the handshake's Split). */
export class FrameReceiver {
  readonly #stats: ChannelStats
  #cipher: CipherState | null = null
  /** Date.now() of the last frame that authenticated (for the idle timeout). */
  lastReceivedAt = 0

  constructor(stats: ChannelStats) {
    this.#stats = stats
  }

  /** Install the receiving keys from the handshake. */
  setCipher(cipher: CipherState): void {
    this.#cipher = cipher
  }

  /**
   * Authenticate and decode one frame body into its type byte and data.
   * @throws DECRYPT_FAILED (one uniform error, transport.md §4), BAD_REQUEST (no type byte),
   *   LIMIT_EXCEEDED (the nonce space is used up)
   */
  decrypt(body: Uint8Array): { type: number; data: Uint8Array } {
    let plain: Uint8Array
    try {
      plain = this.#cipher!.decryptWithAd(EMPTY, body)
    } catch (cause) {
      if (isProtocolError(cause, ErrorCode.LIMIT_EXCEEDED)) throw cause
      throw new ProtocolError(ErrorCode.DECRYPT_FAILED, 'frame: authentication failed', { cause })
    }
    this.#stats.framesReceived++
    this.lastReceivedAt = Date.now()
    if (plain.length === 0)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'frame: expected a type byte')
    return { type: plain[0]!, data: plain.subarray(1) }
  }

  /** The peer rekeyed (an empty REKEY frame, transport.md §6): move to the next key. */
  rekey(): void {
    this.#cipher!.rekey()
    this.#stats.rekeysReceived++
  }
}
