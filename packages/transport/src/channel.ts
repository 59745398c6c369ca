/**
 * The secure channel over any duplex: drives the XXhfs handshake, binds node identities, runs
 * the trust gate, then carries AEAD frames with implicit sequence numbers, rekeying, keepalive
 * and an authenticated close (docs/protocol/transport.md §2-§7).
 * @module
 */
import { ErrorCode, ProtocolError, isProtocolError, utf8 } from '@sdmp/core'
import type {
  AuthorizeResult,
  ChannelStats,
  CloseInfo,
  PeerInfo,
  SecureChannel,
  SecureChannelOptions,
} from './channel-types.js'
import type { Duplex } from './duplex.js'
import { EarlyFrames } from './early-frames.js'
import { FrameReader, assertReason, decodeReason } from './framing.js'
import { peerRejected } from './refusal.js'
import { FrameReceiver } from './frame-receiver.js'
import { FrameWriter } from './frame-writer.js'
import { authenticate } from './authenticate.js'
import { MessageInbox } from './inbox.js'
import { Keepalive } from './keepalive.js'
import { resolveLimits } from './limits.js'
import type { TransportLimits } from './limits.js'
import { FrameType, SIZES } from './transport-domain.js'

const EMPTY = new Uint8Array(0)

const pe = (code: ErrorCode, message: string, cause?: unknown) =>
  new ProtocolError(code, message, cause === undefined ? undefined : { cause })

/**
 * Run the handshake and trust gate over `duplex` and return the open channel.
 * @throws (rejects) TIMEOUT, ABORTED, LIMIT_EXCEEDED, BAD_REQUEST, UNSUPPORTED_VERSION,
 *   DECRYPT_FAILED, INVALID_SIGNATURE, UNAUTHORIZED (not the expected peer), FORBIDDEN (trust
 *   refused by either side), CLOSED (the stream ended)
 * @example
 * const channel = await secureChannel(duplex, {
 *   role: 'initiator', provider, nodeSeed, fingerprintOf, authorize: async () => ({ ok: true }),
 * })
 * await channel.send(bytes)
 * for await (const message of channel) handle(message)
 */
export function secureChannel(
  duplex: Duplex,
  options: SecureChannelOptions,
): Promise<SecureChannel> {
  return new Channel(duplex, options).establish()
}

class Channel implements SecureChannel {
  #duplex: Duplex
  #opts: SecureChannelOptions
  #limits: TransportLimits
  #reader: FrameReader
  #state: 'handshake' | 'gate' | 'open' | 'closed' = 'handshake'
  /** Frames before the channel opens, read by the handshake and the gate. */
  #early = new EarlyFrames()
  #writer: FrameWriter
  #receiver: FrameReceiver
  #keepalive: Keepalive
  #peer: PeerInfo | null = null
  #peerMax = 0
  #closeInfo: CloseInfo | null = null
  #resolveClosed!: (info: CloseInfo) => void
  readonly closed: Promise<CloseInfo>
  #inbox: MessageInbox
  /** The handshake timeout, until the channel opens (then {@link Keepalive} takes over). */
  #timer: ReturnType<typeof setTimeout> | null = null
  readonly stats: ChannelStats = {
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    rekeysSent: 0,
    rekeysReceived: 0,
  }

