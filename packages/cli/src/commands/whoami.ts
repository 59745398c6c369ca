/**
 * `sdmp whoami`: the user and node fingerprints, the URI and the listen addresses, from
 * config.json and daemon.json, so it answers while a daemon holds the home and needs no
 * passphrase. The display name and the claimed address come from the newest profile (it may
 * have been published on another device and arrived by sync: docs/protocol/addresses.md §2),
 * read like other commands read the node: through the running daemon's API, else from the
 * store opened on its own (no vault); config.json's values when neither can be read.
 * @module
 */
import type { Command, CommandContext } from '../command.js'

/** The newest profile's name and address, or undefined when it cannot be read now. */
async function syncedProfile(
  ctx: CommandContext,
  user: string,
): Promise<{ name?: string; address?: string } | undefined> {
  const { daemonApi } = await import('../connect.js')
  const api = await daemonApi(ctx, { quiet: true })
  if (api !== undefined) {
    const w = await api.whoami()
    return {
      ...(w.name !== undefined && { name: w.name }),
      ...(w.address !== undefined && { address: w.address }),
    }
  }
  const { readHomeProfile } = await import('@sdmp/daemon/account')
  const { accountDeps } = await import('./account-session.js')
  try {
    // The home's store as every command opens it (its PostgreSQL schema, or SQLite).
    return await readHomeProfile(accountDeps(ctx), user)
  } catch (e) {
    // Another command holds the store for a moment: whoami still answers, from config.json.
    if ((e as { code?: unknown }).code === 'IN_USE') return undefined
    throw e
  }
}

/** `sdmp whoami`. */
export const whoamiCommand: Command = {
  name: 'whoami',
  summary: 'show your user and node fingerprints, URI and listen addresses',
  usage: 'whoami [--json]',
  options: {},
  details: [
    'The user is null on a device created with --join until its trust has arrived by sync.',
    'While a daemon runs on this home, `running` holds its pid and bound addresses.',
    'The name and address are those of your newest profile, wherever it was published.',
  ].join('\n'),
  async run(ctx) {
    const { readDaemonInfo, readHomeConfig, readRevocation, describeRevocation } = await import(
      '@sdmp/daemon/home'
    )
    const c = readHomeConfig(ctx.home)
    const p = c.user === null ? undefined : await syncedProfile(ctx, c.user)
    const name = p === undefined ? c.name : (p.name ?? c.name)
    const address = p === undefined ? c.address : p.address
    const d = readDaemonInfo(ctx.home)
    const r = readRevocation(ctx.home)
    const revoked = r && { at: r.at, by: r.by, message: describeRevocation(r) }
    const value = {
      user: c.user,
      node: c.node,
      uri: c.user === null ? null : `sdmp://${c.user}`,
      ...(name !== undefined && { name }),
      ...(address !== undefined && { address }),
      listen: c.listen,
      ...(d !== undefined && { running: { peer: d.peer, api: d.api, pid: d.pid } }),
      ...(revoked !== undefined && { revoked }),
    }
    const b = ctx.style.bold
    const text = [
      ...(revoked === undefined ? [] : [ctx.style.bad(revoked.message)]),
      `${b('user')}  ${c.user ?? ctx.style.warn('(waiting for authorization)')}`,
      `${b('node')}  ${c.node}`,
      ...(value.uri === null ? [] : [`${b('uri ')}  ${value.uri}`]),
      ...(name === undefined ? [] : [`${b('name')}  ${name}`]),
      ...(address === undefined ? [] : [`${b('addr')}  ${address}`]),
      `${b('peer')}  ${c.listen.peer}`,
      `${b('api ')}  http://${c.listen.api}`,
      ...(d === undefined
        ? []
        : [`${b('run ')}  daemon pid ${d.pid}: peer ${d.peer}, api ${d.api}`]),
    ].join('\n')
    return { value, text }
  },
}
