/**
 * Throughput and disk rows of the `daemon` group (daemon.bench.ts, issue 5 "Speed", issue 14):
 * many messages Alice -> Bob between two running `sdmp start` daemons on loopback, one per
 * request with bounded concurrency and in batches (`POST /v1/messages/batch`), timed until they
 * arrive on Bob's event stream, with bytes written and stored per message and RSS afterwards.
 * daemon.bench.ts sets up the pair and runs these after its latency and CLI rows.
 * @module
 */
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  MessageWatcher,
  journalHead,
  mapLimit,
  rssMiB,
  settledRssMiB,
  storeBytes,
  writtenBytes,
} from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'

const GROUP = 'daemon'
/**
 * Sends in flight during the bulk run (bounded, so the figure is sustained throughput); the
 * offline-delivery run of daemon.bench.ts sends with the same bound.
 */
export const IN_FLIGHT = 32

/** Messages per request of the batch row ({@link batchRows}). */
const BATCH = 64

/**
 * 20,000 messages (scaled) Alice -> Bob through `POST /v1/messages/batch` in batches of
 * {@link BATCH}, two batches in flight (docs/api.md "Batches"): throughput and bytes written
 * per message, beside the one-message-per-request rows of {@link bulkRows}.
 */
export async function batchRows(
  ctx: BenchContext,
  a: DaemonProc,
  b: DaemonProc,
): Promise<BenchResult[]> {
  const total = Math.round(20_000 * ctx.scale)
  ctx.log(`daemon: ${total} messages in batches of ${BATCH}`)
  const watcher = new MessageWatcher(b.client, await journalHead(b))
  const written = [a, b].map((d) => writtenBytes(d.pid))
  const start = performance.now()
  try {
    const ids = (
      await mapLimit(Math.ceil(total / BATCH), 2, async (k) => {
        const n = Math.min(BATCH, total - k * BATCH)
        const messages = Array.from({ length: n }, (_, j) => ({
          to: ['bob'],
          body: `batch ${k * BATCH + j} ${'x'.repeat(100)}`,
        }))
        const { results } = await a.client.sendBatch({ messages })
        return results.map((r) => {
          if ('error' in r) throw new Error(`batch send failed: ${r.error.code} ${r.error.message}`)
          return r.id
        })
      })
    ).flat()
    await Promise.all(ids.map((id) => watcher.arrival(id)))
  } finally {
    await watcher.close()
  }
  const seconds = (performance.now() - start) / 1000
  const perMsg = [a, b].map((d, i) => (writtenBytes(d.pid) - written[i]!) / total)
  const note = `${total} messages (~150-byte bodies) through Alice's POST /v1/messages/batch, ${BATCH} per request, 2 requests in flight, counted as \`message\` events on Bob's SSE stream`
  return [
    {
      group: GROUP,
      name: `daemon: sustained messages/s, batches of ${BATCH} Alice -> Bob`,
      value: total / seconds,
      unit: 'msg/s',
      notes: `${note}; first send to last arrival ${seconds.toFixed(1)} s`,
    },
    ...(['sender', 'recipient'] as const).map((side, i) => ({
      group: GROUP,
      name: `daemon: ${side} bytes written to disk per message, batches of ${BATCH}`,
      value: perMsg[i]!,
      unit: 'bytes',
      lowerIsBetter: true,
      notes: `${note}; write_bytes of /proc/PID/io over the run (WAL, checkpoints); compare with the stored bytes per message below`,
    })),
  ]
}

/**
 * 100,000 messages (scaled) Alice -> Bob with bounded concurrency: throughput, both RSS, and the
 * disk figures of issue 14 (bytes written per message beside bytes stored per message). Stops
 * both daemons at the end, so their stores are checkpointed when measured.
 */
