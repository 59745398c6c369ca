/**
 * sdmp beside Prosody in the same run (issue 14 item 4, docs/load.md §4): the same two load
 * shapes (one at a time; pipelined with 256 in flight), 128-byte bodies, two users on loopback,
 * one system at a time. Prosody: prosody.ts + xmpp-users.ts (TLS, no end-to-end encryption,
 * messages in memory). sdmp: two daemons (load-daemons.ts), HTTP API in, SSE out (end-to-end
 * sealed and signed, durable SQLite). CPU is the servers' own (/proc/PID/stat), not the clients'.
 * Run alone: `npm run bench -- --quick --only prosody`.
 * @module
 */
import { join } from 'node:path'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  MessageWatcher,
  journalHead,
  scratch,
  settledRssMiB,
  startFriends,
} from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'
import { durableCommitMs, signatureFloorMicros } from './floors.js'
import { ensureProsody, startProsody } from './prosody.js'
import {
  BATCH_MAX,
  BATCH_POSTS,
  batchSender,
  concurrency,
  oneAtATime,
  pipelined,
} from './shapes.js'
import type { Deliver, PipelineFigures, SerialFigures } from './shapes.js'
import { XmppPair } from './xmpp-users.js'

const GROUP = 'prosody'
/** Messages in flight (sent, not yet arrived) in the pipelined shape. */
const WINDOW = 256
/**
 * sdmp: POSTs open at once within the window (the API allows 64 connections per client
 * address; the same 32 as daemon.bench.ts). The rest of the window waits in the bench.
 */
const POSTS = 32
/** Unmeasured messages first: connections, JIT, first-contact work. */
const WARMUP = 20

/** What one system measured. */
interface Figures {
  readonly serial: SerialFigures
  readonly pipe: PipelineFigures
  /** RSS (MiB) of each server process after both shapes. */
  readonly rss: readonly number[]
  /** sdmp only: pipelined again, the client batching its POSTs. */
  readonly batched?: PipelineFigures
}

/** Warm-up, one at a time, then pipelined, on one system. */
async function shapes(
  deliver: Deliver,
  pids: readonly number[],
  serial: number,
  total: number,
  batchDeliver?: Deliver,
): Promise<Figures> {
  await oneAtATime(deliver, WARMUP)
  const s = await oneAtATime(deliver, serial, WARMUP)
  const pipe = await pipelined(deliver, total, WINDOW, pids, WARMUP + serial)
  const batched = batchDeliver
    ? await pipelined(batchDeliver, total, WINDOW, pids, WARMUP + serial + total)
    : undefined
  const rss: number[] = []
  for (const pid of pids) rss.push(await settledRssMiB(pid))
  return { serial: s, pipe, rss, ...(batched && { batched }) }
}

/** Prosody's figures, or why it could not run here. */
async function prosodySide(
  ctx: BenchContext,
  dir: string,
  serial: number,
  total: number,
): Promise<Figures | string> {
  const ready = ensureProsody(dir, ctx.log)
  if (!ready.ok) return ready.reason
  ctx.log('prosody: temporary server, two XMPP users over TLS')
  let server
  try {
    server = await startProsody(join(dir, 'prosody'))
  } catch (e) {
    return `prosody did not start: ${(e as Error).message.slice(0, 200)}`
  }
  try {
    let pair: XmppPair
    try {
      pair = await XmppPair.connect(server)
    } catch (e) {
      return `the XMPP users could not log in: ${String((e as Error).message).slice(0, 200)}`
    }
    try {
      ctx.log(`prosody: ${serial} one at a time, ${total} pipelined`)
      return await shapes((seq, body) => pair.deliver(seq, body), [server.pid], serial, total)
    } finally {
      await pair.close()
    }
  } finally {
    await server.stop()
  }
}

/** sdmp's figures: Alice's daemon -> Bob's daemon. */
async function sdmpSide(
  ctx: BenchContext,
  dir: string,
  serial: number,
  total: number,
): Promise<Figures> {
  ctx.log('prosody: sdmp side, two daemons, mutual contacts')
  const started: DaemonProc[] = []
  try {
    const { alice, bob } = await startFriends(dir, started)
    const watcher = new MessageWatcher(bob.client, await journalHead(bob))
    try {
      const post = concurrency(POSTS)
      const deliver: Deliver = async (_seq, body) => {
        const { id } = await post(() => alice.client.send({ to: ['bob'], body }))
        await watcher.arrival(id)
      }
      const sendQueued = batchSender(alice.client, 'bob')
      const batchDeliver: Deliver = async (_seq, body) => {
        await watcher.arrival(await sendQueued(body))
      }
      ctx.log(`prosody: sdmp ${serial} one at a time, ${total} pipelined, ${total} batched`)
      return await shapes(deliver, [alice.pid, bob.pid], serial, total, batchDeliver)
    } finally {
      await watcher.close()
    }
  } finally {
    // With SDMP_BENCH_PROFILE the daemons stop gracefully, so they write their CPU profiles
    // (load-daemons.ts; docs/load.md §5); a daemon that does not stop cleanly is killed.
    const profiling = process.env['SDMP_BENCH_PROFILE'] !== undefined
    await Promise.all(started.map((d) => (profiling ? d.stop().catch(() => d.kill()) : d.kill())))
  }
}

