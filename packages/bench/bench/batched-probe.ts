/**
 * The batched row of prosody.bench.ts alone, with its CPU split by process (issue 14, docs/load.md
 * §5 "Seventeenth pass"): two fresh daemons, 530 messages unmeasured, then ROUNDS rounds of N
 * messages with at most 256 between send and arrival, sent as the bench sends them (queued
 * messages in one `POST /v1/messages/batch`, up to 64 each). Per round it prints one JSON line:
 * messages/s, CPU microseconds per delivered message of both daemons together, of Alice, of Bob
 * and of this process (the client and the SSE reader share the machine with the daemons).
 *
 * With SDMP_BENCH_PROFILE=<dir> the daemons stop gracefully at the end and write CPU profiles
 * there (load-daemons.ts), covering only this shape.
 *
 * Run: `node packages/bench/dist/bench/batched-probe.js [N] [ROUNDS]` (default 10,000 and 1). Not
 * part of `npm run bench`.
 * @module
 */
import { MessageWatcher, cpuSeconds, journalHead, scratch, startFriends } from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'
import { batchSender, pipelined } from './shapes.js'
import type { Deliver } from './shapes.js'

const WINDOW = 256
const WARMUP = 530

const total = Number(process.argv[2] ?? 10_000)
const rounds = Number(process.argv[3] ?? 1)
const home = scratch('sdmp-batched-')
const started: DaemonProc[] = []
const profiling = process.env['SDMP_BENCH_PROFILE'] !== undefined
try {
  const { alice, bob } = await startFriends(home.dir, started)
  const watcher = new MessageWatcher(bob.client, await journalHead(bob))
  try {
    const sendQueued = batchSender(alice.client, 'bob')
    const deliver: Deliver = async (_seq, body) => {
      await watcher.arrival(await sendQueued(body))
    }
    const pids = [alice.pid, bob.pid]
    await pipelined(deliver, WARMUP, WINDOW, pids)
    let first = WARMUP
    for (let r = 0; r < rounds; r++) {
      const [a0, b0] = [cpuSeconds(alice.pid), cpuSeconds(bob.pid)]
      const own0 = process.cpuUsage()
      const f = await pipelined(deliver, total, WINDOW, pids, first)
      first += total
      const own = process.cpuUsage(own0)
      const micros = (seconds: number) => Math.round((seconds * 1e6) / total)
      console.log(
        JSON.stringify({
          perSecond: Math.round(f.perSecond),
          cpuMicros: Math.round(f.cpuMicrosPerMessage),
          alice: micros(cpuSeconds(alice.pid) - a0),
          bob: micros(cpuSeconds(bob.pid) - b0),
          client: Math.round((own.user + own.system) / total),
        }),
      )
    }
  } finally {
    await watcher.close()
  }
} finally {
  await Promise.all(started.map((d) => (profiling ? d.stop().catch(() => d.kill()) : d.kill())))
  home.remove()
}
