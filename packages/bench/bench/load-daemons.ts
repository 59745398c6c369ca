/**
 * Real `sdmp` daemons as child processes on loopback, for the daemon benchmarks
 * (daemon.bench.ts, issue 5) and the load generator (scripts/load.mjs, issue 6, docs/load.md):
 * homes made with `sdmp init`, `sdmp start --peer 127.0.0.1:0 --api 127.0.0.1:0 --json`, mutual
 * contacts through the API, message arrival times from the SSE stream, and CPU/RSS from /proc.
 * Mirrors packages/cli/test/daemon-proc.ts, without node:test.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { keepAliveFetch } from '@sdmp/cli/http-fetch'
import { SdmpHttpClient } from '@sdmp/client'
import type { Peer } from '@sdmp/client'
import { waitFor } from '@sdmp/testkit'
import { befriendApis } from '@sdmp/testkit/daemon-world'
import { track } from './children.js'

/** packages/cli/dist/src/bin.js, resolved from this compiled file (packages/bench/dist/bench). */
export const BIN = fileURLToPath(new URL('../../../cli/dist/src/bin.js', import.meta.url))

/** A clean environment: no inherited SDMP_* variables change what is measured. */
const ENV = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' }

/** What one run of the executable produced. */
export interface SdmpRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Run `sdmp ...args` as a child process and collect its output. */
export function runSdmp(args: readonly string[]): Promise<SdmpRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Run `sdmp ARGS --home HOME --json`; the first stdout line parsed, or an Error naming the run. */
export async function sdmpJson(home: string, args: readonly string[]): Promise<unknown> {
  const r = await runSdmp([...args, '--home', home, '--json'])
  if (r.code !== 0) throw new Error(`sdmp ${args[0]} exited ${r.code}: ${r.stderr.trim()}`)
  return JSON.parse(r.stdout.split('\n')[0]!)
}

/** A scratch directory for homes, removed by `remove()`. */
export interface Scratch {
  readonly dir: string
  remove(): void
}

/** A fresh scratch directory under the OS temp dir. */
export function scratch(prefix = 'sdmp-load-'): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A new home `<dir>/<name>` made by `sdmp init --name NAME`. */
export async function newHome(dir: string, name: string): Promise<string> {
  const home = join(dir, name)
  await sdmpJson(home, ['init', '--name', name])
  return home
}

/** A joined device's home (`sdmp init --join`) and its join request (docs/cli.md §5). */
export async function newJoinedHome(
  dir: string,
  name: string,
): Promise<{ home: string; request: string }> {
  const home = join(dir, name)
  const { request } = (await sdmpJson(home, ['init', '--join', '--name', name])) as {
    request: string
  }
  return { home, request }
}

/** A started daemon. */
export interface DaemonProc {
  readonly home: string
  readonly pid: number
  readonly api: string
  readonly client: SdmpHttpClient
  readonly proc: ChildProcessWithoutNullStreams
  /** SIGTERM and wait for the exit; rejects when the exit code is not 0. */
  stop(): Promise<void>
  /** SIGKILL and wait (cleanup after a failure). */
  kill(): Promise<void>
}

/**
 * With SDMP_BENCH_PROFILE=<dir>, every daemon writes a V8 CPU profile there when it stops
 * gracefully (`stop()`, not `kill()`); read them with Chrome DevTools or any .cpuprofile reader.
 */
function profileArgs(): string[] {
  const dir = process.env['SDMP_BENCH_PROFILE']
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []
}

/**
 * Start `sdmp start` on loopback ports chosen by the OS and wait for its `--json` line
 * (docs/daemon.md §1). `startedAt` (performance.now()) is taken just before the spawn.
 * `env`: variables added to the clean environment (latency-probe.ts passes SDMP_TRACE);
 * `nodeArgs`: options for the daemon's node (reads-probe.ts passes an `--import`).
 */