export async function bulkRows(
  ctx: BenchContext,
  a: DaemonProc,
  b: DaemonProc,
): Promise<BenchResult[]> {
  const total = Math.round(100_000 * ctx.scale)
  ctx.log(`daemon: ${total} messages, ${IN_FLIGHT} in flight`)
  const watcher = new MessageWatcher(b.client, await journalHead(b))
  const sides = [a, b].map((d) => ({
    d,
    written: writtenBytes(d.pid),
    stored: storeBytes(d.home, { running: true }),
  }))
  let ids: string[]
  const peak = [0, 0]
  const start = performance.now()
  try {
    let sent = 0
    ids = await mapLimit(total, IN_FLIGHT, async (i) => {
      const { id } = await a.client.send({ to: ['bob'], body: `bulk ${i} ${'x'.repeat(100)}` })
      // RSS sampled every 1,000 sends: "flat" is the peak over the run, not only the end.
      if (++sent % 1_000 === 0)
        [a, b].forEach((d, k) => (peak[k] = Math.max(peak[k]!, rssMiB(d.pid))))
      if (sent % 10_000 === 0) ctx.log(`daemon: ${sent} sent, ${watcher.arrived.size} in`)
      return id
    })
    await Promise.all(ids.map((id) => watcher.arrival(id)))
  } finally {
    await watcher.close()
  }
  const seconds = (performance.now() - start) / 1000
  const settled = [await settledRssMiB(a.pid), await settledRssMiB(b.pid)]
  const written = sides.map((s) => (writtenBytes(s.d.pid) - s.written) / total)
  await Promise.all([a.stop(), b.stop()])
  const stored = sides.map((s) => (storeBytes(s.d.home) - s.stored) / total)
  const note = `${total} messages (~150-byte bodies) sent through Alice's API with ${IN_FLIGHT} in flight, counted as \`message\` events on Bob's SSE stream`
  const disk = (side: string, i: 0 | 1): BenchResult[] => [
    {
      group: GROUP,
      name: `daemon: ${side} bytes stored per message (SQLite, after checkpoint)`,
      value: stored[i]!,
      unit: 'bytes',
      lowerIsBetter: true,
      notes: `${note}; store.db + store.db-wal after a graceful stop, less store.db when the run started (a running daemon's WAL is reserved at its full size: docs/store.md §3)`,
    },
    {
      group: GROUP,
      name: `daemon: ${side} bytes written to disk per message`,
      value: written[i]!,
      unit: 'bytes',
      target: '<= 3x stored',
      met: written[i]! <= 3 * stored[i]!,
      baseline: `daemon: ${side} bytes stored per message (SQLite, after checkpoint)`,
      lowerIsBetter: true,
      notes: `${note}; write_bytes of /proc/PID/io over the run (WAL, checkpoints, blobs, logs)`,
    },
  ]
  return [
    ...disk('sender', 0),
    ...disk('recipient', 1),
    {
      group: GROUP,
      name: `daemon: sustained messages/s, ${total} messages Alice -> Bob`,
      value: total / seconds,
      unit: 'msg/s',
      notes: `${note}; first send to last arrival ${seconds.toFixed(1)} s`,
    },
    ...(['sender', 'recipient'] as const).flatMap((side, i): BenchResult[] => [
      {
        group: GROUP,
        name: `daemon: ${side} RSS after ${total} messages`,
        value: settled[i]!,
        unit: 'MiB',
        target: '<= 250 MiB',
        met: settled[i]! <= 250,
        lowerIsBetter: true,
        notes: `${note}; settled after the last arrival; the idle figure above is the same process before any message`,
      },
      {
        group: GROUP,
        name: `daemon: ${side} peak RSS during ${total} messages`,
        value: peak[i]!,
        unit: 'MiB',
        target: '<= 250 MiB',
        met: peak[i]! <= 250,
        lowerIsBetter: true,
        notes: `${note}; highest of the readings taken every 1,000 sends (issue 14: flat RSS)`,
      },
    ]),
  ]
}
