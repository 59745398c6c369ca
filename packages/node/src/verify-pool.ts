/**
 * A pool of worker threads that verify Ed25519 signatures in batches, so that a node ingesting
 * from peers uses every core for the one expensive step of resource validation
 * (docs/protocol/sync.md §8.6). The main thread still decodes, authorizes (trust graph) and
 * stores, in order; only the pure signature checks move. Workers use the native provider, so
 * the validity rule is the same everywhere (docs/protocol/ed25519.md).
 * @module
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type {
  ContentData,
  CryptoProvider,
  DecodedResource,
  SignatureCheck,
  TrustView,
} from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { packJobs } from './verify-pack.js'
import type { VerifyJob } from './verify-pack.js'

export type { VerifyJob } from './verify-pack.js'

/** Verifies many signatures at once, possibly elsewhere (the seam the Ingestor uses). */
export interface BatchVerifier {
  /** Number of worker threads; 0 means every check runs inline on the calling thread. */
  readonly size: number
  /**
   * One result per job, in order.
   * @throws (rejects) CLOSED after {@link close}, UNAVAILABLE when workers keep crashing on a batch
   */
  verify(jobs: readonly VerifyJob[]): Promise<boolean[]>
  /** Stop every worker; pending and later calls reject with CLOSED. */
  close(): Promise<void>
}

/** Options of {@link VerifyPool}. */
export interface VerifyPoolOptions {
  /** Worker threads (default `os.availableParallelism()`); 0 verifies inline. */
  readonly size?: number
  /** Jobs per message to a worker (default 128): large enough to amortize the hop. */
  readonly chunk?: number
  /** Provider for inline verification (size 0). Default: the native provider. */
  readonly provider?: CryptoProvider
  /** Times a chunk is retried after its worker died before the batch fails (default 2). */
  readonly retries?: number
  /** The worker script (default: verify-worker.js next to this module); for tests. */
  readonly workerUrl?: URL
}

interface Chunk {
  readonly jobs: readonly VerifyJob[]
  readonly batch: Batch
  readonly offset: number
  attempts: number
}

interface Batch {
  readonly results: boolean[]
  remaining: number
  done: boolean
  resolve(r: boolean[]): void
  reject(e: Error): void
}

interface Slot {
  readonly worker: Worker
  /** id -> chunk sent, with the jobs that could not be packed (never valid). */
  readonly inFlight: Map<number, { chunk: Chunk; bad: ReadonlySet<number> }>
  exited: boolean
}

/** Chunks a worker holds at once: one being verified, one waiting, so it never idles. */
const DEPTH = 2

/**
 * A fixed-size pool of verification workers that replaces any worker that dies; a batch whose
 * worker died is retried on another, so it completes or fails with a coded error, never hangs.
 * @throws TypeError for a size that is not a non-negative integer
 * @example
 * const pool = new VerifyPool({ size: 2 })
 * const ingestor = new Ingestor({ provider, store, verifier: pool })
 * // ... at shutdown
 * await pool.close()
 */
export class VerifyPool implements BatchVerifier {
  readonly size: number
  readonly #chunk: number
  readonly #retries: number
  readonly #provider: CryptoProvider | undefined
  readonly #slots = new Set<Slot>()
  readonly #queue: Chunk[] = []
  /** One promise per live worker, settled when it exits (close() waits for them). */
  readonly #exits = new Set<Promise<void>>()
  readonly #workerUrl: URL
  #nextId = 1
  #closed = false
  /** Worker deaths since the last result; past a limit the pool stops respawning (broken). */
  #deaths = 0
  #broken = false

  constructor(options: VerifyPoolOptions = {}) {
    const size = options.size ?? availableParallelism()
    if (!Number.isSafeInteger(size) || size < 0) throw new TypeError('verify pool: bad size')
    this.size = size
    this.#chunk = Math.max(1, options.chunk ?? 128)
    this.#retries = options.retries ?? 2
    this.#workerUrl = options.workerUrl ?? new URL('./verify-worker.js', import.meta.url)
    this.#provider = size === 0 ? (options.provider ?? createNodeProvider()) : undefined
    for (let i = 0; i < size; i++) this.#spawn()
  }

