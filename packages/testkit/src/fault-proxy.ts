/**
 * A loopback TCP proxy that injects network faults between two nodes (issue 6, docs/faults.md):
 * cut and heal connections, blackhole, delay with jitter, duplicate and corrupt bytes, each per
 * direction and changeable while connections are open. Randomness is seeded so a failing run
 * can be replayed with the printed seed (TCP chunking still varies between runs).
 * @module
 */
import { createServer, connect as netConnect } from 'node:net'
import type { Server, Socket } from 'node:net'

/** `up`: from the dialling client to the target; `down`: from the target back to the client. */
export type FaultDirection = 'up' | 'down'

/** What the proxy does to the bytes travelling in one direction. */
export interface FaultSettings {
  /** Any chunk in this direction cuts its connection (both sockets destroyed). */
  readonly drop: boolean
  /** Chunks in this direction are accepted and discarded (a silent partition). */
  readonly blackhole: boolean
  /** Every chunk is held this many ms before it is forwarded (order is kept). */
  readonly delayMs: number
  /** Up to this many extra ms, uniform, added to each chunk's delay. */
  readonly jitterMs: number
  /** Probability in [0, 1] that a chunk is forwarded twice. */
  readonly duplicate: number
  /** Probability in [0, 1] that one byte of a chunk is flipped. */
  readonly corrupt: number
}

/** No fault: bytes pass unchanged and at once. */
export const NO_FAULTS: FaultSettings = Object.freeze({
  drop: false,
  blackhole: false,
  delayMs: 0,
  jitterMs: 0,
  duplicate: 0,
  corrupt: 0,
})

/** What the proxy has done so far, for assertions that a fault really happened. */
export interface FaultCounters {
  /** Client connections accepted. */
  connections: number
  /** Connections currently open. */
  active: number
  /** Connections destroyed by `drop` or {@link FaultProxy.cut}. */
  cuts: number
  /** Bytes forwarded client -> target (duplicates included). */
  bytesUp: number
  /** Bytes forwarded target -> client (duplicates included). */
  bytesDown: number
  /** Bytes discarded by `blackhole`. */
  blackholed: number
  /** Chunks forwarded twice. */
  duplicated: number
  /** Chunks with one byte flipped. */
  corrupted: number
  /** Chunks held back by `delayMs`/`jitterMs`. */
  delayed: number
}

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** Where accepted connections are forwarded. */
  readonly target: { readonly host: string; readonly port: number }
  /** Seed of the fault randomness (print it on failure); default a fresh one. */
  readonly seed?: number
}

/** Queued bytes per direction above which the source socket is paused (delay backpressure). */
const QUEUE_HIGH_WATER = 1024 * 1024

/**
 * A small seeded PRNG (mulberry32), uniform in [0, 1). Only for test fault injection and
 * replayable test data, never for keys or nonces.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Check one settings patch; misuse by test code, so plain errors. @throws RangeError */
function checkSettings(patch: Partial<FaultSettings>): void {
  for (const k of ['duplicate', 'corrupt'] as const) {
    const p = patch[k]
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new RangeError(`fault.${k}: expected 0..1`)
  }
  for (const k of ['delayMs', 'jitterMs'] as const) {
    const ms = patch[k]
    if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0))
      throw new RangeError(`fault.${k}: expected a finite number >= 0`)
  }
}

/**
 * A fault-injecting TCP proxy on 127.0.0.1 (port chosen by the OS). Point a dialler at
 * {@link FaultProxy.port} instead of the target, then change faults while it runs.
 * @example
 * const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port }, seed })
 * proxy.set('down', { corrupt: 1 })
 * proxy.cut(); proxy.heal()
 * await proxy.close()
 */
