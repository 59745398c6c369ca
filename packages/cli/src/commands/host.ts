/**
 * `sdmp host …`: a host for many unrelated users (docs/scale.md "A host for many users",
 * docs/cli.md "sdmp host"). `init` makes the host home, `add-user` a hosted user's node (then
 * joins it with the user's invite), `list`, `remove-user`, and `start` runs every hosted user's
 * node in one process behind one port. The database driver is imported inside `run`.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command, CommandContext } from '../command.js'
import { CliError } from '../cli-error.js'
import { stopSignal } from '../stop-signal.js'
import { EXIT, PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

/** The host file a running `host start` keeps (its pid), per instance. */
const RUNNING_FILE = 'host-daemon.json'

/** The host's operations bound to PostgreSQL: one pool and one listener for every tenant. */
async function hostSession(ctx: CommandContext, maxConnections?: number) {
  const { readHostConfig } = await import('@sdmp/daemon/host')
  const { createSharedPostgres } = await import('@sdmp/store-postgres')
  const { createNodeProvider } = await import('@sdmp/crypto-node')
  const { passphraseOf } = await import('./account-session.js')
  const config = readHostConfig(ctx.home)
  const provider = createNodeProvider()
  const pg = createSharedPostgres({
    url: config.store,
    applicationName: 'sdmp-host',
    ...(maxConnections !== undefined && { maxConnections }),
  })
  const passphrase = passphraseOf(ctx)
  const deps = {
    home: ctx.home,
    provider,
    createStore: (schema: string) => pg.store({ schema, sha512: provider.sha512 }),
    dropSchema: async (schema: string) => {
      await pg.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    },
    ...(passphrase !== undefined && { passphrase }),
  }
  return { config, deps, pg }
}

/** Run `fn` with a host session, closing its pool afterwards whatever happens. */
async function withHost<T>(
  ctx: CommandContext,
  fn: (s: Awaited<ReturnType<typeof hostSession>>) => Promise<T>,
): Promise<T> {
  const s = await hostSession(ctx)
  try {
    return await fn(s)
  } finally {
    await s.pg.close()
  }
}

/** Refuse to change tenants while a `host start` of this home runs. */
async function assertStopped(ctx: CommandContext): Promise<void> {
  const running = await runningHosts(ctx)
  if (running.length > 0)
    throw new CliError(
      'IN_USE',
      `the host runs (pid ${running.join(', ')}): stop it first`,
      PROTOCOL_EXIT_CODES.IN_USE,
    )
}

/** The pids of this home's running `host start` processes. */
async function runningHosts(ctx: CommandContext): Promise<number[]> {
  const dirs = [ctx.home]
  const instances = join(ctx.home, 'instances')
  if (existsSync(instances)) for (const i of readdirSync(instances)) dirs.push(join(instances, i))
  return dirs.flatMap((d) => runningPid(join(d, RUNNING_FILE)) ?? [])
}

/** The pid a running file names, when that process is alive. */
function runningPid(file: string): number | undefined {
  let pid: number
  try {
    pid = Number(JSON.parse(readFileSync(file, 'utf8')).pid)
  } catch {
    return undefined // none, or unreadable: not running
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined
  }
}

const positiveInt = (ctx: CommandContext, name: string): number | undefined => {
  const v = ctx.options[name] as string | undefined
  if (v === undefined) return undefined
  if (!/^[1-9][0-9]{0,15}$/.test(v))
    throw new CliError('BAD_REQUEST', `--${name}: expected a positive integer`, EXIT.USAGE)
  return Number(v)
}

const hostInitCommand: Command = {
  name: 'init',
  summary: 'create a host home for many users (host.json) on a PostgreSQL database',
  usage:
    'host init --store postgres://USER@HOST:PORT/DB [--domain DOMAIN] [--schema-prefix P] [--quota-bytes N] [--quota-messages N] [--json]',
  options: {
    store: {
      type: 'string',
      valueName: 'URL',
      description: 'the database every hosted user is kept in, one schema each (no password)',
    },
    domain: {
      type: 'string',
      valueName: 'DOMAIN',
      description: 'serve /.well-known/sdmp/NAME only for addresses of this domain',
    },
    'schema-prefix': {
      type: 'string',
      valueName: 'P',
      description: "prefix of the hosted users' schema names (default u_)",
    },
    'quota-bytes': {
      type: 'string',
      valueName: 'N',
      description: 'bytes stored per hosted user before deliveries are refused (default 512 MiB)',
    },
    'quota-messages': {
      type: 'string',
      valueName: 'N',
      description:
        'resources stored per hosted user before deliveries are refused (default 100000)',
    },
  },
  details: [
    'Creates the host home (--home, else SDMP_HOME): host.json and users/. Every hosted user gets',
    'a node of its own there (sdmp host add-user), kept in a schema of its own in this database.',
  ].join('\n'),
  async run(ctx) {
    const { newHostConfig, writeNewHost } = await import('@sdmp/daemon/host')
    const store = ctx.options['store'] as string | undefined
    if (store === undefined)
      throw new CliError('BAD_REQUEST', 'host init needs --store postgres://…', EXIT.USAGE)
    const bytes = positiveInt(ctx, 'quota-bytes')
    const messages = positiveInt(ctx, 'quota-messages')
    let config
    try {
      config = newHostConfig({
        store,
        ...(typeof ctx.options['domain'] === 'string' && { domain: ctx.options['domain'] }),
        ...(typeof ctx.options['schema-prefix'] === 'string' && {
          schemaPrefix: ctx.options['schema-prefix'],
        }),
        quota: {
          ...(bytes !== undefined && { maxBytesPerUser: bytes }),
          ...(messages !== undefined && { maxMessagesPerUser: messages }),
        },
      })
    } catch (e) {
      throw new CliError('BAD_REQUEST', (e as Error).message, EXIT.USAGE)
    }
    writeNewHost(ctx.home, config)
    const { store: _url, ...shown } = config
    return {
      value: { home: ctx.home, ...shown },
      text: `host home at ${ctx.home}\nNext: sdmp host add-user (once per hosted user)`,
    }
  },
}