  /** The live worker threads (for tests and diagnostics). */
  get workers(): readonly Worker[] {
    return [...this.#slots].map((s) => s.worker)
  }

  /** See {@link BatchVerifier.verify}. @throws (rejects) CLOSED, UNAVAILABLE */
  verify(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    if (this.#closed)
      return Promise.reject(new ProtocolError(ErrorCode.CLOSED, 'verify pool: closed'))
    if (this.#broken)
      return Promise.reject(
        new ProtocolError(ErrorCode.UNAVAILABLE, 'verify pool: workers keep failing'),
      )
    if (jobs.length === 0) return Promise.resolve([])
    if (this.#provider) {
      const { ed25519 } = this.#provider
      return Promise.resolve(jobs.map((j) => ed25519.verify(j.signature, j.message, j.publicKey)))
    }
    return new Promise<boolean[]>((resolve, reject) => {
      const batch: Batch = {
        results: new Array<boolean>(jobs.length),
        remaining: jobs.length,
        done: false,
        resolve,
        reject,
      }
      // Spread a batch over every worker, but never in pieces too small to be worth a hop.
      const per = Math.min(this.#chunk, Math.max(16, Math.ceil(jobs.length / (this.size * DEPTH))))
      for (let o = 0; o < jobs.length; o += per)
        this.#queue.push({ jobs: jobs.slice(o, o + per), batch, offset: o, attempts: 0 })
      this.#dispatch()
    })
  }

  /** Terminate every worker and wait for them to exit; pending batches reject with CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return Promise.all([...this.#exits]).then(() => undefined)
    this.#closed = true
    const err = new ProtocolError(ErrorCode.CLOSED, 'verify pool: closed')
    for (const c of this.#queue.splice(0)) fail(c.batch, err)
    for (const s of this.#slots) {
      for (const { chunk } of s.inFlight.values()) fail(chunk.batch, err)
      s.inFlight.clear()
      void s.worker.terminate()
    }
    await Promise.all([...this.#exits])
  }

  #spawn(): void {
    const worker = new Worker(this.#workerUrl)
    const slot: Slot = { worker, inFlight: new Map(), exited: false }
    worker.unref()
    this.#slots.add(slot)
    worker.on('message', (m: { id: number; results: Uint8Array }) => this.#onResult(slot, m))
    worker.on('error', () => undefined) // followed by 'exit', handled there
    const exited: Promise<void> = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        this.#exits.delete(exited)
        resolve()
        this.#onExit(slot)
      }),
    )
    this.#exits.add(exited)
  }

  #onResult(slot: Slot, m: { id: number; results: Uint8Array }): void {
    const sent = slot.inFlight.get(m.id)
    if (!sent) return
    slot.inFlight.delete(m.id)
    this.#deaths = 0
    if (slot.inFlight.size === 0) slot.worker.unref()
    const { chunk, bad } = sent
    const b = chunk.batch
    if (!b.done) {
      for (let i = 0; i < chunk.jobs.length; i++)
        b.results[chunk.offset + i] = m.results[i] === 1 && !bad.has(i)
      b.remaining -= chunk.jobs.length
      if (b.remaining === 0) {
        b.done = true
        b.resolve(b.results)
      }
    }
    this.#dispatch()
  }

  /** A worker died (crash, terminate): retry its chunks elsewhere and replace it. */
  #onExit(slot: Slot): void {
    slot.exited = true
    this.#slots.delete(slot)
    if (this.#closed) return
    const lost = [...slot.inFlight.values()].map((x) => x.chunk)
    slot.inFlight.clear()
    if (++this.#deaths > 2 * this.size + 2) {
      // Workers die without ever answering (e.g. the script cannot load): stop respawning.
      this.#broken = true
      const err = new ProtocolError(ErrorCode.UNAVAILABLE, 'verify pool: workers keep failing')
      for (const c of [...lost, ...this.#queue.splice(0)]) fail(c.batch, err)
      return
    }
    for (const c of lost.reverse()) {
      if (c.batch.done) continue
      if (++c.attempts > this.#retries)
        fail(
          c.batch,
          new ProtocolError(ErrorCode.UNAVAILABLE, 'verify pool: worker died on this batch'),
        )
      else this.#queue.unshift(c)
    }
    this.#spawn()
    this.#dispatch()
  }

  #dispatch(): void {
    for (;;) {
      // Drop chunks of batches that already failed.
      while (this.#queue.length > 0 && this.#queue[0]!.batch.done) this.#queue.shift()
      if (this.#queue.length === 0) return
      let best: Slot | undefined
      for (const s of this.#slots)
        if (!s.exited && s.inFlight.size < DEPTH && (!best || s.inFlight.size < best.inFlight.size))
          best = s
      if (!best) return
      const chunk = this.#queue.shift()!
      const id = this.#nextId++
      // A job that cannot even be packed (wrong lengths) is invalid, like a bad signature.
      const { buffer, bad } = packJobs(chunk.jobs)
      if (best.inFlight.size === 0) best.worker.ref()
      best.inFlight.set(id, { chunk, bad })
      best.worker.postMessage({ id, buffer, count: chunk.jobs.length }, [buffer])
    }
  }
}

function fail(b: Batch, e: Error): void {
  if (b.done) return
  b.done = true
  b.reject(e)
}

/** Signature results of a batch, per resource, index-aligned with its signatures. */
export type Checks = Map<DecodedResource, (SignatureCheck | undefined)[]>

/**
 * Verify the signatures of a batch on `verifier`, each against the key the trust graph (or an
 * identity in the same batch) gives its signer. checkResource uses a result only when the key
 * it resolves then is the same, so ingest outcomes never depend on this step. Resolves to
 * undefined (everything is then verified inline) when nothing could be checked or the verifier
 * failed: a dead pool slows ingest down but never loses a batch.
 */
export async function precheckSignatures(
  verifier: BatchVerifier,
  graph: TrustView,
  rs: readonly DecodedResource[],
): Promise<Checks | undefined> {
  const inBatch = new Map<string, Uint8Array>()
  for (const r of rs)
    if (r.kind === 'identity') inBatch.set(r.header.user, (r.data as ContentData<'identity'>).key)
  const jobs: VerifyJob[] = []
  const where: { r: DecodedResource; s: number }[] = []
  for (const r of rs) {
    r.signatures.forEach((s, k) => {
      const key =
        r.kind === 'identity' && s.kid === r.header.user
          ? (r.data as ContentData<'identity'>).key
          : (graph.identity(s.kid)?.publicKey ?? inBatch.get(s.kid))
      if (!key) return
      // The JWS signing input (docs/protocol/resource.md): protected header "." payload.
      jobs.push({
        signature: s.signature,
        message: s.signingInput,
        publicKey: key,
      })
      where.push({ r, s: k })
    })
  }
  if (jobs.length === 0) return undefined
  let valid: boolean[]
  try {
    valid = await verifier.verify(jobs)
  } catch {
    return undefined
  }
  const checks: Checks = new Map()
  where.forEach(({ r, s }, j) => {
    let c = checks.get(r)
    if (!c) checks.set(r, (c = new Array<SignatureCheck | undefined>(r.signatures.length)))
    c[s] = { publicKey: jobs[j]!.publicKey, valid: valid[j]! }
  })
  return checks
}
