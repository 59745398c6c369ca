/**
 * `sdmp block`, `sdmp unblock`, `sdmp blocks` (docs/cli.md "Blocking"; docs/messaging.md
 * "Blocking"): refuse a user's resources and their nodes' connections, on this node.
 * @module
 */
import type { Command } from '../command.js'
import { formatColumns } from '../output.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

const WHO = 'a contact name, or the fingerprint of any user'

/** `sdmp block NAME|FINGERPRINT [--hide]`. */
export const blockCommand: Command = {
  name: 'block',
  summary: 'refuse a user: nothing of theirs is stored or relayed, their devices are refused',
  usage: 'block NAME|FINGERPRINT [--hide] [--json]',
  options: {
    hide: { type: 'boolean', description: 'also hide the messages they sent before' },
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'NAME|FINGERPRINT', required: true }],
  details: [
    `NAME|FINGERPRINT: ${WHO}.`,
    'Their devices are told they are refused (reason: blocked); they see you as having removed',
    'them. A contact stays a contact: unblock to let them in again. This node only: block on',
    'each of your devices.',
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const hide = ctx.options['hide'] === true
    const b = await withApi(ctx, (api) => api.block({ user: ctx.args[0]!, hide }))
    const who = b.name ?? short(b.user)
    return {
      value: b,
      text: `blocked ${who}${b.hide ? '; their earlier messages are hidden' : ''} (sdmp unblock ${b.name ?? b.user} to undo)`,
    }
  },
}

/** `sdmp unblock NAME|FINGERPRINT`. */
export const unblockCommand: Command = {
  name: 'unblock',
  summary: 'accept a blocked user again and show their hidden messages',
  usage: 'unblock NAME|FINGERPRINT [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'NAME|FINGERPRINT', required: true }],
  details: `NAME|FINGERPRINT: ${WHO}.`,
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const u = await withApi(ctx, (api) => api.unblock(ctx.args[0]!))
    const who = u.name ?? short(u.user)
    return { value: u, text: u.unblocked ? `unblocked ${who}` : `${who} was not blocked` }
  },
}

/** `sdmp blocks`. */
export const blocksCommand: Command = {
  name: 'blocks',
  summary: 'list the users you blocked',
  usage: 'blocks [--json]',
  options: { ...ACCOUNT_OPTIONS },
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { blocks } = await withApi(ctx, (api) => api.blocks())
    const rows = blocks.map((b) => [
      b.name ?? '-',
      short(b.user),
      b.hide ? 'hidden' : 'shown',
      b.at.slice(0, 10),
    ])
    return {
      value: { blocks },
      text:
        blocks.length === 0
          ? 'nobody is blocked'
          : formatColumns([['NAME', 'USER', 'MESSAGES', 'SINCE'], ...rows]).join('\n'),
    }
  },
}
