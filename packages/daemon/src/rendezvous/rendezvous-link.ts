/**
 * A daemon's use of a rendezvous directory (docs/protocol/relays.md §6.1): register this node's
 * signed address record on start, whenever its addresses change and before the record expires;
 * look up a peer node when every address its `node` record lists fails, and keep what the
 * verified record says until that record expires. The directory is not trusted: a record is
 * checked against the node asked for, and a dial to its addresses still pins that node's key.
 * @module
 */
import { isProtocolError } from '@sdmp/core'
import type { CryptoProvider, SigningKey } from '@sdmp/core'
import { SerialQueue } from '@sdmp/node'
import { ADDRESS_RECORD_LIMITS, signAddressRecord } from './address-record.js'
import { lookupAddressRecord, registerAddressRecord } from './rendezvous-client.js'

/** Timing of a {@link RendezvousLink} (defaults: {@link RENDEZVOUS_LINK_DEFAULTS}). */
export interface RendezvousLinkTiming {
  /** Life of the records this node registers (at most 24 h); it re-registers at half of it. */
  readonly lifetimeMs: number
  /**
   * The shortest time between two lookups of one node, and the first delay before a failed
   * registration is tried again (doubling up to a quarter of the lifetime).
   */
  readonly retryMs: number
}

/** Defaults of {@link RendezvousLinkTiming}. */
export const RENDEZVOUS_LINK_DEFAULTS: RendezvousLinkTiming = Object.freeze({
  lifetimeMs: ADDRESS_RECORD_LIMITS.maxLifetimeMs,
  retryMs: 60_000,
})

/** Options of {@link RendezvousLink}. */
export interface RendezvousLinkOptions {
  /** The directory's base URL (`https://rendezvous.example.org`). */
  readonly url: string
  readonly provider: CryptoProvider
  /** This node's key: it signs the records. */
  readonly key: SigningKey
  readonly clock: () => number
  readonly timing?: Partial<RendezvousLinkTiming>
  /** The addresses found for some node changed (a new record, or one expired). */
  readonly onFound: () => void
  /** Notable events (never secrets). */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** What a verified record of a peer node said, kept until it expires. */
interface Found {
  readonly addresses: readonly string[]
  readonly seq: number
  readonly expiresAt: number
  readonly timer: ReturnType<typeof setTimeout>
}

/** Registration and lookups of one node on one directory. */
export class RendezvousLink {
  readonly #o: RendezvousLinkOptions
  readonly #timing: RendezvousLinkTiming
  readonly #queue = new SerialQueue()
  /** The addresses to register (the newest asked for). */
  #addresses: readonly string[] = []
  /** The addresses the directory holds for us, as last registered. */
  #registered: readonly string[] | undefined
  #seq = 0
  #failures = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #lastError: string | undefined
  readonly #found = new Map<string, Found>()
  /** When each node was last looked up (bounded by the nodes this node dials). */
  readonly #lookedUp = new Map<string, number>()
  readonly #inflight = new Set<string>()
  #stopped = false

  constructor(options: RendezvousLinkOptions) {
    this.#o = options
    this.#timing = { ...RENDEZVOUS_LINK_DEFAULTS, ...options.timing }
  }

  /** The directory's URL. */
  get url(): string {
    return this.#o.url
  }

  /** What the directory holds for this node as far as we know, and why the last try failed. */
  status(): { registered: readonly string[] | null; seq: number; lastError: string | null } {
    return {
      registered: this.#registered ?? null,
      seq: this.#seq,
      lastError: this.#lastError ?? null,
    }
  }

  /**
   * Register `addresses` now when they differ from the registered ones (start, address change);
   * the record is then refreshed before it expires. Settles once tried; never rejects.
   */
  register(addresses: readonly string[]): Promise<void> {
    this.#addresses = [...addresses]
    const same =
      this.#registered !== undefined &&
      this.#registered.length === addresses.length &&
      this.#registered.every((a, i) => a === addresses[i])
    if (same || addresses.length === 0) return Promise.resolve()
    return this.#registerNow()
  }

  #registerNow(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    return this.#queue.run(async () => {
      if (this.#stopped) return
      const addresses = this.#addresses
      // seq grows with every record (a directory refuses one not above the held one).
      const seq = (this.#seq = Math.max(this.#o.clock(), this.#seq + 1))
      const { lifetimeMs, retryMs } = this.#timing
      try {
        const signed = signAddressRecord(this.#o.provider, this.#o.key, addresses, seq, lifetimeMs)
        await registerAddressRecord(this.#o.url, signed)
        this.#registered = addresses
        this.#failures = 0
        this.#lastError = undefined
        this.#o.event?.('rendezvous-registered', { addresses: addresses.length })
        this.#schedule(lifetimeMs / 2)
      } catch (e) {
        this.#registered = undefined
        this.#lastError = codeOf(e)
        this.#o.event?.('rendezvous-error', { op: 'register', code: this.#lastError })
        this.#failures++
        this.#schedule(Math.min(retryMs * 2 ** (this.#failures - 1), lifetimeMs / 4))
      }
    })
  }

  #schedule(ms: number): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#registerNow(), ms)
    this.#timer.unref()
  }

  /** Unexpired addresses found in the directory, by node. */
  found(): Map<string, readonly string[]> {
    const now = this.#o.clock()
    const out = new Map<string, readonly string[]>()
    for (const [node, f] of this.#found) if (f.expiresAt > now) out.set(node, f.addresses)
    return out
  }

  /**
   * Every known address of `node` failed: look it up (at most once per `retryMs` per node). A
   * verified record newer than the one held replaces it, and `onFound` is told.
   */
  nodeUnreachable(node: string): void {
    if (this.#stopped || this.#inflight.has(node)) return
    const now = this.#o.clock()
    const last = this.#lookedUp.get(node)
    if (last !== undefined && now - last < this.#timing.retryMs) return
    this.#lookedUp.set(node, now)
    this.#inflight.add(node)
    void lookupAddressRecord(this.#o.url, node, this.#o.provider, now)
      .then(
        (record) => {
          if (this.#stopped) return
          const held = this.#found.get(node)
          if (held !== undefined && held.seq >= record.seq) return
          clearTimeout(held?.timer)
          const expiresAt = Date.parse(record.expires)
          const timer = setTimeout(
            () => {
              if (this.#found.get(node)?.timer !== timer) return
              this.#found.delete(node)
              this.#o.onFound()
            },
            Math.max(0, expiresAt - this.#o.clock()),
          )
          timer.unref()
          this.#found.set(node, { addresses: record.addresses, seq: record.seq, expiresAt, timer })
          this.#o.event?.('rendezvous-found', { node, addresses: record.addresses.length })
          this.#o.onFound()
        },
        (e: unknown) => {
          this.#o.event?.('rendezvous-error', { op: 'lookup', node, code: codeOf(e) })
        },
      )
      .finally(() => this.#inflight.delete(node))
  }

  /**
   * Stop the refresh timer and forget what was found. Idempotent. A request in flight is not
   * waited for (a hanging directory must not hold a shutdown; its outcome is ignored).
   */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    for (const f of this.#found.values()) clearTimeout(f.timer)
    this.#found.clear()
  }
}

function codeOf(e: unknown): string {
  return isProtocolError(e) ? e.code.toLowerCase() : 'internal_error'
}
