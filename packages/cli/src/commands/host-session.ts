/**
 * What the `sdmp host` commands (host.ts, host-start.ts) share: the host's operations bound to
 * PostgreSQL (its driver imported only here, when a command runs), the running-instance check
 * and option parsing.
 * @module
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandContext } from '../command.js'
import { CliError } from '../cli-error.js'
import { EXIT, PROTOCOL_EXIT_CODES } from '../exit-codes.js'

/** The host file a running `host start` keeps (its pid), per instance. */
export const RUNNING_FILE = 'host-daemon.json'

/** The host's operations bound to PostgreSQL: one pool and one listener for every tenant. */
export async function hostSession(ctx: CommandContext, maxConnections?: number) {
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
    // One instance of the host dials the hosted users' peers (docs/scale.md §9).
    lease: (name: string) => pg.lease(name),
    ...(passphrase !== undefined && { passphrase }),
  }
  return { config, deps, pg }
}

/** Run `fn` with a host session, closing its pool afterwards whatever happens. */
export async function withHost<T>(
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
export async function assertStopped(ctx: CommandContext): Promise<void> {
  const running = await runningHosts(ctx)
  if (running.length > 0)
    throw new CliError(
      'IN_USE',
      `the host runs (pid ${running.join(', ')}): stop it first`,
      PROTOCOL_EXIT_CODES.IN_USE,
    )
}

/** The pids of this home's running `host start` processes. */
export async function runningHosts(ctx: CommandContext): Promise<number[]> {
  const dirs = [ctx.home]
  const instances = join(ctx.home, 'instances')
  if (existsSync(instances)) for (const i of readdirSync(instances)) dirs.push(join(instances, i))
  return dirs.flatMap((d) => runningPid(join(d, RUNNING_FILE)) ?? [])
}

/** The pid a running file names, when that process is alive. */
export function runningPid(file: string): number | undefined {
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

/** The positive integer option `--NAME`, if given. @throws CliError usage */
export const positiveInt = (ctx: CommandContext, name: string): number | undefined => {
  const v = ctx.options[name] as string | undefined
  if (v === undefined) return undefined
  if (!/^[1-9][0-9]{0,15}$/.test(v))
    throw new CliError('BAD_REQUEST', `--${name}: expected a positive integer`, EXIT.USAGE)
  return Number(v)
}
