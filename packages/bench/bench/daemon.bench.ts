/**
 * Daemon benchmarks (issue 5 "Speed"), with real `sdmp start` processes on loopback: message
 * latency from Alice's API to Bob's event stream beside one API round trip, offline delivery
 * through a host-only node, idle RSS, RSS and throughput after 100,000 messages, and CLI
 * latency. Helpers: load-daemons.ts; the throughput and disk rows: daemon-throughput.ts; the
 * daemon: docs/daemon.md.
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
  waitConnected,
} from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'
import { IN_FLIGHT, batchRows, bulkRows } from './daemon-throughput.js'

const GROUP = 'daemon'
const ROUND_TRIP = 'daemon: loopback API round trip (GET /v1/whoami), p50'
const NODE_START = 'node process start (node -e 0), p50'

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
      notes: `baseline of the latency figures: ${count} sequential GET /v1/whoami through the harness client (node:http, keepAliveFetch) on a kept-alive connection`,
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
      results.push(...(await batchRows(ctx, alice, bob)))
      results.push(...(await bulkRows(ctx, alice, bob)))
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