const N = {
  rate: 'prosody: one at a time, messages/s',
  p50: 'prosody: one at a time, send -> arrival p50',
  p99: 'prosody: one at a time, send -> arrival p99',
  pipe: 'prosody: pipelined, 256 in flight, messages/s',
  cpu: 'prosody: server CPU per delivered message (pipelined)',
  rss: 'prosody: server RSS after both shapes',
}

/** "sdmp/Prosody = 0.03x", for the notes (the ratio column keeps the table's convention). */
function factor(ours: number, base: Figures | string, pick: (f: Figures) => number): string {
  if (typeof base === 'string') return 'no Prosody figure to compare'
  const r = ours / pick(base)
  return `sdmp/Prosody = ${r >= 10 ? r.toFixed(0) : r.toPrecision(2)}x`
}

/** What the protocol's rules cost at least per message on this machine (floors.ts). */
interface Floors {
  /** CPU microseconds of 2 Ed25519 signatures and 2 verifications. */
  readonly signaturesMicros: number
  /** p50 milliseconds of one durable store commit. */
  readonly commitMs: number
}

/** The table rows: each Prosody figure, then sdmp's with the Prosody row as its baseline. */
function rows(base: Figures | string, ours: Figures, floors: Floors): BenchResult[] {
  const p = typeof base === 'string' ? undefined : base
  // The reason once, in the first Prosody row; the others point at it.
  const why = p ? {} : { unavailable: `Prosody not available: ${base as string}` }
  const missing = p ? {} : { unavailable: 'Prosody not available, see the first row' }
  const value = (pick: (f: Figures) => number) => (p ? pick(p) : NaN)
  const { serial: s, pipe, batched } = ours
  const shape1 = `${s.count} messages one at a time (send, wait for arrival at the other user, next), 128-byte bodies, after ${WARMUP} unmeasured`
  const shape2 = `${pipe.count} messages with at most ${WINDOW} between send and arrival (sdmp: of those, at most ${POSTS} POSTs open at once, the daemon's API allowing 64 connections per client; XMPP: one connection)`
  const shape3 = `the same ${pipe.count} messages again with at most ${WINDOW} in flight, sdmp's client sending what it has queued in one POST /v1/messages/batch (at most ${BATCH_MAX} messages each, ${BATCH_POSTS} open at once, no timer: docs/load.md §4), as a pipelining XMPP client writes its queued stanzas to one stream`
  const xmpp =
    'Prosody (Debian package, run by the bench on a temp dir: c2s over direct TLS on 127.0.0.1, memory storage, no s2s, no rate limits) with two @xmpp/client users in the bench process, chat stanzas alice -> bob@localhost, arrival = the stanza at Bob'
  const ourSide =
    "two `sdmp start` daemons on loopback (E2E sealed, signed, stored in SQLite on both sides): POST /v1/messages on Alice's API, arrival = the `message` event on Bob's SSE stream"
  const row = (r: Omit<BenchResult, 'group'>): BenchResult => ({ group: GROUP, ...r })
  return [
    row({
      name: N.rate,
      value: value((f) => f.serial.perSecond),
      unit: 'msg/s',
      ...why,
      notes: `${shape1}; ${xmpp}`,
    }),
    row({
      name: 'sdmp: one at a time, messages/s',
      value: s.perSecond,
      unit: 'msg/s',
      baseline: N.rate,
      notes: `${shape1}; ${ourSide}; ${factor(s.perSecond, base, (f) => f.serial.perSecond)}`,
    }),
    row({
      name: N.p50,
      value: value((f) => f.serial.p50),
      unit: 'ms',
      lowerIsBetter: true,
      ...missing,
      notes: shape1,
    }),
    row({
      name: 'sdmp: one at a time, publish -> inbox p50',
      value: s.p50,
      unit: 'ms',
      target: '<= 2 ms',
      met: s.p50 <= 2,
      baseline: N.p50,
      lowerIsBetter: true,
      notes: `${shape1}; ratio = Prosody/sdmp (above 1: sdmp faster); ${factor(s.p50, base, (f) => f.serial.p50)}`,
    }),
    row({
      name: N.p99,
      value: value((f) => f.serial.p99),
      unit: 'ms',
      lowerIsBetter: true,
      ...missing,
      notes: shape1,
    }),
    row({
      name: 'sdmp: one at a time, publish -> inbox p99',
      value: s.p99,
      unit: 'ms',
      target: '<= 10 ms',
      met: s.p99 <= 10,
      baseline: N.p99,
      lowerIsBetter: true,
      notes: `${shape1}; ratio = Prosody/sdmp; ${factor(s.p99, base, (f) => f.serial.p99)}`,
    }),
    row({
      name: N.pipe,
      value: value((f) => f.pipe.perSecond),
      unit: 'msg/s',
      ...missing,
      notes: `${shape2}; first send to last arrival ${p ? p.pipe.seconds.toFixed(2) : '-'} s`,
    }),
    row({
      name: 'sdmp: pipelined, 256 in flight, messages/s',
      value: pipe.perSecond,
      unit: 'msg/s',
      baseline: N.pipe,
      notes: `${shape2}; one POST per message (the targets are on the batched rows); first send to last arrival ${pipe.seconds.toFixed(1)} s; ${factor(pipe.perSecond, base, (f) => f.pipe.perSecond)}`,
    }),
    ...(batched
      ? [
          row({
            name: 'sdmp: pipelined, 256 in flight, batched POSTs, messages/s',
            value: batched.perSecond,
            unit: 'msg/s',
            target: '>= 1.0x Prosody',
            targetRatio: 1,
            baseline: N.pipe,
            notes: `${shape3}; first send to last arrival ${batched.seconds.toFixed(1)} s; ${factor(batched.perSecond, base, (f) => f.pipe.perSecond)}`,
          }),
        ]
      : []),
    row({
      name: N.cpu,
      value: value((f) => f.pipe.cpuMicrosPerMessage),
      unit: 'us',
      lowerIsBetter: true,
      ...missing,
      notes: `utime + stime of the prosody process (/proc/PID/stat) over the pipelined run / messages; the clients' CPU is not counted`,
    }),
    row({
      name: 'sdmp: CPU per delivered message, both daemons (pipelined)',
      value: pipe.cpuMicrosPerMessage,
      unit: 'us',
      baseline: N.cpu,
      lowerIsBetter: true,
      notes: `utime + stime of both daemons over the pipelined run / messages, one POST per message; ratio = Prosody/sdmp; ${factor(pipe.cpuMicrosPerMessage, base, (f) => f.pipe.cpuMicrosPerMessage)}`,
    }),
    ...(batched
      ? [
          row({
            name: 'sdmp: CPU per delivered message, both daemons (pipelined, batched POSTs)',
            value: batched.cpuMicrosPerMessage,
            unit: 'us',
            target: "<= 2x Prosody's",
            targetRatio: 0.5,
            baseline: N.cpu,
            lowerIsBetter: true,
            notes: `utime + stime of both daemons over the batched pipelined run / messages; ratio = Prosody/sdmp, so the target is a ratio >= 0.5; ${factor(batched.cpuMicrosPerMessage, base, (f) => f.pipe.cpuMicrosPerMessage)}`,
          }),
        ]
      : []),
    row({
      name: 'sdmp floor: 2 Ed25519 signatures + 2 verifications per message (CPU)',
      value: floors.signaturesMicros,
      unit: 'us',
      baseline: N.cpu,
      lowerIsBetter: true,
      notes: `what the protocol's signatures alone cost per delivered message with the product's provider (floors.ts: the message and its envelope each signed, each checked by the recipient before storing; the sender stores what it signed without a second look, resource.md §4); ratio = Prosody's CPU per message / this, so below 0.5 the CPU target (<= 2x Prosody) is out of reach before any other work; ${factor(floors.signaturesMicros, base, (f) => f.pipe.cpuMicrosPerMessage)}`,
    }),
    row({
      name: 'sdmp floor: two durable commits (sender, recipient), p50',
      value: 2 * floors.commitMs,
      unit: 'ms',
      lowerIsBetter: true,
      notes: `twice the p50 of one fsync'd commit of the SQLite store on this disk (floors.ts; ${floors.commitMs.toFixed(2)} ms each): one at a time a message waits for both (store before acknowledge, store before show; store.md §3); the p50 target of 2 ms is out of reach when this is above it`,
    }),
    row({
      name: N.rss,
      value: value((f) => f.rss[0]!),
      unit: 'MiB',
      lowerIsBetter: true,
      ...missing,
      notes: 'VmRSS of the prosody process once it settles after both shapes',
    }),
    ...(['sender', 'recipient'] as const).map((side, i) =>
      row({
        name: `sdmp: ${side} daemon RSS after both shapes`,
        value: ours.rss[i]!,
        unit: 'MiB',
        baseline: N.rss,
        lowerIsBetter: true,
        notes: `VmRSS once it settles; ${factor(ours.rss[i]!, base, (f) => f.rss[0]!)}`,
      }),
    ),
  ]
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const serial = Math.max(100, Math.round(2000 * ctx.scale))
  const total = Math.max(1000, Math.round(10_000 * ctx.scale))
  const tmp = scratch('sdmp-bench-prosody-')
  try {
    // One system at a time: Prosody is stopped before the daemons start.
    const base = await prosodySide(ctx, tmp.dir, serial, total)
    if (typeof base === 'string') ctx.log(`prosody: not available: ${base}`)
    const ours = await sdmpSide(ctx, tmp.dir, serial, total)
    ctx.log('prosody: floors (signatures, durable commits)')
    const floors = {
      signaturesMicros: signatureFloorMicros(),
      commitMs: await durableCommitMs(tmp.dir),
    }
    return rows(base, ours, floors)
  } finally {
    tmp.remove()
  }
}
