/**
 * `sdmp whoami`: the user and node fingerprints, the URI and the listen addresses. Reads only
 * config.json (no store, no passphrase) and daemon.json (the running daemon, if any), so it is
 * fast and works while a daemon holds the home.
 * @module
 */
import type { Command } from '../command.js'

/** `sdmp whoami`. */
export const whoamiCommand: Command = {
  name: 'whoami',
  summary: 'show your user and node fingerprints, URI and listen addresses',
  usage: 'whoami [--json]',
  options: {},
  details: [
    'The user is null on a device created with --join until its trust has arrived by sync.',
    'While a daemon runs on this home, `running` holds its pid and bound addresses.',
  ].join('\n'),
  async run(ctx) {
    const { readDaemonInfo, readHomeConfig, readRevocation, describeRevocation } = await import(
      '@sdmp/daemon/home'
    )
    const c = readHomeConfig(ctx.home)
    const d = readDaemonInfo(ctx.home)
    const r = readRevocation(ctx.home)
    const revoked = r && { at: r.at, by: r.by, message: describeRevocation(r) }
    const value = {
      user: c.user,
      node: c.node,
      uri: c.user === null ? null : `sdmp://${c.user}`,
      ...(c.name !== undefined && { name: c.name }),
      ...(c.address !== undefined && { address: c.address }),
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
      ...(c.name === undefined ? [] : [`${b('name')}  ${c.name}`]),
      ...(c.address === undefined ? [] : [`${b('addr')}  ${c.address}`]),
      `${b('peer')}  ${c.listen.peer}`,
      `${b('api ')}  http://${c.listen.api}`,
      ...(d === undefined
        ? []
        : [`${b('run ')}  daemon pid ${d.pid}: peer ${d.peer}, api ${d.api}`]),
    ].join('\n')
    return { value, text }
  },
}
