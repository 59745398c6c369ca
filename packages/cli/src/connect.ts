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
  const daemon = await daemonApi(ctx.home)
  if (daemon !== undefined) return fn(daemon, 'daemon')
  const { openNodeService } = await import('@sdmp/node')
  const { accountDeps } = await import('./commands/account-session.js')
  const service = await openNodeService(accountDeps(ctx))
  try {
    return await fn(service.api, 'direct')
  } finally {
    await service.close()
  }
}

/** The HTTP client of the home's running daemon, or undefined when none answers. */
async function daemonApi(home: string): Promise<SdmpApi | undefined> {
  const { readDaemonInfo, readApiToken } = await import('@sdmp/node/home')
  const info = readDaemonInfo(home)
  if (info === undefined) return undefined
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
  const { httpFetch } = await import('./http-fetch.js')
  const api = new SdmpHttpClient({ url: info.api, token, fetch: httpFetch })
  try {
    await api.whoami()
  } catch (e) {
    if ((e as { code?: unknown }).code === 'UNAVAILABLE') return undefined
    throw e
  }
  return api
}
