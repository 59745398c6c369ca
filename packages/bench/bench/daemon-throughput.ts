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
  deviceWrittenBytes,
  journalHead,
  mapLimit,
  rssMiB,
  settledRssMiB,
  storeBytes,
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
  const written = deviceWrittenBytes(a.home)
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
  const perMsg = perMessage(written, deviceWrittenBytes(a.home), total, ctx)
  const note = `${total} messages (~150-byte bodies) through Alice's POST /v1/messages/batch, ${BATCH} per request, 2 requests in flight, counted as \`message\` events on Bob's SSE stream`
  return [
    {
      group: GROUP,
      name: `daemon: sustained messages/s, batches of ${BATCH} Alice -> Bob`,
      value: total / seconds,
      unit: 'msg/s',
      notes: `${note}; first send to last arrival ${seconds.toFixed(1)} s`,
    },
    ...(perMsg === undefined
      ? []
      : [
          {
            group: GROUP,
            name: `daemon: bytes written to disk per message, both daemons, batches of ${BATCH}`,
            value: perMsg,
            unit: 'bytes',
            lowerIsBetter: true,
            notes: `${note}; ${DEVICE_NOTE}; compare with the stored bytes per message below`,
          },
        ]),
  ]
}

/** How the written rows are measured (deviceWrittenBytes in load-daemons.ts). */
const DEVICE_NOTE =
  "sectors written to the block device under both homes over the run (machine-wide; /proc/PID/io write_bytes miscounts a WAL reserved at open: docs/load.md §5 'Sixteenth pass')"

/** Bytes per message between two device readings, or undefined (logged) without a device. */
function perMessage(
  before: number | undefined,
  after: number | undefined,
  total: number,
  ctx: BenchContext,
): number | undefined {
  if (before !== undefined && after !== undefined) return (after - before) / total
  ctx.log('daemon: the homes are on no block device (tmpfs, overlay): bytes written not measured')
  return undefined
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
  const sides = [a, b].map((d) => ({ d, stored: storeBytes(d.home, { running: true }) }))
  const writtenBefore = deviceWrittenBytes(a.home)
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
  // Stopped first: their last checkpoints are part of what the run wrote.
  await Promise.all([a.stop(), b.stop()])
  const written = perMessage(writtenBefore, deviceWrittenBytes(a.home), total, ctx)
  const stored = sides.map((s) => (storeBytes(s.d.home) - s.stored) / total)
  const storedBoth = stored[0]! + stored[1]!
  const note = `${total} messages (~150-byte bodies) sent through Alice's API with ${IN_FLIGHT} in flight, counted as \`message\` events on Bob's SSE stream`
  const storedNote = `${note}; store.db + store.db-wal after a graceful stop, less the database's size after a checkpoint when the run started (storeBytes)`
  const both = 'daemon: bytes stored per message, both daemons (SQLite, after checkpoint)'
  const storedRow = (name: string, value: number): BenchResult => ({
    group: GROUP,
    name,
    value,
    unit: 'bytes',
    lowerIsBetter: true,
    notes: storedNote,
  })
  return [
    storedRow('daemon: sender bytes stored per message (SQLite, after checkpoint)', stored[0]!),
    storedRow('daemon: recipient bytes stored per message (SQLite, after checkpoint)', stored[1]!),
    storedRow(both, storedBoth),
    ...(written === undefined
      ? []
      : [
          {
            group: GROUP,
            name: 'daemon: bytes written to disk per message, both daemons',
            value: written,
            unit: 'bytes',
            target: '<= 3x stored',
            met: written <= 3 * storedBoth,
            baseline: both,
            lowerIsBetter: true,
            notes: `${note}; ${DEVICE_NOTE}, until both daemons stopped (WAL, checkpoints, the last checkpoint, logs)`,
          },
        ]),
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
