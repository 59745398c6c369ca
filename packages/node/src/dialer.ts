/**
 * The dialer of one configured peer (docs/protocol/sync.md §8, transport.md §4): dial, watch the
 * connection, back off with jitter after a failure (to the longest delay after a refusal on trust
 * grounds), dial again, until stopped. The peer manager owns one per dialled address.
 * @module
 */
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { peerRefusal } from '@sdmp/transport'
import type { CloseInfo, SecureChannel } from '@sdmp/transport'
import { backoffDelay } from './backoff.js'
import type { BackoffOptions } from './backoff.js'
import { isRelayAddress } from './peer-address.js'
import type { PeerAddress } from './peer-address.js'
import type { PeerChange, PeerStatus } from './peer-manager.js'
import type { SyncEngine } from './sync/sync-engine.js'

/** What a dialer needs of its peer manager. */
export interface DialerHost {
  readonly engine: SyncEngine
  readonly backoff: BackoffOptions
  readonly random: () => number
  dial(address: PeerAddress, signal: AbortSignal): Promise<SecureChannel>
  /** Whether our outbound connection wins over the peer's inbound one (a dial race). */
  keepOutbound(peer: string): boolean
  changed(change: PeerChange): void
  /** A dialer left `connecting`. */
  dialerSettled(): void
  /** Whether a direct dialer of the node is still connecting (relays.md §2). */
  directPending(fingerprint: string): boolean
  /** Resolves once no direct dialer of the node is connecting. */
  whenDirectSettled(fingerprint: string): Promise<void>
}

/** Close reasons that mean "the peer (or we) refused on trust grounds": back off to the max. */
const TRUST_REASONS: ReadonlySet<string> = new Set([
  'revoked',
  'untrusted',
  'unknown_node',
  'penalty',
  'forbidden',
  'unauthorized',
])

/** Keeps one configured peer connected: dial, watch, back off, dial again. */
export class Dialer {
  readonly #address: PeerAddress
  readonly #key: string
  readonly #m: DialerHost
  #state: PeerStatus['state'] = 'connecting'
  #fingerprint: string | undefined
  #inbound = false
  #failures = 0
  #nextAttemptAt: number | undefined
  #lastError: string | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #abort: AbortController | undefined
  #dialing: Promise<void> | undefined
  #channel: SecureChannel | undefined
  #stopped = false
  /** This address reaches the node through a relay (relays.md §2). */
  readonly relayed: boolean

  constructor(address: PeerAddress, key: string, manager: DialerHost) {
    this.#address = address
    this.#key = key
    this.#m = manager
    this.#fingerprint = address.fingerprint
    this.relayed = isRelayAddress(address)
  }

  /** The node this dialer reaches, when known. */
  get fingerprint(): string | undefined {
    return this.#fingerprint
  }

  /** Whether a dial is in progress. */
  get connecting(): boolean {
    return this.#state === 'connecting'
  }

