/**
 * Send side of a channel: encrypts typed frames under the sending CipherState with implicit
 * sequence numbers, rekeys on schedule (docs/protocol/transport.md §4, §6) and tracks
 * backpressure of the underlying duplex.
 * @module
 */
import type { ChannelStats } from './channel-types.js'
import type { Duplex } from './duplex.js'
import { encodeFrame } from './framing.js'
import type { TransportLimits } from './limits.js'
import type { CipherState } from './noise.js'
import { FrameType } from './transport-domain.js'

const EMPTY = new Uint8Array(0)
const RESOLVED = Promise.resolve()

/** Writes frames to a duplex; before `setCipher` only raw (handshake) bodies can be written. */
export class FrameWriter {
  #duplex: Duplex
  #stats: ChannelStats
  #limits: TransportLimits
  #cipher: CipherState | null = null
  #needDrain = false
  #drainWaiters: (() => void)[] = []
  #sentSinceRekey = 0
  #lastRekeyAt = 0
  /** Date.now() of the last frame written (for keepalive). */
  lastSentAt = 0

  constructor(duplex: Duplex, stats: ChannelStats, limits: TransportLimits) {
    this.#duplex = duplex
    this.#stats = stats
    this.#limits = limits
  }

  /** True once the transport keys exist (after Split). */
  get hasCipher(): boolean {
    return this.#cipher !== null
  }

  /** Install the sending CipherState from Split; the rekey clock starts now. */
  setCipher(cipher: CipherState): void {
    this.#cipher = cipher
    this.#lastRekeyAt = this.lastSentAt = Date.now()
  }

  /** Write one length-prefixed body as a single duplex write. */
  writeRaw(body: Uint8Array): void {
    const frame = encodeFrame(body)
    this.#stats.bytesSent += frame.length
    if (!this.#duplex.write(frame)) this.#needDrain = true
  }

  /** Encrypt and write one typed frame, then rekey when due (transport.md §6). */
  frame(type: number, data: Uint8Array): void {
    const plain = new Uint8Array(1 + data.length)
    plain[0] = type
    plain.set(data, 1)
    this.writeRaw(this.#cipher!.encryptWithAd(EMPTY, plain))
    this.#stats.framesSent++
    this.lastSentAt = Date.now()
    if (type === FrameType.REKEY) return
    this.#sentSinceRekey++
    const { rekeyAfterFrames, rekeyAfterMs } = this.#limits
    if (
      this.#sentSinceRekey >= rekeyAfterFrames ||
      this.lastSentAt - this.#lastRekeyAt >= rekeyAfterMs
    ) {
      // The rekey frame goes under the old key; everything after it under REKEY(k).
      this.frame(FrameType.REKEY, EMPTY)
      this.#cipher!.rekey()
      this.#sentSinceRekey = 0
      this.#lastRekeyAt = this.lastSentAt
      this.#stats.rekeysSent++
    }
  }

  /** A promise that resolves when the caller may write more (at once if there is room). */
  ready(): Promise<void> {
    if (!this.#needDrain) return RESOLVED
    return new Promise((resolve) => this.#drainWaiters.push(resolve))
  }

  /** The duplex drained, or the channel ended: release every waiter. */
  release(): void {
    this.#needDrain = false
    for (const w of this.#drainWaiters.splice(0)) w()
  }
}