export async function startDaemon(
  home: string,
  env: Readonly<Record<string, string>> = {},
  nodeArgs: readonly string[] = [],
): Promise<DaemonProc & { startedAt: number }> {
  const startedAt = performance.now()
  const proc = track(
    spawn(
      process.execPath,
      [
        ...profileArgs(),
        ...nodeArgs,
        BIN,
        'start',
        '--home',
        home,
        '--peer',
        '127.0.0.1:0',
        '--api',
        '127.0.0.1:0',
        '--json',
      ],
      { env: { ...ENV, ...env } },
    ),
  )
  let out = ''
  let err = ''
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  // Keep only the tail: connection events go to stderr for the daemon's whole life.
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)))
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)))
  let first: { peer: string; api: string } | undefined
  try {
    await waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`sdmp start exited: ${err}`)
        const nl = out.indexOf('\n')
        if (nl > 0) first = JSON.parse(out.slice(0, nl)) as { peer: string; api: string }
        return first !== undefined
      },
      { timeout: 30_000, what: 'the daemon to start' },
    )
  } catch (e) {
    // Never leave a daemon behind that nobody holds a handle to.
    if (proc.exitCode === null) proc.kill('SIGKILL')
    await exited
    throw e
  }
  const token = readFileSync(join(home, 'api-token'), 'utf8').trim()
  return {
    home,
    startedAt,
    pid: proc.pid!,
    api: first!.api,
    client: new SdmpHttpClient({ url: first!.api, token, fetch: keepAliveFetch() }),
    proc,
    async stop() {
      proc.kill('SIGTERM')
      const code = await exited
      if (code !== 0) throw new Error(`daemon ${home} exited ${code}: ${err}`)
    },
    async kill() {
      if (proc.exitCode === null) proc.kill('SIGKILL')
      await exited
    },
  }
}

/** Make two running users mutual contacts through their APIs (invite + addContact both ways). */
export const befriend = (a: DaemonProc, aName: string, b: DaemonProc, bName: string) =>
  befriendApis(a.client, aName, b.client, bName)

/**
 * Alice and Bob: two daemons on fresh homes under `dir`, contacts of each other and connected.
 * Each started daemon is pushed to `started` at once, so the caller's cleanup stops it even when
 * a later step fails. `env`, `nodeArgs`: for both daemons ({@link startDaemon}).
 */
export async function startFriends(
  dir: string,
  started: DaemonProc[],
  env: Readonly<Record<string, string>> = {},
  nodeArgs: readonly string[] = [],
): Promise<{ alice: DaemonProc; bob: DaemonProc }> {
  const [ha, hb] = await Promise.all([newHome(dir, 'alice'), newHome(dir, 'bob')])
  const alice = await startDaemon(ha, env, nodeArgs)
  started.push(alice)
  const bob = await startDaemon(hb, env, nodeArgs)
  started.push(bob)
  await befriend(alice, 'alice', bob, 'bob')
  const [au, bu] = await Promise.all([alice.client.whoami(), bob.client.whoami()])
  await waitConnected(alice, { user: bu.user! })
  await waitConnected(bob, { user: au.user! })
  return { alice, bob }
}

/**
 * Wait until `a` has a connected session with a node of `user` (or with node `node`).
 * @throws Error listing `a`'s peers (state, last error) when `timeout` ms pass first
 */
export async function waitConnected(
  a: DaemonProc,
  who: { user?: string; node?: string },
  timeout = 60_000,
): Promise<void> {
  let last: readonly Peer[] = []
  try {
    await waitFor(
      async () => {
        last = (await a.client.peers()).peers
        return last.some(
          (p) =>
            p.state === 'connected' &&
            (who.user === undefined || p.user === who.user) &&
            (who.node === undefined || p.node === who.node),
        )
      },
      { timeout, interval: 20, what: `a connection from ${a.home}` },
    )
  } catch (e) {
    const peers = last.map((p) => `${p.node?.slice(0, 8)} ${p.state} ${p.lastError ?? ''}`)
    throw new Error(`${(e as Error).message}; peers: ${peers.join('; ') || 'none'}`)
  }
}

