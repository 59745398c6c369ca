/**
 * `sdmp host start` (docs/cli.md "sdmp host"): runs every hosted user's node in one process
 * behind one port until SIGINT or SIGTERM, with its listen option and its event log lines.
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command, CommandContext } from '../command.js'
import { CliError } from '../cli-error.js'
import { stopSignal } from '../stop-signal.js'
import { boundHeapGrowth } from '../heap-growth.js'
import { EXIT, PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'
import { RUNNING_FILE, hostSession, positiveInt, runningPid } from './host-session.js'

/** `sdmp host start`: every hosted user's node in this process, behind one port. */
export const hostStartCommand: Command = {
  name: 'start',
  summary: "run every hosted user's node in this process behind one port until stopped",
  usage:
    'host start [--listen HOST:PORT] [--public-url URL] [--instance NAME] [--max-connections N] [--json]',
  options: {
    listen: {
      type: 'string',
      valueName: 'HOST:PORT',
      description:
        'the one port: peers at /v1/peer/<node>, /.well-known/sdmp/NAME (default 0.0.0.0:7420)',
    },
    port: {
      type: 'string',
      valueName: 'PORT',
      description: 'shorthand for --listen 0.0.0.0:PORT',
    },
    'public-url': {
      type: 'string',
      valueName: 'URL',
      description:
        'the https:// URL a reverse proxy serves this host at (tenants publish wss://HOST/v1/peer/<node>)',
    },
    instance: {
      type: 'string',
      valueName: 'NAME',
      description:
        'one more instance of this host on the same database (a-z 0-9 -); each serves every user',
    },
    'max-connections': {
      type: 'string',
      valueName: 'N',
      description:
        'database connections this process opens for all hosted users together (default 20)',
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'Prints "host listening on http://HOST:PORT" and one line per hosted user (with --json a first',
    'line {"url":...,"users":[{name,node,user,address}]}). Every hosted user is a node of its own',
    '(trusts, admission and visibility per user); this process holds one database pool and one',
    'LISTEN connection for all of them. Several `host start --instance NAME` on the same home and',
    'database serve every user, and what one instance stores reaches the others at once.',
    'SIGINT or SIGTERM stops it.',
  ].join('\n'),
  async run(ctx) {
    // A node runs for days: its heap stays near what is live (docs/daemon.md §4 "Memory").
    boundHeapGrowth()
    const { Host } = await import('@sdmp/daemon/host')
    const listen = listenOf(ctx)
    const instance = ctx.options['instance'] as string | undefined
    if (instance !== undefined && !/^[a-z0-9][a-z0-9-]{0,31}$/.test(instance))
      throw new CliError('BAD_REQUEST', '--instance: a-z 0-9 and -, 32 at most', EXIT.USAGE)
    const runDir = instance === undefined ? ctx.home : join(ctx.home, 'instances', instance)
    const runFile = join(runDir, RUNNING_FILE)
    const running = runningPid(runFile)
    if (running !== undefined)
      throw new CliError(
        'IN_USE',
        `this host instance runs already (pid ${running}): give another --instance`,
        PROTOCOL_EXIT_CODES.IN_USE,
      )
    const session = await hostSession(ctx, positiveInt(ctx, 'max-connections') ?? 20)
    let host: Awaited<ReturnType<typeof Host.start>>
    try {
      mkdirSync(runDir, { recursive: true, mode: 0o700 })
      const publicUrl = ctx.options['public-url'] as string | undefined
      host = await Host.start({
        deps: session.deps,
        listen,
        ...(instance !== undefined && { instance }),
        ...(publicUrl !== undefined && { publicUrl }),
        event: (name, detail) => logHostEvent(ctx, name, detail),
      })
      writeFileSync(runFile, `${JSON.stringify({ pid: process.pid, url: host.url })}\n`, {
        mode: 0o600,
      })
    } catch (e) {
      await session.pg.close()
      throw e
    }
    const users = host.tenants.map((t) => ({
      name: t.name,
      node: t.node,
      user: t.user,
      address: t.address,
    }))
    const stopped = stopSignal()
    if (ctx.json) ctx.out(JSON.stringify({ url: host.url, users }))
    else {
      ctx.out(`host listening on ${host.url}`)
      for (const u of users) ctx.out(`${u.name}  ${short(u.user)}  peers at ${u.address}`)
    }
    const signal = await stopped
    ctx.err(`sdmp: ${signal}: stopping`)
    try {
      await host.stop()
    } finally {
      await session.pg.close()
      rmSync(runFile, { force: true })
    }
    return { value: { stopped: true, signal }, text: 'stopped' }
  },
}

/** `--listen HOST:PORT` or `--port P` (0 picks one). @throws CliError usage */
function listenOf(ctx: CommandContext): { host: string; port: number } {
  const port = ctx.options['port'] as string | undefined
  const listen = ctx.options['listen'] as string | undefined
  if (port !== undefined && listen !== undefined)
    throw new CliError('BAD_REQUEST', '--port and --listen exclude each other', EXIT.USAGE)
  const text = listen ?? `0.0.0.0:${port ?? '7420'}`
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text)
  const p = m ? Number(m[2]) : -1
  if (!m || p > 65535)
    throw new CliError('BAD_REQUEST', `--listen: expected HOST:PORT, got ${text}`, EXIT.USAGE)
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: p }
}

/** The host's and its users' notable events, one short line each on stderr. */
function logHostEvent(ctx: CommandContext, name: string, d: Record<string, unknown>): void {
  const tenant = typeof d['tenant'] === 'string' ? `${d['tenant']}: ` : ''
  const peer = typeof d['peer'] === 'string' ? short(d['peer']) : '?'
  if (name === 'connected') ctx.err(`${tenant}peer ${peer} connected (${String(d['role'])})`)
  else if (name === 'disconnected')
    ctx.err(`${tenant}peer ${peer} disconnected (${String(d['reason'])})`)
  else if (['follow-error', 'network-error', 'sync-error', 'penalty'].includes(name))
    ctx.err(`${tenant}${name} (${String(d['code'] ?? d['reason'] ?? '')})`)
  else if (name === 'tenant-started') ctx.err(`${tenant}started`)
}