  status(): PeerStatus {
    return Object.freeze({
      address: this.#key,
      state: this.#state,
      failures: this.#failures,
      ...(this.#fingerprint !== undefined ? { fingerprint: this.#fingerprint } : {}),
      ...(this.#state === 'connected' ? { inbound: this.#inbound } : {}),
      ...(this.#state === 'backoff' && this.#nextAttemptAt !== undefined
        ? { nextAttemptAt: this.#nextAttemptAt }
        : {}),
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    })
  }

  attempt(): void {
    this.#timer = undefined
    if (this.#stopped) return
    // Already connected because the peer dialled us: watch that session instead.
    const existing = this.#fingerprint && this.#m.engine.sessions.get(this.#fingerprint)
    if (existing && existing.isOpen) return this.#watch(existing.channel, true)
    this.#state = 'connecting'
    this.#nextAttemptAt = undefined
    // relays.md §2: a relay address is dialled only once the node's direct addresses failed;
    // if one of them connected meanwhile, the check above watches that session instead.
    const fp = this.#fingerprint
    if (this.relayed && fp !== undefined && this.#m.directPending(fp)) {
      void this.#m.whenDirectSettled(fp).then(() => this.attempt())
      return
    }
    const abort = (this.#abort = new AbortController())
    this.#dialing = this.#m.dial(this.#address, abort.signal).then(
      (channel) => this.#opened(channel),
      (error: unknown) => this.#failed(codeOf(error), isTrustError(error), peerRefusal(error)),
    )
  }

  redialNow(): void {
    if (this.#state !== 'backoff' || this.#stopped) return
    clearTimeout(this.#timer)
    this.attempt()
  }

  #opened(channel: SecureChannel): void {
    this.#abort = undefined
    if (this.#stopped) {
      void channel.close('shutdown')
      return
    }
    const peer = channel.peer.fingerprint
    this.#fingerprint = peer
    const other = this.#m.engine.sessions.get(peer)
    if (other?.isOpen && other.role === 'responder' && !this.#m.keepOutbound(peer)) {
      void channel.close('duplicate')
      return this.#watch(other.channel, true)
    }
    try {
      this.#m.engine.attach(channel, 'initiator')
    } catch {
      // Trust changed between the gate and attach; attach already sent rejected.
      return this.#failed('forbidden', true)
    }
    this.#m.changed({ type: 'connected', peer, role: 'initiator', address: this.#key })
    this.#watch(channel, false)
  }

  #watch(channel: SecureChannel, inbound: boolean): void {
    this.#state = 'connected'
    // The last error describes why we are not connected; a connected peer has none to show.
    this.#lastError = undefined
    this.#inbound = inbound
    this.#nextAttemptAt = undefined
    if (!inbound) this.#channel = channel
    this.#m.dialerSettled()
    const since = Date.now()
    void channel.closed.then((info) => {
      if (this.#channel === channel) this.#channel = undefined
      if (this.#stopped) return
      if (Date.now() - since >= this.#m.backoff.resetAfterMs) this.#failures = 0
      this.#m.changed({
        type: 'disconnected',
        peer: channel.peer.fingerprint,
        reason: info.reason,
        address: this.#key,
      })
      this.#failed(info.reason, isTrustClose(info), peerRefusal(info.error))
    })
  }

  /** `refusal`: the reason the peer's trust gate gave, when the peer refused us. */
  #failed(code: string, trust: boolean, refusal?: string): void {
    this.#abort = undefined
    if (this.#stopped) return
    this.#lastError = code
    const b = this.#m.backoff
    // A refusal on trust grounds will not change in a second: wait the longest delay.
    this.#failures = trust ? Math.max(this.#failures + 1, maxFailures(b)) : this.#failures + 1
    const delay = backoffDelay(b, this.#failures, this.#m.random)
    this.#state = 'backoff'
    this.#nextAttemptAt = Date.now() + delay
    this.#m.changed({
      type: 'backoff',
      address: this.#key,
      code,
      delayMs: delay,
      ...(this.#fingerprint !== undefined && { peer: this.#fingerprint }),
      ...(refusal !== undefined && { refusal }),
    })
    this.#timer = setTimeout(() => this.attempt(), delay)
    this.#m.dialerSettled()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#state = 'stopped'
    this.#m.dialerSettled()
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#abort?.abort()
    await this.#dialing
    await this.#channel?.close('shutdown')
  }
}

/** The failure count at which the delay reaches `maxMs`. */
function maxFailures(b: BackoffOptions): number {
  if (b.factor <= 1) return 1
  return 1 + Math.ceil(Math.log(b.maxMs / b.initialMs) / Math.log(b.factor))
}

export function codeOf(e: unknown): string {
  return isProtocolError(e) ? e.code.toLowerCase() : 'internal_error'
}

function isTrustError(e: unknown): boolean {
  return isProtocolError(e, ErrorCode.FORBIDDEN) || isProtocolError(e, ErrorCode.UNAUTHORIZED)
}

function isTrustClose(info: CloseInfo): boolean {
  return TRUST_REASONS.has(info.reason) || (info.error !== undefined && isTrustError(info.error))
}
