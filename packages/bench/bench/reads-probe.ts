/**
 * What each delivered message makes the two daemons ask their SQLite stores (issue 14,
 * docs/load.md §5 "Fifteenth pass"): the statements run, the local records read by key prefix
 * and whether they were found, the vault secrets read, the local records written. Two fresh
 * daemons run with reads-preload.ts; after 30 messages one at a time, 500 pipelined (unmeasured)
 * and their receipts, the counts are reset; then N messages go pipelined as the bench's batched
 * row sends them (256 in flight, up to 64 per `POST /v1/messages/batch`), and once both journals
 * are quiet (the last receipts in) the counts are divided by N. Counts, not times: they do not
 * depend on what else the machine runs.
 *
 * Run: `node packages/bench/dist/bench/reads-probe.js [N] [--json]` (N default 3,000). Not part
 * of `npm run bench`.
 * @module
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MessageWatcher, journalHead, mapLimit, scratch, startFriends } from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'
import type { ReadCounts } from './reads-preload.js'
import { batchSender, benchBody } from './shapes.js'

const PRELOAD = fileURLToPath(new URL('./reads-preload.js', import.meta.url))
const WINDOW = 256

async function run(count: number): Promise<{ alice: ReadCounts; bob: ReadCounts }> {
  const home = scratch('sdmp-reads-')
  const dir = join(home.dir, 'counts')
  mkdirSync(dir)
  const started: DaemonProc[] = []
  try {
    const { alice, bob } = await startFriends(home.dir, started, { SDMP_READS_DIR: dir }, [
      '--import',
      PRELOAD,
    ])
    const watcher = new MessageWatcher(bob.client, await journalHead(bob))
    try {
      const send = batchSender(alice.client, 'bob')
      const deliver = async (i: number) => void (await watcher.arrival(await send(benchBody(i))))
      for (let i = 0; i < 30; i++) await deliver(i)
      await mapLimit(500, WINDOW, (i) => deliver(30 + i))
      await Promise.all([quiet(alice), quiet(bob)])
      for (const d of [alice, bob]) process.kill(d.pid, 'SIGUSR2')
      await mapLimit(count, WINDOW, (i) => deliver(530 + i))
      await Promise.all([quiet(alice), quiet(bob)])
    } finally {
      await watcher.close()
    }
    const pids = { alice: alice.pid, bob: bob.pid }
    // Graceful stops: the preload writes its counts on SIGTERM.
    await Promise.all(started.splice(0).map((d) => d.stop()))
    const read = (pid: number) =>
      JSON.parse(readFileSync(join(dir, `${pid}.json`), 'utf8')) as ReadCounts
    return { alice: read(pids.alice), bob: read(pids.bob) }
  } finally {
    await Promise.all(started.map((d) => d.kill()))
    home.remove()
  }
}

/**
 * Resolves once `d`'s journal has not grown for longer than a delivered receipt may wait
 * (receipt-queue.ts: 2 s at most), so that the receipts of the messages sent are in.
 */
async function quiet(d: DaemonProc): Promise<void> {
  let head = await journalHead(d)
  let since = performance.now()
  while (performance.now() - since < 2_500) {
    await new Promise((r) => setTimeout(r, 100))
    const now = await journalHead(d)
    if (now !== head) [head, since] = [now, performance.now()]
  }
}

/** `counts` per message, largest first, as `  1.23  key` lines (at most `limit`). */
function perMessage(counts: Record<string, number>, n: number, limit = 12): string[] {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([k, v]) => `${(v / n).toFixed(2).padStart(7)}  ${k}`)
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)

const args = process.argv.slice(2)
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 3000)
const result = await run(count)
if (args.includes('--json')) console.log(JSON.stringify({ messages: count, ...result }))
else
  for (const who of ['alice', 'bob'] as const) {
    const c = result[who]
    const line = (label: string, part: Record<string, number>) =>
      console.log(`${label}: ${(total(part) / count).toFixed(2)} per message`)
    console.log(`== ${who} (${who === 'alice' ? 'sender' : 'recipient'}), ${count} messages`)
    line('local records read', c.local)
    for (const l of perMessage(c.local, count)) console.log(l)
    line('vault secrets read', c.secrets)
    for (const l of perMessage(c.secrets, count)) console.log(l)
    line('local records written', c.upserts)
    for (const l of perMessage(c.upserts, count)) console.log(l)
    line('statements run', c.statements)
    for (const l of perMessage(c.statements, count)) console.log(l)
  }
