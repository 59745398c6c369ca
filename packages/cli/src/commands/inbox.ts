/**
 * `sdmp inbox`: your chats, most recent first, with unread counts; `--messages` (or `--all`)
 * for the flat list of messages. Both are paged: `--limit N`, and `--before CURSOR` with the
 * cursor the previous page printed (docs/cli.md "Messages", "Chats").
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { PAGE_OPTIONS } from './chat-options.js'

/** Chats or messages per page without --limit. */
const DEFAULT_LIMIT = 20

/** `sdmp inbox`. */
export const inboxCommand: Command = {
  name: 'inbox',
  summary: 'list your chats with unread counts, or your messages, newest first',
  usage: 'inbox [--messages] [--all] [--limit N] [--before CURSOR] [--json]',
  options: {
    messages: { type: 'boolean', description: 'list messages, not chats (received only)' },
    all: { type: 'boolean', description: 'list messages, the ones you sent too' },
    ...PAGE_OPTIONS,
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'One line per chat: the short id of its last message, who it is with, the unread count,',
    "the time and the start of the last message. 'sdmp chat NAME' shows one chat;",
    "'sdmp show ID' prints a message and marks it read.",
    'With --messages: one line per received message (--all: sent ones too) with its short id,',
    'date, sender, subject or first line and state (unread, read; sent, delivered, read).',
    `Pages hold ${DEFAULT_LIMIT} entries (--limit, up to 1000); when more exist, a last line gives`,
    'the command for the next page (--before CURSOR). With --json: {"chats":[...],"next"} or',
    '{"messages":[...],"next"}; next is null on the last page.',
  ].join('\n'),
  async run(ctx) {
    const { parseCursor, parseLimit } = await import('./chat-format.js')
    const all = ctx.options['all'] === true
    const flat = all || ctx.options['messages'] === true
    const limit = parseLimit(ctx.options['limit'], DEFAULT_LIMIT)
    const before = parseCursor(ctx.options['before'])
    const page = { limit, ...(before !== undefined && { before }) }
    // The exact command of the next page: the same flags, then --before.
    const again = [
      'inbox',
      ...(all ? ['--all'] : flat ? ['--messages'] : []),
      ...(ctx.options['limit'] === undefined ? [] : ['--limit', String(limit)]),
    ]
    const { withApi } = await import('../connect.js')
    const { formatInbox, namerOf } = await import('./message-format.js')
    const { formatChats, nextPageHint } = await import('./chat-format.js')
    return withApi(ctx, async (api) => {
      if (flat) {
        const { messages, next } = await api.inbox({ ...(all && { all }), ...page })
        if (ctx.json) return { value: { messages, next }, text: '' }
        const text = formatInbox(messages, await namerOf(api), ctx.style)
        return { value: { messages, next }, text: text + nextPageHint(again, next, ctx.style) }
      }
      const { chats, next } = await api.chats(page)
      if (ctx.json) return { value: { chats, next }, text: '' }
      return {
        value: { chats, next },
        text: formatChats(chats, ctx.style) + nextPageHint(again, next, ctx.style),
      }
    })
  },
}
