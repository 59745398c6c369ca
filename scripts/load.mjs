#!/usr/bin/env node
/**
 * `npm run load -- --users N --daemons M --seconds S [--json]` (issue 6, docs/load.md): starts M
 * real `sdmp start` daemons on loopback, one home (one user) each, all mutual contacts; N
 * simulated senders (N/M per daemon) send messages through their daemon's API to random other
 * users for S seconds. Deliveries are counted from `message` events on the recipients' SSE
 * streams. Reports delivered messages/s, p50/p99 delivery latency, CPU and RSS per daemon, and
 * errors (failed API calls, deliveries still missing after the drain). Exits 1 on any error.
 */
import { parseArgs } from 'node:util'
import { existsSync } from 'node:fs'

const root = new URL('..', import.meta.url).pathname
const helpers = `${root}packages/bench/dist/bench/load-daemons.js`
if (!existsSync(helpers)) {
  console.error('load: build first (npm run build): packages/bench/dist is missing')
  process.exit(2)
}
const L = await import(helpers)
const { percentile, waitFor } = await import('@sdmp/testkit')

const { values: opts } = parseArgs({
  options: {
    users: { type: 'string', default: '8' },
    daemons: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    drain: { type: 'string', default: '30' },
    body: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (opts.help) {
  console.log(`usage: npm run load -- [--users N] [--daemons M] [--seconds S] [--drain S] [--body BYTES] [--json] [--keep]
  --users N     simulated senders in all (default 8), spread over the daemons
  --daemons M   daemons = users, each its own home on loopback (default 3, at least 2)
  --seconds S   how long the senders send (default 10)
  --drain S     how long to wait afterwards for the last deliveries (default 30)
  --body BYTES  message body size (default 200)
  --json        print one JSON document instead of the table
  --keep        keep the temporary homes (their path is printed)`)
  process.exit(0)
}
const int = (name, min) => {
  const v = Number(opts[name])
  if (!Number.isInteger(v) || v < min) {
    console.error(`load: --${name} must be an integer >= ${min}, got ${opts[name]}`)
    process.exit(2)
  }
  return v
}
const daemonCount = int('daemons', 2)
const users = int('users', daemonCount)
const seconds = int('seconds', 1)
const drainSeconds = int('drain', 1)
const bodyBytes = int('body', 1)

const status = (text) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`)
  else process.stderr.write(`${text}\n`)
}
const endStatus = () => process.stderr.isTTY && process.stderr.write('\n')

const tmp = L.scratch('sdmp-load-')
const daemons = []
let cleaning = false
async function cleanup() {
  if (cleaning) return
  cleaning = true
  await Promise.all(daemons.map((d) => d.kill()))
  if (opts.keep) process.stderr.write(`load: homes kept in ${tmp.dir}\n`)
  else tmp.remove()
}
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => cleanup().finally(() => process.exit(130)))

const names = Array.from({ length: daemonCount }, (_, i) => `u${i}`)
let exitCode = 0
try {
  status(`load: ${daemonCount} homes, daemons, mutual contacts`)
  const homes = await Promise.all(names.map((n) => L.newHome(tmp.dir, n)))
  for (const home of homes) daemons.push(await L.startDaemon(home))
  const userOf = await Promise.all(daemons.map(async (d) => (await d.client.whoami()).user))
  for (let i = 0; i < daemonCount; i++)
    for (let j = i + 1; j < daemonCount; j++)
      await L.befriend(daemons[i], names[i], daemons[j], names[j])
  for (let i = 0; i < daemonCount; i++)
    for (let j = 0; j < daemonCount; j++)
      if (i !== j) await L.waitConnected(daemons[i], { user: userOf[j] }, 60_000)

  // Recipients' streams, opened at their current journal heads so no delivery is missed.
  const sent = new Map() // id -> { to, t0 }
  const early = new Map() // id -> arrival, for events faster than the send's reply
  const latencies = []
  let delivered = 0
  let lastArrival = 0
  const watchers = await Promise.all(
    daemons.map(async (d) => new L.MessageWatcher(d.client, await L.journalHead(d))),
  )
  watchers.forEach((w, r) => {
    w.onMessage = (id, at) => {
      const s = sent.get(id)
      if (s === undefined) early.set(id, { r, at })
      else if (s.to === r) arrived(s, at)
    }
  })
  function arrived(s, at) {
    if (s.done) return
    s.done = true
    delivered++
    lastArrival = at
    latencies.push(at - s.t0)
  }

  const errors = []
  let sentCount = 0
  const cpu0 = daemons.map((d) => L.cpuSeconds(d.pid))
  const start = performance.now()
  const end = start + seconds * 1000
  const body = 'x'.repeat(bodyBytes)
  async function sender(from) {
    while (performance.now() < end) {
      let to = Math.floor(Math.random() * (daemonCount - 1))
      if (to >= from) to++
      const t0 = performance.now()
      try {
        const { id } = await daemons[from].client.send({ to: [names[to]], body })
        const s = { to, t0, done: false }
        sent.set(id, s)
        sentCount++
        const e = early.get(id)
        if (e !== undefined && e.r === to) arrived(s, e.at)
        early.delete(id)
      } catch (e) {
        errors.push(`send ${names[from]} -> ${names[to]}: ${e?.code ?? ''} ${e?.message ?? e}`)
      }
    }
  }
  let lastDelivered = 0
  const tick = () => {
    const t = (performance.now() - start) / 1000
    const rate = delivered - lastDelivered
    lastDelivered = delivered
    status(
      `load: ${t.toFixed(0)}s sent ${sentCount} delivered ${delivered} (${rate}/s) errors ${errors.length}`,
    )
  }
  const ticker = setInterval(tick, 1000)
  const senders = []
  for (let k = 0; k < users; k++) senders.push(sender(k % daemonCount))
  await Promise.all(senders)
  const sendSeconds = (performance.now() - start) / 1000
  // Drain: wait on the condition, bounded by --drain.
  await waitFor(() => delivered >= sentCount, {
    timeout: drainSeconds * 1000,
    interval: 20,
    what: 'the last deliveries',
  }).catch(() => undefined)
  clearInterval(ticker)
  tick()
  endStatus()
  const wall = (performance.now() - start) / 1000
  const perDaemon = daemons.map((d, i) => {
    const cpuSeconds = L.cpuSeconds(d.pid) - cpu0[i]
    return {
      name: names[i],
      pid: d.pid,
      cpuSeconds: round(cpuSeconds),
      cpuPercent: round((cpuSeconds / wall) * 100),
      rssMiB: round(L.rssMiB(d.pid)),
    }
  })
  await Promise.all(watchers.map((w) => w.close()))
  for (const d of daemons.splice(0)) {
    try {
      await d.stop()
    } catch (e) {
      errors.push(`stop ${d.home}: ${e.message}`)
    }
  }
  const missing = sentCount - delivered
  const report = {
    config: { users, daemons: daemonCount, seconds, drainSeconds, bodyBytes },
    sent: sentCount,
    delivered,
    missing,
    errors: errors.length,
    errorSamples: errors.slice(0, 5),
    sendSeconds: round(sendSeconds),
    deliveredPerSecond: round(delivered / ((lastArrival - start) / 1000 || 1)),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(Math.max(0, ...latencies)),
    },
    perDaemon,
  }
  if (opts.json) console.log(JSON.stringify(report, null, 2))
  else printTable(report)
  if (report.errors > 0 || missing > 0) exitCode = 1
} catch (e) {
  endStatus()
  console.error(`load: ${e?.stack ?? e}`)
  exitCode = 1
} finally {
  await cleanup()
}
process.exit(exitCode)

function round(v) {
  return Number.isFinite(v) ? Math.round(v * 100) / 100 : v
}

function printTable(r) {
  const rows = [
    ['users (senders)', r.config.users],
    ['daemons', r.config.daemons],
    ['send window', `${r.sendSeconds} s`],
    ['sent', r.sent],
    ['delivered', r.delivered],
    ['delivered msg/s', r.deliveredPerSecond],
    ['latency p50', `${r.latencyMs.p50} ms`],
    ['latency p99', `${r.latencyMs.p99} ms`],
    ['missing after drain', r.missing],
    ['errors', r.errors],
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`)
  console.log('')
  console.log(['daemon', 'pid', 'cpu s', 'cpu %', 'rss MiB'].map((h) => h.padEnd(9)).join(''))
  for (const d of r.perDaemon)
    console.log(
      [d.name, d.pid, d.cpuSeconds, d.cpuPercent, d.rssMiB]
        .map((v) => String(v).padEnd(9))
        .join(''),
    )
  for (const e of r.errorSamples) console.log(`error: ${e}`)
}