/**
 * Arrival times of received `message` events on a daemon's SSE stream (`GET /v1/events`), keyed by
 * message id; `arrival(id)` resolves with the arrival time (performance.now()).
 */
export class MessageWatcher {
  readonly arrived = new Map<string, number>()
  readonly #waiters = new Map<string, { resolve(t: number): void; reject(e: Error): void }>()
  readonly #abort = new AbortController()
  #failure: Error | undefined
  readonly done: Promise<void>
  /** Told about every arrival (the load generator counts deliveries with it). */
  onMessage: ((id: string, at: number) => void) | undefined

  /**
   * `after`: the journal position to replay from (SSE Last-Event-ID), e.g. {@link journalHead}
   * taken before sending, so no message is missed while the stream connects.
   */
  constructor(client: SdmpHttpClient, after: number) {
    this.done = (async () => {
      try {
        // followEvents resumes after the last id it saw, so a dropped stream loses nothing.
        for await (const e of client.followEvents({
          signal: this.#abort.signal,
          retryMs: 50,
          after,
        })) {
          // Only received messages: a sender's own stream also lists what it sent.
          if (e.type !== 'message' || e.message.direction !== 'in') continue
          const at = performance.now()
          this.arrived.set(e.message.id, at)
          this.onMessage?.(e.message.id, at)
          this.#waiters.get(e.message.id)?.resolve(at)
          this.#waiters.delete(e.message.id)
        }
      } catch (e) {
        this.#failure = e instanceof Error ? e : new Error(String(e))
        for (const w of this.#waiters.values()) w.reject(this.#failure)
        this.#waiters.clear()
      }
    })()
  }

  /** The arrival time of message `id`. */
  arrival(id: string): Promise<number> {
    if (this.#failure) return Promise.reject(this.#failure)
    const t = this.arrived.get(id)
    if (t !== undefined) return Promise.resolve(t)
    return new Promise((resolve, reject) => this.#waiters.set(id, { resolve, reject }))
  }

  async close(): Promise<void> {
    this.#abort.abort()
    await this.done
  }
}

/** Resident set size of a process in MiB (VmRSS of /proc/PID/status). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(m[1]) / 1024
}

/**
 * Bytes a process has caused to be written to storage so far (`write_bytes` of /proc/PID/io:
 * page-cache pages dirtied by its writes, WAL and checkpoints included; stdout to a pipe is not).
 * Overcounts a file overwritten in place, such as a daemon's reserved WAL: {@link
 * deviceWrittenBytes} is what reached the disk.
 */
export function writtenBytes(pid: number): number {
  const m = /^write_bytes:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))
  if (!m) throw new Error(`no write_bytes for pid ${pid}`)
  return Number(m[1])
}

/**
 * Bytes written so far to the block device that holds `path` (sectors written, field 7 of
 * /sys/dev/block/MAJ:MIN/stat, times 512), or undefined where `path` is on no block device
 * (tmpfs, overlay). The daemons' figure of issue 14: `write_bytes` of /proc/PID/io counts pages
 * as they are dirtied, and on this kernel overwriting a file it already has (a WAL reserved at
 * open, docs/store.md §3) counted 368,576 bytes per two-page commit that wrote 28,978 bytes to
 * the device (docs/load.md §5 "Sixteenth pass"). Machine-wide: measure with nothing else writing.
 */
export function deviceWrittenBytes(path: string): number | undefined {
  const dev = statSync(path).dev
  // Linux dev_t (glibc's major()/minor()): major in bits 8-19 and 32+, minor in 0-7 and 20-31.
  const major = (Math.floor(dev / 256) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff)
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00)
  const stat = `/sys/dev/block/${major}:${minor}/stat`
  if (!existsSync(stat)) return undefined
  const sectors = Number(readFileSync(stat, 'utf8').trim().split(/\s+/)[6])
  return Number.isSafeInteger(sectors) ? sectors * 512 : undefined
}

