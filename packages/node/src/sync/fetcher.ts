/**
 * Missing-resource scheduling (docs/protocol/sync.md §5): ids announced by peers (journal
 * entries, reconciliation) that the node lacks are requested in batches from a peer that
 * announced them, several peers in parallel, with a bounded number of requests in flight per
 * peer. An id a peer cannot deliver is retried from another peer that announced it.
 * @module
 */

/** What the fetcher needs from a peer session. */
export interface FetchPeer {
  readonly key: string
  /** Request these ids; resolves with the ids the peer said it does not have (or could not send). */
  requestResources(ids: readonly string[]): Promise<readonly string[]>
  readonly isOpen: boolean
}

/** Limits of the fetcher. */
export interface FetchLimits {
  /** Ids per request_resource. */
  readonly batch: number
  /** Requests in flight per peer. */
  readonly perPeer: number
}

/** Schedules fetches of wanted ids across peers. */
export class Fetcher {
  /** id -> peers that announced it and have not failed it. */
  readonly #wanted = new Map<string, Set<FetchPeer>>()
  /** id -> peer it is being requested from. */
  readonly #inFlight = new Map<string, FetchPeer>()
  readonly #busy = new Map<FetchPeer, number>()
  /** peer -> how many ids of `#wanted` list it: the peers a dispatch can hand work to. */
  readonly #sources = new Map<FetchPeer, number>()
  readonly #limits: FetchLimits
  readonly #has: (ids: readonly string[]) => Promise<boolean[]>
  #scheduled = false
  #idle: (() => void)[] = []

  constructor(limits: FetchLimits, has: (ids: readonly string[]) => Promise<boolean[]>) {
    this.#limits = limits
    this.#has = has
  }

  /** Number of ids wanted and not yet received. */
  get pending(): number {
    return this.#wanted.size
  }

  /** `peer` has these ids; fetch the ones the node lacks. */
  async announce(peer: FetchPeer, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    const have = await this.#has(ids)
    ids.forEach((id, i) => {
      if (have[i]) return
      let peers = this.#wanted.get(id)
      if (!peers) this.#wanted.set(id, (peers = new Set()))
      if (peers.has(peer)) return
      peers.add(peer)
      this.#sources.set(peer, (this.#sources.get(peer) ?? 0) + 1)
    })
    this.#schedule()
  }

  /** These ids arrived (from any source): stop wanting them. */
  received(ids: Iterable<string>): void {
    for (const id of ids) {
      const peers = this.#wanted.get(id)
      if (!peers) continue
      this.#wanted.delete(id)
      for (const p of peers) this.#unlist(p)
    }
    this.#checkIdle()
  }

  /** One id that `peer` listed is no longer wanted from it. */
  #unlist(peer: FetchPeer): void {
    const n = (this.#sources.get(peer) ?? 1) - 1
    if (n > 0) this.#sources.set(peer, n)
    else this.#sources.delete(peer)
  }

  /** A peer went away: forget it as a source. */
  forget(peer: FetchPeer): void {
    for (const [id, peers] of this.#wanted) {
      peers.delete(peer)
      if (peers.size === 0) this.#wanted.delete(id)
    }
    this.#sources.delete(peer)
    this.#busy.delete(peer)
    this.#schedule()
  }

  /** Resolves when nothing is wanted or in flight. */
  idle(): Promise<void> {
    if (this.#wanted.size === 0 && this.#inFlight.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #checkIdle(): void {
    if (this.#wanted.size === 0 && this.#inFlight.size === 0)
      for (const r of this.#idle.splice(0)) r()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    queueMicrotask(() => {
      this.#scheduled = false
      this.#dispatch()
    })
  }

  /**
   * Hand each wanted id that is not in flight to the open peer listing it with the most free
   * room (the least busy one), in batches. The scan stops once no peer that lists a wanted id
   * has room left: a pull of 20,000 ids used to walk all of them after every answer (docs/load.md
   * §5 "Ninth pass").
   */
  #dispatch(): void {
    const { batch, perPeer } = this.#limits
    // Ids each open source can still take in this round.
    const free = new Map<FetchPeer, number>()
    let room = 0
    for (const p of this.#sources.keys()) {
      const n = (perPeer - (this.#busy.get(p) ?? 0)) * batch
      if (p.isOpen && n > 0) {
        free.set(p, n)
        room += n
      }
    }
    const batches = new Map<FetchPeer, string[]>()
    for (const [id, peers] of this.#wanted) {
      if (room === 0) break
      if (this.#inFlight.has(id)) continue
      let best: FetchPeer | undefined
      let bestFree = 0
      for (const p of peers) {
        const f = free.get(p) ?? 0
        if (f > bestFree) {
          best = p
          bestFree = f
        }
      }
      if (!best) continue
      free.set(best, bestFree - 1)
      room--
      const b = batches.get(best)
      if (b) b.push(id)
      else batches.set(best, [id])
    }
    for (const [peer, ids] of batches) {
      for (let i = 0; i < ids.length; i += batch) this.#request(peer, ids.slice(i, i + batch))
    }
    this.#checkIdle()
  }

  #request(peer: FetchPeer, ids: string[]): void {
    for (const id of ids) this.#inFlight.set(id, peer)
    this.#busy.set(peer, (this.#busy.get(peer) ?? 0) + 1)
    peer
      .requestResources(ids)
      .then(
        () => undefined,
        () => undefined, // the request failed as a whole: nothing arrived from this peer
      )
      .then(() => {
        this.#busy.set(peer, Math.max(0, (this.#busy.get(peer) ?? 1) - 1))
        for (const id of ids) this.#inFlight.delete(id)
        // Every id of the batch still wanted did not arrive from this peer: reported missing,
        // or sent but refused by the ingest pipeline (invalid, stale, or pending its signer's
        // authorization; the ingestor retries pending ones itself). The peer is no longer a
        // source for it; asking it again would loop forever.
        for (const id of ids) {
          const peers = this.#wanted.get(id)
          if (!peers?.delete(peer)) continue
          this.#unlist(peer)
          if (peers.size === 0) this.#wanted.delete(id)
        }
        this.#schedule()
      })
  }
}
