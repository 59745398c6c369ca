/**
 * One message's latency, publish -> inbox, between two daemons on loopback (issue 14, docs/load.md
 * §5): the one-at-a-time shape of prosody.bench.ts on sdmp alone, smaller and repeatable. Alice
 * POSTs `/v1/messages` (one at a time, 128-byte bodies) and the message is waited for on Bob's
 * SSE stream; per run it prints p50/p99 of send -> arrival and of the POST alone. Each run starts
 * two fresh daemons; with `--runs K` the run is repeated and the median of each figure printed
 * (the machine is shared: one run proves little).
 *
 * With `--trace`, the daemons are started with SDMP_TRACE=<dir>: a daemon built with the trace
 * points of docs/load.md §5 writes one `stage time` line per point it passes (time in ms of
 * `process.hrtime`, one clock for every process on the machine) when it stops, and the probe
 * prints, per stage, the median time since the POST was sent and since the stage before, the
 * latter also over the slowest 5% of the messages (where the tail goes). A daemon without trace
 * points ignores the variable (the table is then empty).
 *
 * With `--nice P` the two daemons and the probe run at scheduling priority P (e.g. -10, as root),
 * to see how much of the hand-overs between the processes is other work on the machine.
 *
 * Run: `node packages/bench/dist/bench/latency-probe.js [N] [--runs K] [--trace] [--nice P]`
 * (N default 200 measured messages after 20 unmeasured). Not part of `npm run bench`.
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { setPriority } from 'node:os'
import { join } from 'node:path'
import { percentile } from '@sdmp/testkit'
import { MessageWatcher, journalHead, scratch, startFriends } from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'
import { benchBody } from './shapes.js'

const WARMUP = 20

/** A monotonic clock shared by every process on the machine (CLOCK_MONOTONIC), in ms. */
const now = () => Number(process.hrtime.bigint()) / 1e6

/** One measured message: sent, POST answered, arrived (ms of {@link now}). */
interface Sample {
  readonly sent: number
  readonly answered: number
  readonly arrived: number
}

/** A trace point a daemon passed: which daemon, which stage, when. */
interface Mark {
  readonly who: 'alice' | 'bob'
  readonly stage: string
  readonly at: number
}

/** What one run measured. */
interface RunFigures {
  readonly p50: number
  readonly p99: number
  readonly postP50: number
  readonly postP99: number
  readonly perSecond: number
  /**
   * Per `who:stage` of {@link PATH}, over the messages that passed it: the median time since
   * the send, the median time since its predecessor, and that median over the slowest 5% of
   * the messages only (`tailStep`, where the tail's time goes; NaN when none passed it) (ms).
   */
  readonly stages: Map<string, { median: number; step: number; tailStep: number; n: number }>
  /** Latencies of the messages during which Bob sealed something (a delivered receipt). */
  readonly withReceipt: readonly number[]
  /**
   * Per `who:stage`, how many of the slowest 5% of the messages lost the most time there (their
   * step's excess over the stage's median step is the largest of their path).
   */
  readonly worstIn: Map<string, number>
}

async function run(
  count: number,
  trace: string | undefined,
  priority: number | undefined,
): Promise<RunFigures> {
  const home = scratch('sdmp-latency-')
  const started: DaemonProc[] = []
  const samples: Sample[] = []
  try {
    const env: Record<string, string> = trace ? { SDMP_TRACE: trace } : {}
    const { alice, bob } = await startFriends(home.dir, started, env)
    // Other work on a shared machine delays every hand-over between the three processes.
    if (priority !== undefined)
      for (const pid of [alice.pid, bob.pid, process.pid]) setPriority(pid, priority)
    const watcher = new MessageWatcher(bob.client, await journalHead(bob))
    try {
      for (let i = 0; i < WARMUP + count; i++) {
        const sent = now()
        const { id } = await alice.client.send({ to: ['bob'], body: benchBody(i) })
        const answered = now()
        await watcher.arrival(id)
        const arrived = now()
        if (i === WARMUP - 1) samples.length = 0
        if (i >= WARMUP) samples.push({ sent, answered, arrived })
      }
    } finally {
      await watcher.close()
    }
    const pids = { alice: alice.pid, bob: bob.pid }
    // Graceful stops, so traced daemons write their marks.
    await Promise.all(started.splice(0).map((d) => d.stop().catch(() => d.kill())))
    const marks = trace ? readMarks(trace, pids) : []
    return figures(samples, marks)
  } finally {
    await Promise.all(started.map((d) => d.kill()))
    home.remove()
  }
}

