/**
 * Daemon benchmarks (issue 5 "Speed"), with real `sdmp start` processes on loopback: message
 * latency from Alice's API to Bob's event stream beside one API round trip, offline delivery
 * through a host-only node, idle RSS, RSS and throughput after 100,000 messages, and CLI
 * latency. Helpers: load-daemons.ts; the daemon: docs/daemon.md.
 * @module
 */
import { spawn } from 'node:child_process'
import { percentile, waitFor } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  MessageWatcher,
  befriend,
  journalHead,
  journalIds,
  mapLimit,
  newHome,
  newJoinedHome,
  runSdmp,
  scratch,
  sdmpJson,
  settledRssMiB,
  startDaemon,
  storeBytes,
  waitConnected,
  writtenBytes,
} from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'

const GROUP = 'daemon'
const ROUND_TRIP = 'daemon: loopback API round trip (GET /v1/whoami), p50'
const NODE_START = 'node process start (node -e 0), p50'
/** Sends in flight during the bulk run (bounded, so the figure is sustained throughput). */
const IN_FLIGHT = 32

/** p50 of `count` sequential runs of `fn`, in ms. */
async function p50Of(count: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const t = performance.now()
    await fn()
    samples.push(performance.now() - t)
  }
  return percentile(samples, 50)
}

/** Run the CLI and fail loudly: a failing command must not be timed as a fast one. */
async function sdmpOk(args: readonly string[]): Promise<void> {
  const r = await runSdmp(args)
  if (r.code !== 0) throw new Error(`sdmp ${args[0]} exited ${r.code}: ${r.stderr.trim()}`)
}

/** Alice and Bob, mutual contacts, connected; Bob's idle RSS measured before any contact. */
async function pair(dir: string, results: BenchResult[], started: DaemonProc[]) {
  const [ha, hb] = await Promise.all([newHome(dir, 'alice'), newHome(dir, 'bob')])
  const alice = await startDaemon(ha)
  started.push(alice)
  const bob = await startDaemon(hb)
  started.push(bob)
  const idle = await settledRssMiB(bob.pid)
  results.push({
    group: GROUP,
    name: 'daemon: idle RSS after start',
    value: idle,
    unit: 'MiB',
    target: '<= 120 MB',
    met: idle * 1.048576 <= 120,
    lowerIsBetter: true,
    notes:
      'VmRSS of a fresh `sdmp start` (SQLite home, peer + API listening, no contacts) once two readings 250 ms apart agree',
  })
  await befriend(alice, 'alice', bob, 'bob')
  const [au, bu] = await Promise.all([alice.client.whoami(), bob.client.whoami()])
  await waitConnected(alice, { user: bu.user! })
  await waitConnected(bob, { user: au.user! })
  return { alice, bob }
}

/** Publish-to-inbox latency, one message at a time, beside one API round trip. */
async function latency(ctx: BenchContext, a: DaemonProc, b: DaemonProc): Promise<BenchResult[]> {
  const count = Math.max(50, Math.round(200 * ctx.scale))
  await p50Of(20, () => a.client.whoami())
  const roundTrip = await p50Of(count, () => a.client.whoami())
  ctx.log(`daemon: latency over ${count} messages`)
  const watcher = new MessageWatcher(b.client, await journalHead(b))
  const samples: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now()
      const { id } = await a.client.send({ to: ['bob'], body: `latency ${i}` })
      samples.push((await watcher.arrival(id)) - t0)
    }
  } finally {
    await watcher.close()
  }
  const p50 = percentile(samples, 50)
  const common = `${count} messages sent one at a time through Alice's API (POST /v1/messages: seal, sign, journal), synced to Bob's daemon over TCP loopback, timed until the \`message\` event on Bob's SSE stream`
  return [
    {
      group: GROUP,
      name: ROUND_TRIP,
      value: roundTrip,
      unit: 'ms',
      lowerIsBetter: true,
      notes: `baseline of the latency figures: ${count} sequential GET /v1/whoami with fetch on a kept-alive connection`,
    },
    {
      group: GROUP,
      name: 'daemon: publish -> inbox latency, two daemons on loopback, p50',
      value: p50,
      unit: 'ms',
      target: '<= 20 ms',
      met: p50 <= 20,
      baseline: ROUND_TRIP,
      lowerIsBetter: true,
      notes: `${common}; the ratio is round trip / latency`,
    },
    {
      group: GROUP,
      name: 'daemon: publish -> inbox latency, two daemons on loopback, p99',
      value: percentile(samples, 99),
      unit: 'ms',
      baseline: ROUND_TRIP,
      lowerIsBetter: true,
      notes: common,
    },
  ]
}

