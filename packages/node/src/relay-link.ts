/**
 * A node's link to its relay (docs/protocol/relays.md §3): a node that cannot accept connections
 * keeps a control channel to a relay it is authorized on (dialled like any peer, the relay
 * node's fingerprint pinned when known), re-dials it with backoff, and for every splice id the
 * relay sends opens a stream back and hands it to the node's listener for spliced peers, which
 * runs the responder handshake and the trust gate as for any inbound peer.
 * @module
 */
import { connectWebSocket, decodeRelayIncoming, openWebSocket } from '@sdmp/transport'
import type { Duplex, SecureChannel, SecureChannelOptions } from '@sdmp/transport'
import { backoffDelay } from './backoff.js'
import type { BackoffOptions } from './backoff.js'
import { codeOf } from './dialer.js'
import { formatPeerAddress, relayEndpoints } from './peer-address.js'
import type { PeerAddress, RelayEndpoints } from './peer-address.js'

/** Options of {@link RelayLink}. */
export interface RelayLinkOptions {
  /** The relay: its WebSocket peer address, `#fingerprint` pinning the relay node. */
  readonly relay: PeerAddress
  /** This node's fingerprint (the published relay address ends with it). */
  readonly self: string
  /** This node's channel options (key, provider, trust gate, limits). */
  readonly channel: Omit<SecureChannelOptions, 'role' | 'expectedPeer' | 'signal'>
  readonly backoff: BackoffOptions
  readonly random: () => number
  /** Takes every spliced stream (the peer manager's listener for relayed peers). */
  readonly onSplice: (duplex: Duplex) => void
  /** Notable events; never secrets. */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** State of a relay link: registered while its control channel is open. */
export type RelayLinkState = 'connecting' | 'registered' | 'backoff' | 'stopped'

/** Keeps this node registered on one relay while it runs. */
export class RelayLink {
  readonly #o: RelayLinkOptions
  readonly #endpoints: RelayEndpoints
  readonly #key: string
  #state: RelayLinkState = 'connecting'
  #failures = 0
  #channel: SecureChannel | undefined
  #abort: AbortController | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #dialing: Promise<void> | undefined
  #lastError: string | undefined

  /** @throws BAD_REQUEST when the relay is not a WebSocket address */
  constructor(options: RelayLinkOptions) {
    this.#o = options
    this.#endpoints = relayEndpoints(options.relay, options.self)
    this.#key = formatPeerAddress(options.relay)
  }

  /** The address peers dial to reach this node through the relay (published in its record). */
  get published(): string {
    return this.#endpoints.published
  }

  /** The relay as configured, the link's state and why it last failed. */
  status(): { relay: string; state: RelayLinkState; failures: number; lastError?: string } {
    return {
      relay: this.#key,
      state: this.#state,
      failures: this.#failures,
      ...(this.#lastError !== undefined && { lastError: this.#lastError }),
    }
  }

  /** Dial the relay now (and again after every failure, until stopped). */
  start(): void {
    if (this.#state === 'stopped') return
    this.#timer = undefined
    this.#state = 'connecting'
    const abort = (this.#abort = new AbortController())
    const fp = this.#o.relay.fingerprint
    this.#dialing = connectWebSocket(this.#endpoints.control, {
      ...this.#o.channel,
      signal: abort.signal,
      ...(fp !== undefined && { expectedPeer: fp }),
    }).then(
      (channel) => this.#registered(channel),
      (error: unknown) => this.#failed(codeOf(error)),
    )
  }

  #registered(channel: SecureChannel): void {
    if (this.#state === 'stopped') return void channel.close('shutdown')
    this.#channel = channel
    this.#state = 'registered'
    this.#failures = 0
    this.#lastError = undefined
    this.#o.event?.('relay-registered', { relay: this.#key })
    channel.onMessage((message) => {
      let id: string
      try {
        id = decodeRelayIncoming(message)
      } catch {
        return void channel.close('bad_request')
      }
      openWebSocket(this.#endpoints.take(id), { ...this.#o.channel }).then(
        (duplex) => this.#o.onSplice(duplex),
        (e: unknown) => this.#o.event?.('relay-take-error', { code: codeOf(e) }),
      )
    })
    void channel.closed.then((info) => {
      this.#channel = undefined
      this.#failed(info.reason)
    })
  }

  #failed(code: string): void {
    this.#abort = undefined
    if (this.#state === 'stopped') return
    this.#lastError = code
    this.#failures++
    const delay = backoffDelay(this.#o.backoff, this.#failures, this.#o.random)
    this.#state = 'backoff'
    this.#o.event?.('relay-backoff', { relay: this.#key, code, delayMs: delay })
    this.#timer = setTimeout(() => this.start(), delay)
  }

  /** Stop re-dialling and close the control channel. */
  async stop(): Promise<void> {
    this.#state = 'stopped'
    clearTimeout(this.#timer)
    this.#abort?.abort()
    await this.#dialing
    await this.#channel?.close('shutdown')
  }
}