/**
 * Bytes a home's SQLite store holds on disk: the database and its WAL (a stopped daemon has
 * checkpointed the WAL into the database; docs/store.md). With `running`, the size the database
 * will have once its WAL is checkpointed: a running daemon's WAL is reserved at its full size
 * with zeros (docs/store.md §3 "WAL reserved at open") and may hold pages written many times,
 * so its size says nothing of what it holds. That size is in the WAL's last commit frame.
 */
export function storeBytes(home: string, { running = false } = {}): number {
  const db = join(home, 'store', 'store.db')
  if (running) return checkpointedBytes(db)
  let total = 0
  for (const path of [db, `${db}-wal`]) if (existsSync(path)) total += statSync(path).size
  return total
}

/**
 * The database size after a checkpoint of its WAL: the page count of the last commit frame of
 * the WAL's current cycle, times the page size (sqlite.org/fileformat2.html §4.1: a frame whose
 * salts differ from the header's is from an earlier cycle, or zeros, and ends the log), or the
 * database file's size when the WAL holds no commit.
 */
function checkpointedBytes(db: string): number {
  let bytes = existsSync(db) ? statSync(db).size : 0
  const wal = `${db}-wal`
  if (!existsSync(wal)) return bytes
  const fd = openSync(wal, 'r')
  try {
    const head = Buffer.alloc(32)
    if (readSync(fd, head, 0, 32, 0) < 32) return bytes
    const pageSize = head.readUInt32BE(8)
    const [salt1, salt2] = [head.readUInt32BE(16), head.readUInt32BE(20)]
    const frame = Buffer.alloc(24)
    for (let at = 32; readSync(fd, frame, 0, 24, at) === 24; at += 24 + pageSize) {
      if (frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) break
      const pages = frame.readUInt32BE(4)
      if (pages > 0) bytes = pages * pageSize
    }
  } finally {
    closeSync(fd)
  }
  return bytes
}

/**
 * utime + stime (fields 14 and 15, in clock ticks) of a /proc/PID/stat line (proc(5)).
 * @throws Error when the line does not have them
 */
export function statCpuTicks(stat: string): number {
  // Field 2 (comm) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const [utime, stime] = [Number(fields[11]), Number(fields[12])]
  if (stat.lastIndexOf(')') < 0 || !Number.isSafeInteger(utime) || !Number.isSafeInteger(stime))
    throw new Error(`not a /proc/PID/stat line: ${stat.slice(0, 80)}`)
  return utime + stime
}

let clockTicks: number | undefined
/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100
  return statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / clockTicks
}

/** RSS once it settles: two consecutive equal readings (polling), or the last after `timeout`. */
export async function settledRssMiB(pid: number, timeout = 10_000): Promise<number> {
  let last = rssMiB(pid)
  let settled = last
  await waitFor(
    () => {
      const now = rssMiB(pid)
      const same = now === last
      last = now
      settled = now
      return same
    },
    { timeout, interval: 250, what: 'RSS to settle' },
  ).catch(() => undefined)
  return settled
}

/** Run `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T>(
  items: number,
  limit: number,
  fn: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = new Array<T>(items)
  let next = 0
  const worker = async () => {
    while (next < items) {
      const i = next++
      out[i] = await fn(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items) }, worker))
  return out
}

/** The resource ids in a daemon's journal (lines `lineId@user/resourceId`, docs/protocol/journal.md). */
export async function journalIds(d: DaemonProc): Promise<Set<string>> {
  const ids = new Set<string>()
  let after = 0
  for (;;) {
    const { lines } = await d.client.journal({ after, limit: 1000 })
    if (lines.length === 0) return ids
    for (const l of lines) if (l.line.includes('/')) ids.add(l.line.slice(l.line.indexOf('/') + 1))
    after = lines[lines.length - 1]!.position
  }
}

/** The position of a daemon's newest journal line. */
export async function journalHead(d: DaemonProc): Promise<number> {
  let after = 0
  for (;;) {
    const { lines } = await d.client.journal({ after, limit: 1000 })
    if (lines.length === 0) return after
    after = lines[lines.length - 1]!.position
  }
}
