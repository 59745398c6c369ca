/**
 * The load shapes of the peer comparison (prosody.bench.ts, issue 14 item 4), written once so
 * both systems run exactly the same loop: a system is a `deliver(seq, body)` that sends message
 * `seq` from one user and resolves when it has arrived at the other.
 * @module
 */
import type { SdmpHttpClient } from '@sdmp/client'
import { percentile } from '@sdmp/testkit'
import { cpuSeconds, mapLimit } from './load-daemons.js'

/** Body size of every compared message (the 128-byte chat message). */
export const BODY_BYTES = 128

/** A 128-byte ASCII body that starts with its sequence number, so each message is distinct. */
export function benchBody(seq: number): string {
  const head = `bench message ${seq} `
  return head + 'x'.repeat(Math.max(0, BODY_BYTES - head.length))
}

/** Sends one message and resolves on its arrival at the recipient. */
export type Deliver = (seq: number, body: string) => Promise<void>

/** `deliver` with a deadline, so a lost message fails the bench instead of hanging it. */
function bounded(deliver: Deliver, ms: number): Deliver {
  return (seq, body) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`message ${seq} did not arrive within ${ms} ms`)),
        ms,
      )
      deliver(seq, body).then(
        () => (clearTimeout(timer), resolve()),
        (e: unknown) => (clearTimeout(timer), reject(e)),
      )
    })
}

/**
 * At most `n` calls of the returned runner at once; later calls wait their turn (FIFO). The
 * sdmp side bounds its open POSTs with it: the daemon's API closes connections beyond 64 per
 * client address (docs/api.md §6), while 256 messages stay in flight.
 */
export function concurrency(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0
  const queue: (() => void)[] = []
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve))
    else active++
    try {
      return await fn()
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = queue.shift()
      if (next) next()
      else active--
    }
  }
}

/**
 * A client that pipelines: each call queues one item and resolves with its result; whatever is
 * queued goes out in one request (at most `maxBatch` items) as soon as fewer than `maxOpen`
 * requests are open. No timer: a lone item leaves at once, items queued behind open requests
 * share the next one. That is what the sdmp side of the pipelined shape does with
 * `POST /v1/messages/batch` (docs/api.md §2.3), as an XMPP client writes the stanzas it has
 * queued into one stream.
 */
export function coalescing<I, O>(
  send: (items: I[]) => Promise<O[]>,
  maxOpen: number,
  maxBatch: number,
): (item: I) => Promise<O> {
  const queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = []
  let open = 0
  const pump = (): void => {
    while (open < maxOpen && queue.length > 0) {
      const batch = queue.splice(0, maxBatch)
      open++
      send(batch.map((q) => q.item))
        .then(
          (out) => batch.forEach((q, i) => q.resolve(out[i]!)),
          (e: unknown) => batch.forEach((q) => q.reject(e)),
        )
        .finally(() => {
          open--
          pump()
        })
    }
  }
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject })
      pump()
    })
}

/**
 * sdmp, batched: requests open at once, and most messages per request, when the client sends
 * what it has queued in one `POST /v1/messages/batch` ({@link coalescing}).
 */
export const BATCH_POSTS = 4
export const BATCH_MAX = 64

/**
 * The batched sdmp client of the pipelined shape: each call queues one message to `to` and
 * resolves with its id; queued messages go in one `POST /v1/messages/batch` ({@link coalescing},
 * {@link BATCH_POSTS} open, {@link BATCH_MAX} per request). @throws when an item is refused
 */
export function batchSender(client: SdmpHttpClient, to: string): (body: string) => Promise<string> {
  return coalescing(
    async (bodies: string[]) => {
      const { results } = await client.sendBatch({
        messages: bodies.map((body) => ({ to: [to], body })),
      })
      return results.map((r) => {
        if ('error' in r) throw new Error(`batch item refused: ${JSON.stringify(r.error)}`)
        return r.id
      })
    },
    BATCH_POSTS,
    BATCH_MAX,
  )
}

/** What one-at-a-time delivery measured. */
export interface SerialFigures {
  readonly count: number
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
}

/**
 * Send, wait for arrival, next: `count` messages numbered from `first`. Latency is from just
 * before the send call to the arrival, both in this process (one clock).
 */
export async function oneAtATime(
  deliver: Deliver,
  count: number,
  first = 0,
): Promise<SerialFigures> {
  const d = bounded(deliver, 60_000)
  const samples: number[] = []
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    const t0 = performance.now()
    await d(first + i, benchBody(first + i))
    samples.push(performance.now() - t0)
  }
  const seconds = (performance.now() - start) / 1000
  return {
    count,
    perSecond: count / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
  }
}

/** What pipelined delivery measured. */
export interface PipelineFigures {
  readonly count: number
  readonly perSecond: number
  readonly seconds: number
  /** CPU microseconds of the server processes per delivered message. */
  readonly cpuMicrosPerMessage: number
  /** The most messages that were ever between send and arrival at once. */
  readonly maxInFlight: number
}

/**
 * `count` messages numbered from `first`, with at most `window` of them between the send call
 * and the arrival at the recipient; `pids`: the server processes whose CPU time is summed.
 */
export async function pipelined(
  deliver: Deliver,
  count: number,
  window: number,
  pids: readonly number[],
  first = 0,
  cpu: (pid: number) => number = cpuSeconds,
): Promise<PipelineFigures> {
  const d = bounded(deliver, 300_000)
  let inFlight = 0
  let maxInFlight = 0
  const cpu0 = pids.map(cpu)
  const start = performance.now()
  await mapLimit(count, window, async (i) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight)
    await d(first + i, benchBody(first + i))
    inFlight--
  })
  const seconds = (performance.now() - start) / 1000
  const cpuSum = pids.reduce((sum, pid, k) => sum + cpu(pid) - cpu0[k]!, 0)
  return {
    count,
    seconds,
    perSecond: count / seconds,
    cpuMicrosPerMessage: (cpuSum * 1e6) / count,
    maxInFlight,
  }
}
