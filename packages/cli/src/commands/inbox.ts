/**
 * `sdmp inbox [--all]`: received messages, newest first; with `--all` sent ones too
 * (docs/cli.md "Messages").
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** `sdmp inbox`. */
export const inboxCommand: Command = {
  name: 'inbox',
  summary: 'list your messages, newest first',
  usage: 'inbox [--all] [--json]',
  options: {
    all: { type: 'boolean', description: 'include the messages you sent' },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'Shows messages this node has received and opened: date, sender (the contact name when',
    'known), the subject or first line, and the state (unread, read; for sent messages sent,',
    "delivered, read). 'sdmp show ID' prints one and marks it read.",
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { formatInbox, namerOf, newestFirst } = await import('./message-format.js')
    const all = ctx.options['all'] === true
    const { messages, name } = await withApi(ctx, async (api) => {
      const { messages } = await api.inbox(all ? { all } : {})
      return { messages: newestFirst(messages), name: ctx.json ? undefined : await namerOf(api) }
    })
    return {
      value: { messages },
      text: name === undefined ? '' : formatInbox(messages, name, ctx.style),
    }
  },
}
