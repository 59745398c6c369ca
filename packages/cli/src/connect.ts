/**
 * How a command reaches its node: through the API of a daemon running on the same home, or,
 * when none answers, by opening the home's store directly (locked, so never two writers).
 * Both sides implement the one `SdmpApi` contract (packages/client/src/types.ts), so a command
 * is written once (docs/cli.md §1 "Daemon or direct").
 *
 * Heavy modules (the HTTP client, the node service, the SQLite store) are imported inside
 * `withApi`, so `sdmp --help` and `sdmp whoami` never load them.
 * @module
 */
import type { SdmpApi } from '@sdmp/client'
import type { CommandContext } from './command.js'
import { CliError } from './cli-error.js'
import { PROTOCOL_EXIT_CODES } from './exit-codes.js'

/** Where the API came from: a running daemon's HTTP API, or the store opened in this process. */
export type ApiVia = 'daemon' | 'direct'

/**
 * Run `fn` against the home's node. A daemon announced in `<home>/daemon.json` (alive pid) is
 * used when it answers a first `whoami`; a daemon that does not answer (UNAVAILABLE: refused
 * or reset connection) counts as absent and the store is opened directly, where the store
 * lock reports a process that still holds it (`IN_USE`, exit 75). Direct mode closes the node
 * service after `fn`, whatever happens, releasing the lock.
 */
export async function withApi<T>(
  ctx: CommandContext,
  fn: (api: SdmpApi, via: ApiVia) => Promise<T>,
): Promise<T> {
  const daemon = await daemonApi(ctx)
  if (daemon !== undefined) return fn(daemon, 'daemon')
  const { openNodeService } = await import('@sdmp/daemon')
  const { accountDeps, addressLookupOf } = await import('./commands/account-session.js')
  const service = await openNodeService(accountDeps(ctx), { addressLookup: addressLookupOf(ctx) })
  try {
    return await fn(service.api, 'direct')
  } finally {
    await service.close()
  }
}

/**
 * The HTTP client of the home's running daemon, or undefined when none answers. Commands reach
 * the daemon only through the Unix domain socket named in daemon.json (inside the 0700 home, or
 * this user's 0700 runtime directory), never through its TCP port: after a `kill -9` that port
 * may belong to someone else, who would receive the token and the message (docs/cli.md §1). A
 * stale file (the pid is gone, the socket does not answer, or it names no socket) is ignored
 * with a line on stderr (unless `quiet`: `whoami` says nothing), and the command opens the
 * store directly.
 */
export async function daemonApi(
  ctx: CommandContext,
  options: { quiet?: boolean } = {},
): Promise<SdmpApi | undefined> {
  const home = ctx.home
  const { readDaemonInfo, readApiToken, processAlive, checkApiSocket } = await import(
    '@sdmp/daemon/home'
  )
  const info = readDaemonInfo(home, { checkAlive: false })
  if (info === undefined) return undefined
  const stale = (why: string): undefined => {
    if (options.quiet !== true)
      ctx.err(`sdmp: ignoring a stale daemon.json (pid ${info.pid}: ${why})`)
    return undefined
  }
  if (!processAlive(info.pid)) return stale('the process is gone')
  if (info.socket === undefined) return stale('it names no socket: an older daemon')
  checkApiSocket(home, info.socket)
  let token: string
  try {
    token = readApiToken(home)
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'error'
    throw new CliError(
      'NOT_FOUND',
      `a daemon runs on ${home} but its api-token cannot be read (${why})`,
      PROTOCOL_EXIT_CODES.NOT_FOUND,
    )
  }
  const { SdmpHttpClient } = await import('@sdmp/client')
  const { socketFetch } = await import('./http-fetch.js')
  const api = new SdmpHttpClient({
    url: 'http://localhost',
    token,
    fetch: socketFetch(info.socket),
  })
  try {
    await api.whoami()
  } catch (e) {
    if ((e as { code?: unknown }).code === 'UNAVAILABLE')
      return stale('no daemon answers on its socket')
    throw e
  }
  return api
}