/** `sdmp whoami` cold start and `sdmp status` through a running daemon's API. */
async function cli(a: DaemonProc): Promise<BenchResult[]> {
  const runs = 20
  const nodeStart = await p50Of(runs, async () => {
    const r = await nodeStartCode()
    if (r !== 0) throw new Error(`node -e 0 exited ${r}`)
  })
  const whoami = await p50Of(runs, () => sdmpOk(['whoami', '--home', a.home, '--json']))
  const status = await p50Of(runs, () => sdmpOk(['status', '--home', a.home, '--json']))
  return [
    {
      group: GROUP,
      name: NODE_START,
      value: nodeStart,
      unit: 'ms',
      lowerIsBetter: true,
      notes: `baseline of the CLI figures: ${runs} runs of an empty Node.js process`,
    },
    {
      group: GROUP,
      name: 'cli: `sdmp whoami` cold start, p50',
      value: whoami,
      unit: 'ms',
      target: '<= 400 ms',
      met: whoami <= 400,
      baseline: NODE_START,
      lowerIsBetter: true,
      notes: `${runs} runs of a new process (spawn to exit) on a home whose daemon runs`,
    },
    {
      group: GROUP,
      name: 'cli: `sdmp status` through a running daemon, p50',
      value: status,
      unit: 'ms',
      baseline: NODE_START,
      lowerIsBetter: true,
      notes: `${runs} runs; finds the daemon in daemon.json and asks its API (GET /v1/whoami, GET /v1/status)`,
    },
  ]
}

/** Exit code of `node -e 0`, the floor under every CLI figure. */
function nodeStartCode(): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
    child.on('error', reject)
    child.on('exit', (code) => resolve(code))
  })
}

/** Messages per request of the batch row ({@link batched}). */
const BATCH = 64

/**
 * 20,000 messages (scaled) Alice -> Bob through `POST /v1/messages/batch` in batches of
 * {@link BATCH}, two batches in flight (docs/api.md "Batches"): throughput and bytes written
 * per message, beside the one-message-per-request rows of {@link bulk}.
 */
async function batched(ctx: BenchContext, a: DaemonProc, b: DaemonProc): Promise<BenchResult[]> {
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
async function bulk(ctx: BenchContext, a: DaemonProc, b: DaemonProc): Promise<BenchResult[]> {
  const total = Math.round(100_000 * ctx.scale)
  ctx.log(`daemon: ${total} messages, ${IN_FLIGHT} in flight`)
  const watcher = new MessageWatcher(b.client, await journalHead(b))
  const sides = [a, b].map((d) => ({ d, written: writtenBytes(d.pid), stored: storeBytes(d.home) }))
  let ids: string[]
  const start = performance.now()
  try {
    let sent = 0
    ids = await mapLimit(total, IN_FLIGHT, async (i) => {
      const { id } = await a.client.send({ to: ['bob'], body: `bulk ${i} ${'x'.repeat(100)}` })
      if (++sent % 10_000 === 0) ctx.log(`daemon: ${sent} sent, ${watcher.arrived.size} in`)
      return id
    })
    await Promise.all(ids.map((id) => watcher.arrival(id)))
  } finally {
    await watcher.close()
  }
  const seconds = (performance.now() - start) / 1000
  const [ra, rb] = [await settledRssMiB(a.pid), await settledRssMiB(b.pid)]
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
      notes: `${note}; growth of store.db + store.db-wal over the run, measured after a graceful stop`,
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
    {
      group: GROUP,
      name: `daemon: sender RSS after ${total} messages`,
      value: ra,
      unit: 'MiB',
      lowerIsBetter: true,
      notes: note,
    },
    {
      group: GROUP,
      name: `daemon: recipient RSS after ${total} messages`,
      value: rb,
      unit: 'MiB',
      lowerIsBetter: true,
      notes: `${note}; the idle figure above is the same process before any message`,
    },
  ]
}

