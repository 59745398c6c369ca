/**
 * The request/response plumbing of one peer session (docs/protocol/sync.md §8.2): every request
 * carries an identifier and gets exactly one `response`, or fails with TIMEOUT; a late answer is
 * ignored; a closed channel fails every pending request with CLOSED.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { ContentData, Json } from '@sdmp/core'
import type { SecureChannel } from '@sdmp/transport'
import type { SessionHost } from './peer-session.js'
import { controlMessage } from './wire.js'

/** The data of a `response` control message (schemas.md §4). */
export type SessionResponse = ContentData<'response'>

/** The request kinds a session sends (sync.md §8.2, attachments.md §2). */
export type RequestKind = 'request_journal' | 'request_resource' | 'request_blob'

/** The statuses of a `response` (sync.md §8.2). */
export type ResponseStatus = 'ok' | 'bad_request' | 'not_found' | 'rejected'

interface Waiter {
  resolve(v: SessionResponse): void
  reject(e: Error): void
  timer: ReturnType<typeof setTimeout>
}

/** Outstanding requests of one session, and the signed responses it sends. */
export class SessionRequests {
  readonly #channel: SecureChannel
  readonly #host: Pick<SessionHost, 'signer' | 'limits'>
  readonly #waiters = new Map<string, Waiter>()

  /** The host's signer and `limits.requestTimeoutMs` are read on every request. */
  constructor(channel: SecureChannel, host: Pick<SessionHost, 'signer' | 'limits'>) {
    this.#channel = channel
    this.#host = host
  }

  /**
   * Send a signed request and wait for its response. `data.identifier` must be fresh
   * (`nextRequestId()`).
   * @throws CLOSED when the channel is (or becomes) closed, TIMEOUT after `requestTimeoutMs`
   */
  async request(kind: RequestKind, data: Record<string, Json>): Promise<SessionResponse> {
    // A waiter registered after the channel ended would never be cleared by the close handler:
    // its timer would keep the process alive and reject an orphan promise (unhandled).
    if (!this.#channel.isOpen) throw new ProtocolError(ErrorCode.CLOSED, 'sync: channel closed')
    const id = data['identifier'] as string
    const result = new Promise<SessionResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id)
        reject(new ProtocolError(ErrorCode.TIMEOUT, `sync: no response to ${kind}`))
      }, this.#host.limits.requestTimeoutMs)
      this.#waiters.set(id, { resolve, reject, timer })
    })
    try {
      await this.#channel.send(controlMessage(this.#host.signer, kind, data))
    } catch (e) {
      const w = this.#waiters.get(id)
      if (w) clearTimeout(w.timer)
      this.#waiters.delete(id)
      throw e
    }
    return result
  }

  /** Hand a received response to the request it answers; a late answer (timed out) is dropped. */
  settle(r: SessionResponse): void {
    const w = this.#waiters.get(r.identifier)
    if (!w) return
    this.#waiters.delete(r.identifier)
    clearTimeout(w.timer)
    w.resolve(r)
  }

  /** Send the one response a request of the peer gets (sync.md §8.2). */
  async reply(
    identifier: string,
    status: ResponseStatus,
    reason?: string,
    data?: Json,
  ): Promise<void> {
    const body: Record<string, Json> = { identifier, status }
    if (reason !== undefined) body['reason'] = reason
    if (data !== undefined) body['data'] = data
    await this.#channel.send(controlMessage(this.#host.signer, 'response', body))
  }

  /** The channel closed: fail every pending request with CLOSED and stop their timers. */
  closeAll(): void {
    for (const w of this.#waiters.values()) {
      clearTimeout(w.timer)
      w.reject(new ProtocolError(ErrorCode.CLOSED, 'sync: channel closed'))
    }
    this.#waiters.clear()
  }
}
