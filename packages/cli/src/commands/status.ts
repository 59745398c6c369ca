/**
 * `sdmp status`: the account at a glance: user, node, store path and counts.
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** `sdmp status`. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'show user, node, store path and counts of resources, journal, contacts, devices',
  usage: 'status [--json]',
  options: { ...ACCOUNT_OPTIONS },
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const s = await withApi(ctx, (api) => api.status())
    const b = ctx.style.bold
    const text = [
      ...(s.revoked === undefined ? [] : [ctx.style.bad(s.revoked.message)]),
      `${b('user     ')}  ${s.user ?? ctx.style.warn('(waiting for authorization)')}`,
      `${b('node     ')}  ${s.node}`,
      `${b('store    ')}  ${s.store}${s.encrypted ? ' (keys sealed with a passphrase)' : ''}`,
      `${b('resources')}  ${s.counts.resources}`,
      `${b('journal  ')}  ${s.counts.journal} lines`,
      `${b('contacts ')}  ${s.counts.contacts}`,
      `${b('devices  ')}  ${s.counts.devices}`,
      `${b('messages ')}  ${s.counts.messages}`,
      ...(s.daemon === undefined
        ? []
        : [
            `${b('daemon   ')}  pid ${s.daemon.pid}, ${s.daemon.peers} peer${s.daemon.peers === 1 ? '' : 's'} connected`,
          ]),
    ].join('\n')
    return { value: s, text }
  },
}