/** The marks the daemons `pids` wrote under `dir` (one file per process: `<pid>.trace`). */
function readMarks(dir: string, pids: { alice: number; bob: number }): Mark[] {
  const out: Mark[] = []
  for (const who of ['alice', 'bob'] as const) {
    const file = join(dir, `${pids[who]}.trace`)
    if (!existsSync(file)) continue
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [stage, at] = line.split(' ')
      if (stage && at) out.push({ who, stage, at: Number(at) })
    }
  }
  return out.sort((a, b) => a.at - b.at)
}

/**
 * The path of one message, each trace point after the one it follows (`after`; undefined: the
 * send). Receipts and other work interleave with a message on both daemons, so a point counts
 * only when it comes after its predecessor did for the same message.
 */
const PATH: readonly (readonly [string, string | undefined])[] = [
  ['alice:api.route', undefined],
  ['alice:api.body', 'alice:api.route'],
  ['alice:send.signed', 'alice:api.body'],
  ['alice:send.recipients', 'alice:send.signed'],
  ['alice:seal.drain', 'alice:send.recipients'],
  ['alice:seal.sealed', 'alice:seal.drain'],
  ['alice:seal.committed', 'alice:seal.sealed'],
  ['alice:ingest.start', 'alice:seal.committed'],
  ['alice:ingest.authorized', 'alice:ingest.start'],
  ['alice:ingest.committed', 'alice:ingest.authorized'],
  ['alice:push.visible', 'alice:ingest.committed'],
  ['alice:push.read', 'alice:push.visible'],
  ['alice:tcp.write', 'alice:push.read'],
  ['alice:push.broadcast-sent', 'alice:tcp.write'],
  ['alice:index.start', 'alice:ingest.committed'],
  ['alice:index.indexed', 'alice:index.start'],
  ['alice:index.committed', 'alice:index.indexed'],
  ['alice:api.sent', 'alice:index.committed'],
  ['probe:answered', 'alice:api.sent'],
  ['bob:tcp.data', 'alice:tcp.write'],
  ['bob:peer.resource', 'bob:tcp.data'],
  ['bob:ingest.start', 'bob:peer.resource'],
  ['bob:ingest.authorized', 'bob:ingest.start'],
  ['bob:ingest.committed', 'bob:ingest.authorized'],
  ['bob:index.start', 'bob:ingest.committed'],
  ['bob:index.indexed', 'bob:index.start'],
  ['bob:index.committed', 'bob:index.indexed'],
  ['bob:sse.write', 'bob:index.committed'],
  ['probe:arrived', 'bob:sse.write'],
]

/**
 * Figures of a run. A mark belongs to the message whose [sent, arrived] window holds it (one
 * message at a time, so windows do not overlap), and to a point of {@link PATH} when it is the
 * first of its stage after the point's predecessor.
 */
