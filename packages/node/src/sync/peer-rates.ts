/**
 * Per-peer bounds on the resources a peer sends us (docs/protocol/sync.md §9, "Admission"): a
 * rate for what it sends unasked (pushes), counted in resources and in bytes, an allowance for
 * what is refused, and the backpressure bounds on what is being ingested. Resources we asked
 * for (a fetch of ids a journal page, broadcast or reconciliation announced) are not counted:
 * their volume is set by our own requests (`perPeer` x `batch` ids in flight), and a backlog
 * must be fetchable however large it is; what is then stored is bounded by the per-author
 * quota (author-quota.ts).
 * @module
 */

/** Limits of the push gate (defaults in sync-engine.ts, `DEFAULT_SYNC_LIMITS`). */
export interface PushLimits {
  /**
   * Resources a peer may send per minute that are refused or held (outside the trust closure,
   * signer unknown, author over its storage quota) before each further one costs a penalty
   * point. An honest peer relays some (its other contacts' records); a flood does not stay
   * under it.
   */
  readonly maxRefusedPerMinute: number
  /** Resources a peer may push unasked per minute; the burst is one minute's worth. */
  readonly maxPushPerMinute: number
  /** Bytes (encoded resources) a peer may push unasked per minute; burst one minute's worth. */
  readonly maxPushBytesPerMinute: number
  /** Bytes of a peer's resources being ingested before its session stops reading. */
  readonly maxIngestBytesInFlight: number
}

/** Resources of one session being ingested before it stops reading (backpressure). */
export const MAX_INGESTS_IN_FLIGHT = 2048

/**
 * A token bucket refilled continuously at `perMinute` per minute, holding at most one minute's
 * worth (so a peer that was quiet may send that much at once, and no more).
 */
export class TokenBucket {
  readonly #perMinute: number
  #tokens: number
  #at: number

  constructor(perMinute: number, now: number) {
    this.#perMinute = perMinute
    this.#tokens = perMinute
    this.#at = now
  }

  /** Tokens available at `now`. */
  available(now: number): number {
    const elapsed = Math.max(0, now - this.#at)
    this.#tokens = Math.min(this.#perMinute, this.#tokens + (elapsed * this.#perMinute) / 60_000)
    this.#at = now
    return this.#tokens
  }

  /** Take `n` tokens (the caller checked {@link TokenBucket.available}). */
  take(n: number): void {
    this.#tokens -= n
  }
}

/** Why a received resource was not let through. */
export type GateRefusal = 'rate'

/** The gate of one session's incoming resources. */
export class PushGate {
  readonly #limits: PushLimits
  readonly #clock: () => number
  readonly #unlimited: boolean
  readonly #count: TokenBucket
  readonly #bytes: TokenBucket
  /** Ids asked of this peer and not yet arrived (at most `perPeer` x `batch`). */
  readonly #requested = new Set<string>()
  #inFlight = 0
  #bytesInFlight = 0
  /** Refused or held resources in the current minute (a fixed window). */
  #refused = 0
  #refusedSince = 0

  /**
   * @param unlimited no push rate (a node of our own user: it is trusted with our user's keys
   *   anyway, and an import on one device must reach the others)
   */
  constructor(limits: PushLimits, unlimited: boolean, clock: () => number = Date.now) {
    this.#limits = limits
    this.#unlimited = unlimited
    this.#clock = clock
    const now = clock()
    this.#count = new TokenBucket(limits.maxPushPerMinute, now)
    this.#bytes = new TokenBucket(limits.maxPushBytesPerMinute, now)
  }

  /** We are asking the peer for these ids. */
  expect(ids: readonly string[]): void {
    for (const id of ids) this.#requested.add(id)
  }

  /** The request for these ids is answered: copies arriving later are pushes. */
  settle(ids: readonly string[]): void {
    for (const id of ids) this.#requested.delete(id)
  }

  /**
   * May a resource of `size` bytes with (peeked, unverified) id `id` be ingested? One we asked
   * for passes once; anything else takes from the push buckets.
   * @returns undefined when it may, else why not
   */
  check(id: string | undefined, size: number): GateRefusal | undefined {
    if (id !== undefined && this.#requested.delete(id)) return undefined
    if (this.#unlimited) return undefined
    const now = this.#clock()
    if (this.#count.available(now) < 1 || this.#bytes.available(now) < size) return 'rate'
    this.#count.take(1)
    this.#bytes.take(size)
    return undefined
  }

  /**
   * Count a resource refused or held (outside the closure, signer unknown, over its quota).
   * @returns true when it is past the allowance of the minute (it costs a penalty point)
   */
  refused(): boolean {
    const now = this.#clock()
    if (now - this.#refusedSince >= 60_000) {
      this.#refusedSince = now
      this.#refused = 0
    }
    return ++this.#refused > this.#limits.maxRefusedPerMinute
  }

  /** An ingest of `size` bytes started. */
  started(size: number): void {
    this.#inFlight++
    this.#bytesInFlight += size
  }

  /** An ingest of `size` bytes finished. */
  finished(size: number): void {
    this.#inFlight--
    this.#bytesInFlight -= size
  }

  /** Too much is being ingested: stop reading until it is done (backpressure, not an error). */
  get full(): boolean {
    return (
      this.#inFlight > MAX_INGESTS_IN_FLIGHT ||
      this.#bytesInFlight > this.#limits.maxIngestBytesInFlight
    )
  }

  /** Bytes being ingested now (tests, status). */
  get bytesInFlight(): number {
    return this.#bytesInFlight
  }
}