const hostAddUserCommand: Command = {
  name: 'add-user',
  summary: "make a hosted user's node, or with INVITE join it to its user",
  usage: 'host add-user [--name NAME] | host add-user INVITE [--json]',
  args: [{ name: 'INVITE' }],
  options: {
    name: {
      type: 'string',
      valueName: 'NAME',
      description: "the hosted user's name on this host (a-z 0-9 _; default u + 10 hex digits)",
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'Without INVITE: makes a node of its own for a new hosted user, in its own schema, and prints',
    "its join request. On one of the user's devices run",
    '  sdmp device authorize REQUEST --host-only',
    'then sdmp invite there, and here sdmp host add-user INVITE: the waiting node the invite lists',
    'joins its user (as sdmp device join). Run it with the host stopped, then start it again.',
  ].join('\n'),
  async run(ctx) {
    const { createTenant, joinTenant } = await import('@sdmp/daemon/host')
    await assertStopped(ctx)
    const invite = ctx.args[0]
    if (invite !== undefined && ctx.options['name'] !== undefined)
      throw new CliError('BAD_REQUEST', '--name goes without INVITE', EXIT.USAGE)
    return withHost(ctx, async ({ deps }) => {
      if (invite !== undefined) {
        const { explainDamagedInvite, readInvite } = await import('./invite-input.js')
        const text = readInvite(ctx, invite, 'host add-user')
        const joined = await explainDamagedInvite(ctx, () => joinTenant(deps, text))
        return {
          value: joined,
          text: `${joined.name}: node ${short(joined.node)} now hosts user ${short(joined.user)}`,
        }
      }
      const name = ctx.options['name'] as string | undefined
      const made = await createTenant(deps, name)
      return {
        value: made,
        text: [
          `${made.name}: node ${made.node}`,
          '',
          "On one of the user's devices, run:",
          `  sdmp device authorize ${made.request} --host-only`,
          'then make an invite there (sdmp invite) and run here:',
          '  sdmp host add-user INVITE',
        ].join('\n'),
      }
    })
  },
}

const hostListCommand: Command = {
  name: 'list',
  summary: 'the hosted users: names, fingerprints, addresses and what each one stores',
  usage: 'host list [--json]',
  options: {},
  async run(ctx) {
    const { listTenants } = await import('@sdmp/daemon/host')
    return withHost(ctx, async ({ deps, config }) => {
      const users = await listTenants(deps)
      const lines = users.map(
        (u) =>
          `${u.name}  ${u.user === null ? 'waiting for add-user INVITE' : short(u.user)}  ${u.address ?? '-'}  ${u.resources} resources, ${u.bytes} bytes`,
      )
      return {
        value: { users, quota: config.quota },
        text: lines.length > 0 ? lines.join('\n') : 'no hosted users (sdmp host add-user)',
      }
    })
  },
}

const hostRemoveUserCommand: Command = {
  name: 'remove-user',
  summary: "remove a hosted user: its node's homes and its schema with everything stored",
  usage: 'host remove-user NAME|FINGERPRINT [--json]',
  args: [{ name: 'NAME', required: true }],
  options: {},
  details:
    'Takes the name, the node fingerprint or the user fingerprint. Run it with the host stopped.',
  async run(ctx) {
    const { removeTenant } = await import('@sdmp/daemon/host')
    await assertStopped(ctx)
    return withHost(ctx, async ({ deps }) => {
      const removed = await removeTenant(deps, ctx.args[0]!)
      return { value: removed, text: `removed ${removed.name} (node ${short(removed.node)})` }
    })
  },
}

const hostStartCommand: Command = {
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

/** `sdmp host`: a host for many unrelated users. */
export const hostCommand: Command = {
  name: 'host',
  summary: 'run a host for many users: one node per hosted user, one process, one port',
  usage: 'host init|add-user|list|remove-user|start [--json]',
  options: {},
  subcommands: [
    hostInitCommand,
    hostAddUserCommand,
    hostListCommand,
    hostRemoveUserCommand,
    hostStartCommand,
  ],
}
