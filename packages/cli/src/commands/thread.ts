/**
 * `sdmp thread ID`: one thread (the messages sharing a `conversation`: a first message and the
 * replies to it and to them), oldest first, as a chat log (docs/cli.md "Chats"). ID is any
 * message of the thread, by its id or a unique prefix. The thread is read from the chat of that
 * message (a reply sent to other people is in another chat and not shown). Nothing is marked
 * read.
 * @module
 */
import type { Message } from '@sdmp/client'
import type { Command } from '../command.js'
import { CliError } from '../cli-error.js'
import { PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { checkId } from './message-input.js'

/** Chat messages read per request while collecting a thread, and most requests. */
const PAGE = 1_000
const MAX_PAGES = 20

/** `sdmp thread ID`. */
export const threadCommand: Command = {
  name: 'thread',
  summary: 'show the thread of a message and its replies, oldest first',
  usage: 'thread ID [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'ID', required: true }],
  details: [
    'ID is any message of the thread: its id or the first characters inbox and chat show.',
    'Prints the first message and every reply in its chat, oldest first, replies quoting what',
    'they answer. Nothing is marked read. With --json: {"conversation","chat","messages":[...]},',
    `messages oldest first (the newest ${PAGE * MAX_PAGES} messages of the chat are searched).`,
  ].join('\n'),
  async run(ctx) {
    const id = checkId('thread', ctx.args[0]!)
    const { withApi } = await import('../connect.js')
    const { formatChatLog } = await import('./chat-format.js')
    const { namerOf } = await import('./message-format.js')
    const { quotesFor } = await import('./chat.js')
    return withApi(ctx, async (api) => {
      const shown = await api.show(id)
      if (!('message' in shown))
        throw new CliError(
          'BAD_REQUEST',
          `thread: ${id} is a post, not a message`,
          PROTOCOL_EXIT_CODES.BAD_REQUEST,
        )
      const { conversation, chat } = shown.message
      const found: Message[] = []
      let before: string | undefined
      for (let i = 0; i < MAX_PAGES; i++) {
        const page = await api.chatMessages(chat, {
          limit: PAGE,
          ...(before !== undefined && { before }),
        })
        found.push(...page.messages.filter((m) => m.conversation === conversation))
        // The first message is the oldest of its thread: nothing older belongs to it.
        if (page.next === null || page.messages.some((m) => m.id === conversation)) break
        before = page.next
      }
      const messages = found.reverse()
      const value = { conversation, chat, messages }
      if (ctx.json) return { value, text: '' }
      const quoted = await quotesFor(api, messages)
      return { value, text: formatChatLog(messages, quoted, await namerOf(api), ctx.style) }
    })
  },
}
