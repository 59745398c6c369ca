/**
 * The byte-stream seam under the secure channel: a minimal reliable, ordered duplex that TCP,
 * WebSocket and an in-memory pair all implement (docs/protocol/transport.md §9). The in-memory
 * pair adds optional latency/jitter (order kept, as on TCP) and a man-in-the-middle tap for
 * hostile tests.
 * @module
 */

/** Callbacks a duplex delivers to its single consumer. */
export interface DuplexHandlers {
  /** Bytes from the peer, in order; chunk boundaries carry no meaning. */
  data(chunk: Uint8Array): void
  /** The peer ended the stream or the connection is gone. Called at most once. */
  end(): void
  /** The transport failed (socket error). `end` follows. */
  error(error: Error): void
  /** Buffered outgoing bytes fell below the high-water mark after `write` returned false. */
  drain(): void
}

/** A reliable ordered byte stream. */
export interface Duplex {
  /** Peer address for per-address limits and logs, e.g. "127.0.0.1" or "mem:b". */
  readonly remoteAddress: string
  /** Start delivering events; bytes that arrived before are delivered first. Call once. */
  attach(handlers: DuplexHandlers): void
  /** Queue bytes; false when the caller should wait for `drain`. Ignored after end/destroy. */
  write(chunk: Uint8Array): boolean
  /** Flush queued bytes, then end the stream. */
  end(): void
  /** Drop the connection now, without flushing. */
  destroy(): void
  /** Stop / restart delivering `data` (receive flow control). */
  pause(): void
  resume(): void
}

/** Rewrite hook of the in-memory pair: return the chunks to deliver (empty array = drop). */
export type DuplexTap = (chunk: Uint8Array, from: 'a' | 'b') => Uint8Array[]

/** Options of {@link createDuplexPair}. */
export interface DuplexPairOptions {
  /** Added one-way delay per chunk, in ms. */
  readonly latencyMs?: number
  /** Extra random delay 0..jitterMs per chunk; delivery order is still kept. */
  readonly jitterMs?: number
  /** Seed of the jitter PRNG (same seed, same delays). */
  readonly seed?: number
  /** Man-in-the-middle hook applied to every written chunk. */
  readonly tap?: DuplexTap
  /** Bytes in flight before `write` returns false. Default 1 MiB. */
  readonly highWaterMarkBytes?: number
  /** Remote addresses reported by the two sides. Default "mem:b" for a, "mem:a" for b. */
  readonly addresses?: readonly [string, string]
}

/** mulberry32: a small seeded PRNG, enough for test jitter. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class MemoryDuplex implements Duplex {
  readonly remoteAddress: string
  peer!: MemoryDuplex
  #handlers: DuplexHandlers | null = null
  #inbox: Uint8Array[] = [] // received but not yet delivered (unattached or paused)
  #paused = false
  #ended = false // we stopped writing
  #peerEnded = false // received end
  #endDelivered = false
  #inFlight = 0
  #needDrain = false
  #lastDelivery = 0
  readonly #send: (deliver: () => void) => void
  readonly #hwm: number
  readonly #tap: ((c: Uint8Array) => Uint8Array[]) | undefined

  constructor(
    remoteAddress: string,
    send: (deliver: () => void) => void,
    hwm: number,
    tap: ((c: Uint8Array) => Uint8Array[]) | undefined,
  ) {
    this.remoteAddress = remoteAddress
    this.#send = send
    this.#hwm = hwm
    this.#tap = tap
  }

  attach(handlers: DuplexHandlers): void {
    if (this.#handlers) throw new Error('duplex already attached')
    this.#handlers = handlers
    queueMicrotask(() => this.#flushInbox())
  }

  write(chunk: Uint8Array): boolean {
    if (this.#ended) return false
    // Copy: the writer may reuse its buffer, as with a socket.
    const chunks = this.#tap ? this.#tap(chunk.slice()) : [chunk.slice()]
    for (const c of chunks) {
      this.#inFlight += c.length
      this.#send(() => {
        this.#inFlight -= c.length
        this.peer.#receive(c)
        if (this.#needDrain && this.#inFlight < this.#hwm) {
          this.#needDrain = false
          this.#handlers?.drain()
        }
      })
    }
    if (this.#inFlight >= this.#hwm) this.#needDrain = true
    return !this.#needDrain
  }

  end(): void {
    if (this.#ended) return
    this.#ended = true
    this.#send(() => this.peer.#receiveEnd())
  }

  destroy(): void {
    this.#inbox = []
    this.end()
    this.#receiveEnd()
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
    queueMicrotask(() => this.#flushInbox())
  }

  #receive(chunk: Uint8Array): void {
    if (this.#peerEnded) return
    this.#inbox.push(chunk)
    this.#flushInbox()
  }

  #receiveEnd(): void {
    this.#peerEnded = true
    this.#flushInbox()
  }

  #flushInbox(): void {
    const h = this.#handlers
    if (!h) return
    while (!this.#paused && this.#inbox.length > 0) h.data(this.#inbox.shift()!)
    if (this.#peerEnded && this.#inbox.length === 0 && !this.#endDelivered) {
      this.#endDelivered = true
      this.end() // like a socket without allowHalfOpen: the peer's end ends ours too
      h.end()
    }
  }

  /** Schedule time keeping order: never earlier than the previous delivery. */
  nextDeliveryAt(delay: number): number {
    this.#lastDelivery = Math.max(this.#lastDelivery, performance.now() + delay)
    return this.#lastDelivery
  }
}

/**
 * Two connected in-memory duplexes. With no latency, chunks arrive on a later macrotask, so a
 * writer never re-enters its own reader.
 * @example
 * const [a, b] = createDuplexPair({ latencyMs: 5, jitterMs: 5, seed: 1 })
 */
export function createDuplexPair(options: DuplexPairOptions = {}): [Duplex, Duplex] {
  const latency = options.latencyMs ?? 0
  const jitter = options.jitterMs ?? 0
  const random = seededRandom(options.seed ?? 1)
  const hwm = options.highWaterMarkBytes ?? 1024 * 1024
  const [addrA, addrB] = options.addresses ?? ['mem:b', 'mem:a']
  // One FIFO per direction drained by a single timer: delivery times never decrease, so a
  // later chunk can never overtake an earlier one (timers alone round to whole ms and could).
  const scheduler = (self: () => MemoryDuplex) => {
    const queue: { at: number; deliver: () => void }[] = []
    let timer: ReturnType<typeof setTimeout> | null = null
    const pump = () => {
      timer = null
      while (queue.length > 0 && queue[0]!.at <= performance.now()) queue.shift()!.deliver()
      if (queue.length > 0) timer = setTimeout(pump, Math.max(1, queue[0]!.at - performance.now()))
    }
    return (deliver: () => void) => {
      if (latency === 0 && jitter === 0) {
        setImmediate(deliver)
        return
      }
      queue.push({ at: self().nextDeliveryAt(latency + random() * jitter), deliver })
      if (timer === null) timer = setTimeout(pump, Math.max(1, queue[0]!.at - performance.now()))
    }
  }
  const tap = options.tap
  let a: MemoryDuplex | undefined
  let b: MemoryDuplex | undefined
  a = new MemoryDuplex(
    addrA,
    scheduler(() => a!),
    hwm,
    tap && ((c) => tap(c, 'a')),
  )
  b = new MemoryDuplex(
    addrB,
    scheduler(() => b!),
    hwm,
    tap && ((c) => tap(c, 'b')),
  )
  a.peer = b
  b.peer = a
  return [a, b]
}