export class FaultProxy {
  /** The seed of this proxy's fault randomness. */
  readonly seed: number
  readonly host = '127.0.0.1'
  readonly #server: Server
  readonly #target: { readonly host: string; readonly port: number }
  readonly #random: () => number
  readonly #links = new Set<Link>()
  readonly #counters: FaultCounters = {
    connections: 0,
    active: 0,
    cuts: 0,
    bytesUp: 0,
    bytesDown: 0,
    blackholed: 0,
    duplicated: 0,
    corrupted: 0,
    delayed: 0,
  }
  #faults: Record<FaultDirection, FaultSettings> = { up: NO_FAULTS, down: NO_FAULTS }
  #isCut = false
  #port = 0

  private constructor(options: FaultProxyOptions, seed: number) {
    this.seed = seed
    this.#target = options.target
    this.#random = seededRandom(seed)
    this.#server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.#accept(s))
  }

  /** Start a proxy listening on 127.0.0.1:0. @throws Error when it cannot bind */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
    const proxy = new FaultProxy(options, seed)
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject)
      proxy.#server.listen(0, '127.0.0.1', () => {
        proxy.#server.off('error', reject)
        resolve()
      })
    })
    const a = proxy.#server.address()
    if (a === null || typeof a === 'string') throw new Error('fault proxy: no TCP address')
    proxy.#port = a.port
    return proxy
  }

  /** The port diallers use instead of the target's. */
  get port(): number {
    return this.#port
  }

  /** A snapshot of the counters. */
  get counters(): Readonly<FaultCounters> {
    return Object.freeze({ ...this.#counters, active: this.#links.size })
  }

  /** Whether {@link cut} is in force (new connections are refused until {@link heal}). */
  get isCut(): boolean {
    return this.#isCut
  }

  /** The faults currently applied in `direction`. */
  settings(direction: FaultDirection): FaultSettings {
    return this.#faults[direction]
  }

  /**
   * Change the faults of one or both directions; unspecified fields keep their value. Applies
   * to open connections from their next chunk on.
   * @throws RangeError for a probability outside 0..1 or a negative delay
   */
  set(direction: FaultDirection | 'both', patch: Partial<FaultSettings>): void {
    checkSettings(patch)
    for (const d of direction === 'both' ? (['up', 'down'] as const) : [direction])
      this.#faults[d] = Object.freeze({ ...this.#faults[d], ...patch })
  }

  /** Cut: destroy every open connection and refuse (accept, then destroy) new ones. */
  cut(): void {
    this.#isCut = true
    for (const l of [...this.#links]) this.#kill(l)
  }

  /** Heal: lift a cut and clear every fault in both directions. */
  heal(): void {
    this.#isCut = false
    this.#faults = { up: NO_FAULTS, down: NO_FAULTS }
  }

  /** Stop listening and destroy every connection. */
  async close(): Promise<void> {
    for (const l of [...this.#links]) l.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #kill(link: Link): void {
    this.#counters.cuts++
    link.destroy()
  }

  #accept(client: Socket): void {
    this.#counters.connections++
    if (this.#isCut) {
      this.#counters.cuts++
      client.destroy()
      return
    }
    const target = netConnect({ host: this.#target.host, port: this.#target.port, noDelay: true })
    target.setNoDelay(true)
    const link: Link = {
      client,
      target,
      destroy: () => {
        this.#links.delete(link)
        client.destroy()
        target.destroy()
      },
    }
    this.#links.add(link)
    const hooks: PipeHooks = {
      faults: (d) => this.#faults[d],
      random: this.#random,
      counters: this.#counters,
      kill: () => this.#kill(link),
    }
    new Pipe(client, target, 'up', hooks)
    new Pipe(target, client, 'down', hooks)
    const gone = () => {
      if (client.destroyed && target.destroyed) this.#links.delete(link)
    }
    // An abrupt end on either side (reset, failed dial) ends the other side abruptly too.
    for (const s of [client, target]) {
      s.on('error', () => link.destroy())
      s.on('close', gone)
    }
  }
}

interface Link {
  readonly client: Socket
  readonly target: Socket
  destroy(): void
}

interface PipeHooks {
  faults(direction: FaultDirection): FaultSettings
  readonly random: () => number
  readonly counters: FaultCounters
  kill(): void
}

/** One direction of one connection: applies the faults and keeps chunk order under delay. */
class Pipe {
  readonly #from: Socket
  readonly #to: Socket
  readonly #dir: FaultDirection
  readonly #h: PipeHooks
  readonly #queue: { at: number; chunk: Buffer }[] = []
  #queued = 0
  #lastAt = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #ended = false
  #waitingDrain = false

  constructor(from: Socket, to: Socket, dir: FaultDirection, hooks: PipeHooks) {
    this.#from = from
    this.#to = to
    this.#dir = dir
    this.#h = hooks
    from.on('data', (chunk: Buffer) => this.#onData(chunk))
    from.on('end', () => {
      this.#ended = true
      this.#flush()
    })
    to.on('drain', () => {
      this.#waitingDrain = false
      this.#resume()
    })
  }

  #onData(chunk: Buffer): void {
    const f = this.#h.faults(this.#dir)
    const r = this.#h.random
    if (f.drop) return this.#h.kill()
    if (f.blackhole) {
      this.#h.counters.blackholed += chunk.length
      return
    }
    let out = chunk
    if (f.corrupt > 0 && r() < f.corrupt) {
      out = Buffer.from(chunk)
      const i = Math.floor(r() * out.length)
      out[i] = out[i]! ^ (1 + Math.floor(r() * 255))
      this.#h.counters.corrupted++
    }
    const copies = f.duplicate > 0 && r() < f.duplicate ? 2 : 1
    if (copies === 2) this.#h.counters.duplicated++
    const delay = f.delayMs + (f.jitterMs > 0 ? r() * f.jitterMs : 0)
    for (let c = 0; c < copies; c++) this.#enqueue(out, delay)
  }

  #enqueue(chunk: Buffer, delay: number): void {
    if (delay <= 0 && this.#queue.length === 0) return this.#write(chunk)
    this.#h.counters.delayed++
    // Never reorder: a chunk leaves no earlier than the one queued before it.
    const at = Math.max(Date.now() + delay, this.#lastAt)
    this.#lastAt = at
    this.#queue.push({ at, chunk })
    this.#queued += chunk.length
    if (this.#queued > QUEUE_HIGH_WATER) this.#from.pause()
    this.#schedule()
  }

  #schedule(): void {
    if (this.#timer || this.#queue.length === 0) return
    const wait = Math.max(0, this.#queue[0]!.at - Date.now())
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#flush()
    }, wait)
  }

  #flush(): void {
    const now = Date.now()
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now) {
      const { chunk } = this.#queue.shift()!
      this.#queued -= chunk.length
      this.#write(chunk)
    }
    this.#resume()
    if (this.#queue.length > 0) return this.#schedule()
    if (this.#ended && !this.#to.destroyed) this.#to.end()
  }

  #write(chunk: Buffer): void {
    if (this.#to.destroyed) return
    if (this.#dir === 'up') this.#h.counters.bytesUp += chunk.length
    else this.#h.counters.bytesDown += chunk.length
    if (!this.#to.write(chunk)) {
      this.#waitingDrain = true
      this.#from.pause()
    }
  }

  #resume(): void {
    if (!this.#waitingDrain && this.#queued <= QUEUE_HIGH_WATER && !this.#from.destroyed)
      this.#from.resume()
  }
}