function figures(samples: readonly Sample[], marks: readonly Mark[]): RunFigures {
  const lat = samples.map((s) => s.arrived - s.sent)
  const post = samples.map((s) => s.answered - s.sent)
  const perStage = new Map<string, number[]>()
  const perStep = new Map<string, number[]>()
  /** Each message's latency and its steps, to single out the tail. */
  const steps: { latency: number; step: Map<string, number> }[] = []
  const withReceipt: number[] = []
  let m = 0
  for (const s of samples) {
    while (m < marks.length && marks[m]!.at < s.sent) m++
    const byKey = new Map<string, number[]>()
    for (let k = m; k < marks.length && marks[k]!.at <= s.arrived; k++) {
      const key = `${marks[k]!.who}:${marks[k]!.stage}`
      const list = byKey.get(key) ?? []
      list.push(marks[k]!.at)
      byKey.set(key, list)
    }
    if (byKey.has('bob:seal.drain')) withReceipt.push(s.arrived - s.sent)
    byKey.set('probe:answered', [s.answered])
    byKey.set('probe:arrived', [s.arrived])
    const at = new Map<string, number>()
    const step = new Map<string, number>()
    steps.push({ latency: s.arrived - s.sent, step })
    for (const [key, after] of PATH) {
      const from = after === undefined ? s.sent : at.get(after)
      if (from === undefined) continue
      const t = byKey.get(key)?.find((x) => x >= from)
      if (t === undefined) continue
      at.set(key, t)
      perStage.set(key, [...(perStage.get(key) ?? []), t - s.sent])
      perStep.set(key, [...(perStep.get(key) ?? []), t - from])
      step.set(key, t - from)
    }
  }
  const slow = percentile(lat, 95)
  const tail = steps.filter((x) => x.latency >= slow)
  const stages = new Map<string, { median: number; step: number; tailStep: number; n: number }>()
  for (const [k, v] of perStage) {
    const inTail = tail.map((x) => x.step.get(k)).filter((x) => x !== undefined)
    stages.set(k, {
      median: percentile(v, 50),
      step: percentile(perStep.get(k)!, 50),
      tailStep: inTail.length > 0 ? percentile(inTail, 50) : NaN,
      n: v.length,
    })
  }
  const worstIn = new Map<string, number>()
  for (const x of tail) {
    let worst: string | undefined
    let excess = -Infinity
    for (const [k, v] of x.step) {
      const over = v - stages.get(k)!.step
      if (over > excess) [worst, excess] = [k, over]
    }
    if (worst !== undefined) worstIn.set(worst, (worstIn.get(worst) ?? 0) + 1)
  }
  const span = samples.length > 0 ? samples[samples.length - 1]!.arrived - samples[0]!.sent : 0
  return {
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    postP50: percentile(post, 50),
    postP99: percentile(post, 99),
    perSecond: span > 0 ? (samples.length * 1000) / span : 0,
    stages,
    withReceipt,
    worstIn,
  }
}

const median = (xs: readonly number[]) => percentile(xs, 50)
const ms = (x: number) => x.toFixed(2)

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const count = Number(
    args.find((a, i) => /^\d+$/.test(a) && !['--runs', '--nice'].includes(args[i - 1]!)) ?? 200,
  )
  const runsAt = args.indexOf('--runs')
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1
  const niceAt = args.indexOf('--nice')
  const priority = niceAt >= 0 ? Number(args[niceAt + 1]) : undefined
  let trace: string | undefined
  if (args.includes('--trace')) {
    const dir = scratch('sdmp-trace-')
    trace = dir.dir
    mkdirSync(trace, { recursive: true })
  }
  const all: RunFigures[] = []
  for (let r = 0; r < runs; r++) {
    const f = await run(count, trace, priority)
    all.push(f)
    console.log(
      `run ${r + 1}: ${count} one at a time, ${f.perSecond.toFixed(0)} msg/s; ` +
        `send -> arrival p50 ${ms(f.p50)} ms, p99 ${ms(f.p99)} ms; ` +
        `POST p50 ${ms(f.postP50)} ms, p99 ${ms(f.postP99)} ms`,
    )
  }
  if (runs > 1)
    console.log(
      `median of ${runs}: ${median(all.map((f) => f.perSecond)).toFixed(0)} msg/s; ` +
        `p50 ${ms(median(all.map((f) => f.p50)))} ms, p99 ${ms(median(all.map((f) => f.p99)))} ms; ` +
        `POST p50 ${ms(median(all.map((f) => f.postP50)))} ms`,
    )
  if (trace) {
    // The points in PATH order, each with its medians over the runs.
    console.log(
      'point (daemon:stage) | after | ms since send | ms since `after` | same, slowest 5% | messages',
    )
    for (const [k, after] of PATH) {
      const of = (pick: (x: { median: number; step: number; tailStep: number }) => number) =>
        median(
          all
            .map((f) => f.stages.get(k))
            .filter((x) => x !== undefined)
            .map(pick),
        )
      const n = Math.min(...all.map((f) => f.stages.get(k)?.n ?? 0))
      console.log(
        `${k} | ${after ?? 'send'} | ${ms(of((x) => x.median))} | ${ms(of((x) => x.step))} | ` +
          `${ms(of((x) => x.tailStep))} | ${n}`,
      )
    }
    const worst = new Map<string, number>()
    for (const f of all) for (const [k, n] of f.worstIn) worst.set(k, (worst.get(k) ?? 0) + n)
    console.log(
      'slowest 5%, the stage that lost the most time: ' +
        [...worst]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
    )
    const r = all.flatMap((f) => f.withReceipt)
    console.log(
      `messages during which Bob sealed a receipt: ${r.length}, latency p50 ${ms(median(r))} ms`,
    )
    console.log(`trace files: ${trace} (${readdirSync(trace).length})`)
  }
}

await main()
