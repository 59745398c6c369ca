/**
 * `sdmp forward ID TO...`: forward a message to other contacts with its author's signature
 * kept inside (docs/cli.md "forward", docs/protocol/forwarding.md). Every recipient's node
 * verifies the original author's signature, even when the author is a stranger to them.
 * @module
 */
import type { Command } from '../command.js'
import { usageError } from '../cli-error.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { checkId, splitRecipients } from './message-input.js'

/** `sdmp forward ID TO...`. */
export const forwardCommand: Command = {
  name: 'forward',
  summary: "forward a message to contacts, its author's signature kept inside",
  usage: 'forward ID TO... [--note TEXT] [--json]',
  options: {
    note: { type: 'string', valueName: 'TEXT', description: 'a note shown with the forward' },
    ...ACCOUNT_OPTIONS,
  },
  args: [
    { name: 'ID', required: true },
    { name: 'TO', required: true, variadic: true },
  ],
  details: [
    'ID is a message id (or a unique prefix of 6+ characters, as inbox shows them). Each TO is',
    'a contact name or a user fingerprint (several: separate arguments, or commas).',
    "The recipients see the original exactly as its author signed it, marked 'forwarded from",
    "AUTHOR'; a forwarded message is forwarded as its original. --json gives {id, state, reason}",
    'as send does.',
  ].join('\n'),
  async run(ctx) {
    const id = checkId('forward', ctx.args[0]!)
    const to = [...new Set(ctx.args.slice(1).flatMap((t) => splitRecipients(t, 'forward')))]
    const note = ctx.options['note'] as string | undefined
    if (note === '') throw usageError('forward --note: TEXT is empty')
    const { withApi } = await import('../connect.js')
    const {
      id: sent,
      state,
      reason,
    } = await withApi(ctx, async (api) => {
      const { id: fid } = await api.forward(id, { to, ...(note !== undefined && { note }) })
      // As send: tell at once when a recipient will not get it now (docs/messaging.md §3).
      const shown = await api.show(fid)
      return 'message' in shown
        ? { id: fid, state: shown.message.state, reason: shown.message.reason }
        : { id: fid, state: 'sent' as const, reason: null }
    })
    if (reason !== null && !ctx.json) ctx.err(`note: ${reason}`)
    const n = to.length
    return {
      value: { id: sent, state, reason },
      text: `forwarded ${sent} to ${n} recipient${n === 1 ? '' : 's'}`,
    }
  },
}
