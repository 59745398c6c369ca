/**
 * Test helper: real `sdmp` homes and daemons as child processes on loopback (port 0), each
 * with an API client. Every daemon started here is stopped by {@link stopAllDaemons}.
 * @module
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SdmpHttpClient } from '@sdmp/client'
import { TEST_LOG_DIR_ENV, registerSecret, tmpDir, waitFor } from '@sdmp/testkit'
import { befriendApis, waitPeer } from '@sdmp/testkit/daemon-world'
import { BIN, linesOf, runSdmp } from './run-sdmp.js'

/** A started daemon. */
export interface DaemonProc {
  readonly home: string
  /** The peer address it printed; '' when it listens for none (`--no-listen`). */
  readonly peer: string
  readonly api: string
  readonly client: SdmpHttpClient
  readonly proc: ChildProcessWithoutNullStreams
  /** Everything the daemon wrote on stderr so far. */
  stderr(): string
  /** SIGTERM and wait for a clean exit (code 0). */
  stop(): Promise<void>
  /** SIGKILL and wait. */
  kill(): Promise<void>
}

const running = new Set<DaemonProc>()

/** Run sdmp with a home and no inherited SDMP_* variables; assert success; return stdout JSON. */
export async function sdmpJson(home: string, args: readonly string[]): Promise<any> {
  const r = await runSdmp([...args, '--home', home, '--json'])
  assert.equal(r.code, 0, `sdmp ${args.join(' ')} failed: ${r.stderr}`)
  return JSON.parse(linesOf(r.stdout)[0]!)
}

/** A new home (`sdmp init --name NAME`) in a fresh temporary directory. */
export async function newHome(
  after: (fn: () => void) => void,
  name: string,
  args: readonly string[] = [],
): Promise<string> {
  const home = join(tmpDir(after, `sdmp-${name}-`), 'home')
  await sdmpJson(home, ['init', '--name', name, ...args])
  return home
}

/** A joined device's home (`sdmp init --join --name NAME`) and its join request. */
export async function newJoinedHome(
  after: (fn: () => void) => void,
  name: string,
): Promise<{ home: string; request: string }> {
  const home = join(tmpDir(after, `sdmp-${name}-`), 'home')
  const { request } = await sdmpJson(home, ['init', '--join', '--name', name])
  return { home, request }
}

/**
 * Start `sdmp start` on loopback ports chosen by the OS and wait for its first JSON line
 * (`--one-port` or `--no-listen` in `extra` replaces `--peer`); `env` adds variables (a test CA, for example).
 */
export async function startDaemon(
  home: string,
  extra: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<DaemonProc> {
  const peer =
    extra.includes('--one-port') || extra.includes('--no-listen') ? [] : ['--peer', '127.0.0.1:0']
  const proc = spawn(
    process.execPath,
    [BIN, 'start', '--home', home, ...peer, '--api', '127.0.0.1:0', '--json', ...extra],
    { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env } },
  )
  let out = ''
  let err = ''
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  // Issue 6: every daemon's stderr joins the run's logs, which run-tests.mjs scans for secrets.
  const logDir = process.env[TEST_LOG_DIR_ENV]
  if (logDir && proc.pid !== undefined) {
    const log = createWriteStream(join(logDir, `daemon-${proc.pid}.log`))
    proc.stderr.on('data', (d: string) => log.write(d))
    proc.stderr.on('end', () => log.end())
  }
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)))
  let first: { peer: string | null; api: string } | undefined
  await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`sdmp start exited: ${err}`)
      const line = out.split('\n')[0]
      if (out.includes('\n') && line) first = JSON.parse(line)
      return first !== undefined
    },
    { timeout: 20_000, what: 'the daemon to start' },
  )
  const token = readFileSync(join(home, 'api-token'), 'utf8').trim()
  registerSecret(token, `api-token of ${home}`)
  const d: DaemonProc = {
    home,
    peer: first!.peer ?? '',
    api: first!.api,
    client: new SdmpHttpClient({ url: first!.api, token }),
    proc,
    stderr: () => err,
    async stop() {
      running.delete(d)
      proc.kill('SIGTERM')
      const code = await exited
      assert.equal(code, 0, `daemon exit code ${code}: ${err}`)
    },
    async kill() {
      running.delete(d)
      proc.kill('SIGKILL')
      await exited
    },
  }
  running.add(d)
  return d
}

/** Stop every daemon still running (test cleanup). */
export async function stopAllDaemons(): Promise<void> {
  await Promise.all([...running].map((d) => d.kill()))
}

/** Make two running users mutual contacts through their APIs. */
export const befriend = (a: DaemonProc, aName: string, b: DaemonProc, bName: string) =>
  befriendApis(a.client, aName, b.client, bName)

/** Wait until `a` has a connected session with a node of user `user`. */
export const waitConnected = (a: DaemonProc, user: string, timeoutMs = 20_000) =>
  waitPeer(a.client, (p) => p.user === user, {
    timeout: timeoutMs,
    what: `a connection from ${a.home} to ${user}`,
  })

/** The resource ids in a daemon's journal. */
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