  constructor(duplex: Duplex, options: SecureChannelOptions) {
    this.#duplex = duplex
    this.#opts = options
    this.#limits = resolveLimits(options.limits)
    this.#reader = new FrameReader(SIZES.maxHandshakeMessage)
    this.#writer = new FrameWriter(duplex, this.stats, this.#limits)
    this.#receiver = new FrameReceiver(this.stats)
    this.#keepalive = new Keepalive(this.#limits, this.#writer, this.#receiver, (error) =>
      this.#fail(error),
    )
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve))
    this.#inbox = new MessageInbox({
      pause: () => duplex.pause(),
      resume: () => duplex.resume(),
      highWaterMark: this.#limits.highWaterMarkBytes,
      onHandlerError: (error) => this.#fail(error),
    })
    duplex.attach({
      data: (chunk) => this.#onData(chunk),
      end: () => this.#onEnd(),
      error: (error) =>
        this.#fail(
          isProtocolError(error)
            ? error
            : pe(ErrorCode.CLOSED, 'connection: transport error', error),
          'remote',
        ),
      drain: () => this.#writer.release(),
    })
  }

  get peer(): PeerInfo {
    if (!this.#peer) throw new Error('peer before the handshake finished')
    return this.#peer
  }

  get maxMessageBytes(): number {
    return this.#peerMax
  }

  get isOpen(): boolean {
    return this.#state === 'open'
  }

  async establish(): Promise<SecureChannel> {
    const { handshakeTimeoutMs } = this.#limits
    this.#timer = setTimeout(
      () =>
        this.#fail(pe(ErrorCode.TIMEOUT, `handshake: timed out after ${handshakeTimeoutMs} ms`)),
      handshakeTimeoutMs,
    )
    const signal = this.#opts.signal
    const onAbort = () => this.#fail(pe(ErrorCode.ABORTED, 'handshake: aborted'))
    if (signal?.aborted) onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.#handshake()
      await this.#gate()
      return this
    } catch (error) {
      this.#fail(error)
      throw this.#closeInfo?.error ?? error
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async #handshake(): Promise<void> {
    const max = this.#limits.maxMessageBytes
    const auth = await authenticate(
      { next: () => this.#next(), write: (body) => this.#writer.writeRaw(body) },
      { ...this.#opts, maxMessageBytes: max },
    )
    this.#writer.setCipher(auth.send)
    this.#receiver.setCipher(auth.receive)
    this.#peerMax = auth.peerMaxMessageBytes
    this.#peer = Object.freeze({
      fingerprint: auth.fingerprint,
      publicKey: auth.peerKey,
      remoteAddress: this.#duplex.remoteAddress,
    })
    this.#reader.maxLength = max + 1 + SIZES.tag
  }

  /** Trust gate (transport.md §5): our verdict out, the peer's verdict in. */
  async #gate(): Promise<void> {
    let verdict: AuthorizeResult
    try {
      verdict = await this.#opts.authorize(this.#peer!)
    } catch (cause) {
      this.#control(FrameType.REJECTED, 'unavailable')
      throw pe(ErrorCode.UNAVAILABLE, 'authorize: failed', cause)
    }
    if (this.#state === 'closed') throw this.#closeInfo!.error
    if (!verdict.ok) {
      const reason = assertReason(verdict.reason)
      this.#control(FrameType.REJECTED, reason)
      const error = pe(ErrorCode.FORBIDDEN, `refused peer: ${reason}`)
      this.#finish({ by: 'local', clean: true, reason, error })
      this.#duplex.end()
      throw error
    }
    this.#control(FrameType.ACCEPT, '')
    // From here the peer's verdict is handled synchronously as it arrives (#onGateFrame), so
    // data frames right behind its accept in the same chunk already find the channel open.
    this.#state = 'gate'
    const opened = this.#early.wait()
    for (const body of this.#early.drain()) if (!this.#onFrame(body)) break
    if (this.#early.takeEnd()) this.#onEnd()
    await opened
  }

  /** The peer's verdict: accept opens the channel; rejected ends it (FORBIDDEN), close too (CLOSED). */
  #onGateFrame(body: Uint8Array): boolean {
    try {
      const { type, data } = this.#receiver.decrypt(body)
      if (type === FrameType.ACCEPT && data.length === 0) {
        this.#open()
        this.#early.resolve(EMPTY)
        return true
      }
      if (type !== FrameType.REJECTED && type !== FrameType.CLOSE)
        throw pe(ErrorCode.BAD_REQUEST, 'frame: expected accept or rejected before data')
      const reason = decodeReason(data)
      const error =
        type === FrameType.REJECTED
          ? peerRejected(reason)
          : pe(ErrorCode.CLOSED, `closed by peer: ${reason}`)
      this.#finish({ by: 'remote', clean: true, reason, error })
      this.#duplex.end()
    } catch (error) {
      this.#fail(error, 'remote')
    }
    return false
  }

  /** Route one frame body by state; false stops the reader. */
  #onFrame(body: Uint8Array): boolean {
    switch (this.#state) {
      case 'open':
        return this.#onTransportFrame(body)
      case 'gate':
        return this.#onGateFrame(body)
      case 'closed':
        return false
      default:
        this.#early.push(body)
        return true
    }
  }

  #open(): void {
    this.#state = 'open'
    clearTimeout(this.#timer!)
    this.#timer = null
    this.#keepalive.start()
  }

  /** The next frame body during handshake and gate; rejects when the channel fails. */
  #next(): Promise<Uint8Array> {
    if (this.#state === 'closed') return Promise.reject(this.#closeInfo!.error)
    const body = this.#early.shift()
    if (body) return Promise.resolve(body)
    if (this.#early.takeEnd()) {
      this.#onEnd()
      return Promise.reject(this.#closeInfo!.error)
    }
    return this.#early.wait()
  }

  #onData(chunk: Uint8Array): void {
    if (this.#state === 'closed') return
    this.stats.bytesReceived += chunk.length
    try {
      this.#reader.push(chunk, (body) => this.#onFrame(body))
    } catch (error) {
      this.#fail(error, 'remote')
    }
  }

  #onEnd(): void {
    if (this.#state === 'closed') return
    // A peer may send its verdict (rejected) and end at once: read the verdict first.
    if (this.#state === 'handshake' && this.#early.holdEnd()) return
    const why =
      this.#reader.pendingBytes > 0
        ? 'connection ended mid-frame'
        : this.#state !== 'open'
          ? 'connection ended during handshake'
          : 'connection ended without close frame'
    this.#fail(pe(ErrorCode.CLOSED, why), 'remote')
  }

  /** Handle one frame of the open channel; false stops the reader (the channel ended). */
  #onTransportFrame(body: Uint8Array): boolean {
    try {
      const { type, data } = this.#receiver.decrypt(body)
      switch (type) {
        case FrameType.DATA:
          this.stats.messagesReceived++
          this.#inbox.deliver(data)
          break
        case FrameType.PING:
          break
        case FrameType.REKEY:
          if (data.length !== 0) throw pe(ErrorCode.BAD_REQUEST, 'frame.rekey: expected no data')
          this.#receiver.rekey()
          break
        case FrameType.CLOSE: {
          const reason = decodeReason(data)
          this.#finish({ by: 'remote', clean: true, reason })
          this.#duplex.end()
          break
        }
        case FrameType.REJECTED: {
          const reason = decodeReason(data)
          const error = peerRejected(reason)
          this.#finish({ by: 'remote', clean: true, reason, error })
          this.#duplex.end()
          break
        }
        default:
          throw pe(ErrorCode.BAD_REQUEST, `frame.type: unexpected ${type}`)
      }
    } catch (error) {
      this.#fail(error, 'remote')
    }
    return this.#state === 'open'
  }

  onMessage(handler: ((message: Uint8Array) => void) | null): void {
    this.#inbox.setHandler(handler)
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#inbox.iterator()
  }

  send(message: Uint8Array): Promise<void> {
    if (this.#state !== 'open') throw pe(ErrorCode.CLOSED, 'channel: closed')
    if (!(message instanceof Uint8Array)) throw new TypeError('message: expected Uint8Array')
    if (message.length > this.#peerMax)
      throw pe(
        ErrorCode.LIMIT_EXCEEDED,
        `message: expected at most ${this.#peerMax} bytes, got ${message.length}`,
      )
    this.stats.messagesSent++
    this.#writer.frame(FrameType.DATA, message)
    return this.#writer.ready()
  }

  #control(type: number, reason: string): void {
    this.#writer.frame(type, utf8(reason))
  }

  close(reason = 'normal'): Promise<CloseInfo> {
    assertReason(reason)
    if (this.#state === 'open') {
      this.#control(FrameType.CLOSE, reason)
      this.#finish({ by: 'local', clean: true, reason })
      this.#duplex.end()
    } else if (this.#state !== 'closed') this.#fail(pe(ErrorCode.ABORTED, 'channel: closed'))
    return this.closed
  }

  revoke(reason = 'revoked'): Promise<CloseInfo> {
    assertReason(reason)
    if (this.#state === 'open') {
      this.#control(FrameType.REJECTED, reason)
      const error = pe(ErrorCode.FORBIDDEN, `refused peer: ${reason}`)
      this.#finish({ by: 'local', clean: true, reason, error })
      this.#duplex.end()
    }
    return this.closed
  }

  /** End after a failure: courtesy close frame when keys exist, then drop the stream. */
  #fail(error: unknown, by: 'local' | 'remote' = 'local'): void {
    if (this.#state === 'closed') return
    const err = error instanceof Error ? error : new Error(String(error))
    const code = isProtocolError(err) ? err.code.toLowerCase() : 'internal_error'
    const courtesy = this.#writer.hasCipher && code !== 'closed' && code !== 'decrypt_failed'
    if (courtesy) {
      try {
        this.#control(FrameType.CLOSE, code)
      } catch {
        // the stream is failing anyway
      }
    }
    this.#finish({ by, clean: false, reason: code, error: err })
    if (courtesy) this.#duplex.end()
    else this.#duplex.destroy()
  }

  #finish(info: CloseInfo): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#closeInfo = Object.freeze(info)
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#keepalive.stop()
    this.#early.reject(info.error ?? pe(ErrorCode.CLOSED, 'channel: closed'))
    this.#inbox.end()
    this.#writer.release()
    this.#resolveClosed(this.#closeInfo)
  }
}
