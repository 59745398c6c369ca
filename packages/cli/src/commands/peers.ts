/**
 * `sdmp peers`: the peers of this node and their connection state (docs/cli.md "Sync").
 * Without a daemon the list holds the known addresses, all offline.
 * @module
 */
import type { Peer } from '@sdmp/client'
import type { Command } from '../command.js'
import type { Style } from '../output.js'
import { formatColumns } from '../output.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

/** The peers as aligned columns: node, user, address, state, direction, last error. */
export function formatPeers(peers: readonly Peer[], style: Style): string {
  if (peers.length === 0)
    return 'no peers known (a contact appears once it has added you too and has an address)'
  const paint = {
    connected: style.ok,
    connecting: style.warn,
    backoff: style.warn,
    offline: style.dim,
  }
  const rows = peers.map((p) => [
    p.node === null ? '-' : short(p.node),
    p.user === null ? '-' : short(p.user),
    p.address ?? '-',
    { text: p.state, paint: paint[p.state] },
    p.direction ?? '-',
    p.lastError ?? '',
  ])
  return formatColumns([['NODE', 'USER', 'ADDRESS', 'STATE', 'DIRECTION', 'ERROR'], ...rows]).join(
    '\n',
  )
}

/** `sdmp peers`. */
export const peersCommand: Command = {
  name: 'peers',
  summary: 'list the peers of this node and their state',
  usage: 'peers [--json]',
  options: { ...ACCOUNT_OPTIONS },
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { peers } = await withApi(ctx, (api) => api.peers())
    return { value: { peers }, text: formatPeers(peers, ctx.style) }
  },
}
