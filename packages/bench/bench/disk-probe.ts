/**
 * Where a daemon's disk writes come from (issue 14 item 3, docs/store.md "Write
 * amplification"): two daemons, N messages Alice -> Bob with 32 in flight, and per message on
 * each side: bytes written (/proc/PID/io), the same split by file and fsyncs (strace attached
 * to the daemon, when installed), and after a graceful stop the pages of each table and index
 * (SQLite's dbstat) and the mailbox records by key prefix.
 *
 * Run: `node packages/bench/dist/bench/disk-probe.js [N] [--batch K]` (N default 5000; with
 * --batch, sends go through POST /v1/messages/batch in batches of K). Not part of `npm run bench`.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  MessageWatcher,
  deviceWrittenBytes,
  journalHead,
  mapLimit,
  scratch,
  startFriends,
  storeBytes,
  writtenBytes,
} from './load-daemons.js'
import type { DaemonProc } from './load-daemons.js'

const IN_FLIGHT = 32

/** strace attached to a running process: write syscalls with their file paths. */
function traceWrites(pid: number, out: string): { stop(): Promise<void> } | undefined {
  if (spawnSync('strace', ['-V']).status !== 0) return undefined
  const p = spawn(
    'strace',
    [
      '-f',
      '-qq',
      '-y',
      '-s',
      '8',
      '-x',
      '-e',
      'trace=write,pwrite64,pwritev,writev,fsync,fdatasync',
      '-o',
      out,
      '-p',
      String(pid),
    ],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((r) => p.on('exit', () => r()))
  return {
    async stop() {
      p.kill('SIGINT')
      await exited
    },
  }
}

/** What an strace log shows: bytes and fsyncs per file class, WAL frames per page, commits. */
interface Trace {
  files: Record<string, { bytes: number; calls: number; syncs: number }>
  /** WAL frames written per page number. */
  frames: Map<number, number>
  commits: number
}

/** Bytes written and fsyncs per file class from an strace log, and WAL frame headers. */
function summarize(log: string): Trace {
  const out: Record<string, { bytes: number; calls: number; syncs: number }> = {}
  const frames = new Map<number, number>()
  let commits = 0
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /(\w+)\((\d+)<([^>]*)>(?:, "([^"]*)")?.*\) = (\d+)/.exec(line)
    if (!m) continue
    const [, call, , path, data, ret] = m
    // A WAL frame header (24 bytes): page number, then the db size in pages on a commit frame.
    if (path!.endsWith('-wal') && ret === '24' && data) {
      const b = data
        .split('\\x')
        .slice(1)
        .map((h) => parseInt(h, 16))
      if (b.length >= 8) {
        const page = (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!
        frames.set(page, (frames.get(page) ?? 0) + 1)
        if (b[4]! | b[5]! | b[6]! | b[7]!) commits++
      }
    }
    const cls = path!.endsWith('-wal')
      ? 'wal'
      : path!.endsWith('store.db')
        ? 'db (checkpoints)'
        : path!.includes('socket:') || path!.includes('pipe:')
          ? 'socket/pipe'
          : path!.replace(/.*\//, '')
    const e = (out[cls] ??= { bytes: 0, calls: 0, syncs: 0 })
    if (call === 'fsync' || call === 'fdatasync') e.syncs++
    else {
      e.calls++
      e.bytes += Number(ret)
    }
  }
  return { files: out, frames, commits }
}

/** Pages per table/index and mailbox bytes per key prefix of a stopped home; WAL frames per tree. */
async function pages(home: string, total: number, trace?: Trace): Promise<void> {
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(join(home, 'store', 'store.db'), { readonly: true })
  if (trace) {
    const owner = new Map<number, string>()
    for (const r of db.prepare('SELECT name, pageno FROM dbstat').all() as {
      name: string
      pageno: number
    }[])
      owner.set(r.pageno, r.name)
    const byTree: Record<string, { frames: number; pages: number }> = {}
    for (const [page, n] of trace.frames) {
      const t = (byTree[owner.get(page) ?? (page === 1 ? 'header' : 'freed/other')] ??= {
        frames: 0,
        pages: 0,
      })
      t.frames += n
      t.pages++
    }
    console.log(`WAL commits: ${trace.commits} (${(total / trace.commits).toFixed(2)} msg/commit)`)
    console.table(
      Object.fromEntries(
        Object.entries(byTree)
          .sort((a, b) => b[1].frames - a[1].frames)
          .map(([k, v]) => [k, { ...v, framesPerMsg: +(v.frames / total).toFixed(2) }]),
      ),
    )
  }
  const rows = db
    .prepare(
      "SELECT name, count(*) AS pages, sum(pgsize) AS bytes, sum(unused) AS unused, sum(CASE WHEN pagetype = 'overflow' THEN 1 ELSE 0 END) AS overflow FROM dbstat GROUP BY name ORDER BY bytes DESC",
    )
    .all()
  console.table(rows)
  const local = db
    .prepare(
      "SELECT ns, substr(key, 1, instr(key, ':')) AS prefix, count(*) AS n, sum(length(value)) AS bytes FROM local GROUP BY ns, prefix ORDER BY bytes DESC",
    )
    .all()
  console.table(local)
  const kinds = db
    .prepare(
      'SELECT kind, count(*) AS n, sum(length(bytes)) AS bytes FROM resources GROUP BY kind ORDER BY bytes DESC',
    )
    .all()
  console.table(kinds)
  db.close()
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 5000)
  const bi = process.argv.indexOf('--batch')
  const batch = bi > 0 ? Number(process.argv[bi + 1]) : 0
  const tmp = scratch('sdmp-disk-probe-')
  const started: DaemonProc[] = []
  try {
    const { alice, bob } = await startFriends(tmp.dir, started)
    const watcher = new MessageWatcher(bob.client, await journalHead(bob))
    const sides = [alice, bob].map((d, i) => ({
      d,
      name: i === 0 ? 'sender' : 'recipient',
      written: writtenBytes(d.pid),
      stored: storeBytes(d.home, { running: true }),
      trace: traceWrites(d.pid, join(tmp.dir, `strace-${d.pid}.log`)),
      log: join(tmp.dir, `strace-${d.pid}.log`),
    }))
    const device = deviceWrittenBytes(alice.home)
    const t0 = performance.now()
    const body = (i: number) => `bulk ${i} ${'x'.repeat(100)}`
    if (batch > 0) {
      await mapLimit(Math.ceil(total / batch), Math.max(1, Math.floor(IN_FLIGHT / batch)), (k) =>
        alice.client.sendBatch({
          messages: Array.from({ length: Math.min(batch, total - k * batch) }, (_, j) => ({
            to: ['bob'],
            body: body(k * batch + j),
          })),
        }),
      )
    } else {
      await mapLimit(total, IN_FLIGHT, (i) => alice.client.send({ to: ['bob'], body: body(i) }))
    }
    await waitUntil(() => watcher.arrived.size >= total)
    const seconds = (performance.now() - t0) / 1000
    await watcher.close()
    const written = sides.map((s) => writtenBytes(s.d.pid) - s.written)
    for (const s of sides) await s.trace?.stop()
    await Promise.all(started.map((d) => d.stop()))
    console.log(`${total} messages in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s)`)
    const after = deviceWrittenBytes(alice.home)
    if (device !== undefined && after !== undefined)
      console.log(
        `both daemons, to the block device: ${((after - device) / total).toFixed(0)} B/msg`,
      )
    // write_bytes below overcounts the reserved WAL, overwritten in place (deviceWrittenBytes).
    for (const [i, s] of sides.entries()) {
      const stored = storeBytes(s.d.home) - s.stored
      console.log(
        `\n== ${s.name}: write_bytes ${(written[i]! / total).toFixed(0)} B/msg, stored ${(stored / total).toFixed(0)} B/msg, ratio ${(written[i]! / stored).toFixed(2)}`,
      )
      const trace = s.trace ? summarize(s.log) : undefined
      if (trace) {
        console.table(
          Object.fromEntries(
            Object.entries(trace.files).map(([k, v]) => [
              k,
              { perMsg: Math.round(v.bytes / total), calls: v.calls, syncs: v.syncs },
            ]),
          ),
        )
        rmSync(s.log, { force: true })
      }
      await pages(s.d.home, total, trace)
    }
  } finally {
    await Promise.all(started.map((d) => d.kill()))
    tmp.remove()
  }
}

async function waitUntil(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 50))
}

await main()