/**
 * Offline delivery through Alice's host-only server (daemon-e2e.test.ts "host-only"): Bob is
 * stopped, the laptop sends N messages, the server holds them, the laptop stops, Bob starts.
 */
async function hosted(ctx: BenchContext, dir: string): Promise<BenchResult[]> {
  const count = Math.max(50, Math.round(500 * ctx.scale))
  const started: DaemonProc[] = []
  const track = <T extends DaemonProc>(d: T): T => (started.push(d), d)
  try {
    const laptopHome = await newHome(dir, 'laptop')
    const server = await newJoinedHome(dir, 'server')
    const bobHome = await newHome(dir, 'bob2')
    const laptop = track(await startDaemon(laptopHome))
    await laptop.client.authorizeDevice({ request: server.request, hostOnly: true })
    const { invite: withServer } = await laptop.client.invite()
    await sdmpJson(server.home, ['device', 'join', withServer])
    const host = track(await startDaemon(server.home))
    const alice = (await laptop.client.whoami()).user!
    await waitConnected(host, { user: alice })
    const serverNode = (await host.client.whoami()).node
    // The server's address record must reach the laptop, so the invite Bob takes carries it.
    await waitFor(async () => (await laptop.client.invite()).invite.length > withServer.length, {
      timeout: 30_000,
      what: 'the server address in the invite',
    })
    let bob = track(await startDaemon(bobHome))
    await befriend(laptop, 'alice', bob, 'bob')
    await waitConnected(bob, { user: alice })
    await waitConnected(bob, { node: serverNode })
    const head = await journalHead(bob)
    await bob.stop()

    ctx.log(`daemon: ${count} messages while Bob is offline`)
    await mapLimit(count, IN_FLIGHT, (i) =>
      laptop.client.send({ to: ['bob'], body: `offline ${i}` }),
    )
    const laptopIds = await journalIds(laptop)
    await waitFor(
      async () => {
        const hostIds = await journalIds(host)
        return [...laptopIds].every((id) => hostIds.has(id))
      },
      { timeout: 120_000, interval: 100, what: 'the host node to hold the messages' },
    )
    await laptop.stop()

    bob = track(await startDaemon(bobHome))
    const watcher = new MessageWatcher(bob.client, head)
    try {
      await waitFor(() => watcher.arrived.size >= count, {
        timeout: 300_000,
        interval: 5,
        what: `${count} messages at Bob`,
      })
    } finally {
      await watcher.close()
    }
    const last = Math.max(...watcher.arrived.values())
    const ms = last - bob.startedAt
    const note = `Alice's laptop + her host-only server (device authorize --host-only) + Bob; Bob stopped, the laptop sends ${count} messages, the server holds them, the laptop stops; from spawning Bob's \`sdmp start\` until the last \`message\` event on his SSE stream (process start, reconnect, sync, open, index)`
    return [
      {
        group: GROUP,
        name: `daemon: ${count} messages through a host node to a reconnecting recipient`,
        value: ms,
        unit: 'ms',
        lowerIsBetter: true,
        notes: note,
      },
      {
        group: GROUP,
        name: 'daemon: delivery rate through a host node to a reconnecting recipient',
        value: (count * 1000) / ms,
        unit: 'msg/s',
        notes: `${count} messages over the time above (it includes Bob's process start)`,
      },
    ]
  } finally {
    await Promise.all(started.map((d) => d.kill()))
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const tmp = scratch('sdmp-bench-daemon-')
  const results: BenchResult[] = []
  const started: DaemonProc[] = []
  try {
    ctx.log('daemon: two homes, two daemons, mutual contacts')
    try {
      const { alice, bob } = await pair(tmp.dir, results, started)
      results.push(...(await latency(ctx, alice, bob)))
      ctx.log('daemon: CLI latency')
      results.push(...(await cli(alice)))
      results.push(...(await batched(ctx, alice, bob)))
      results.push(...(await bulk(ctx, alice, bob)))
    } finally {
      await Promise.all(started.map((d) => d.kill()))
    }
    ctx.log('daemon: offline delivery through a host node')
    results.push(...(await hosted(ctx, tmp.dir)))
  } finally {
    tmp.remove()
  }
  return results
}
