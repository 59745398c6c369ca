/**
 * `sdmp show ID`: one message or post. Showing a received message marks it read, which sends
 * a `read` receipt to its sender once (docs/messaging.md "Receipts"). A message's attachments
 * are listed by index, for `sdmp save ID INDEX` (docs/protocol/attachments.md §4).
 * @module
 */
import type { Message } from '@sdmp/client'
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { checkId } from './message-input.js'

/** `sdmp show ID`. */
export const showCommand: Command = {
  name: 'show',
  summary: 'print a message or post and mark a received one read',
  usage: 'show ID [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'ID', required: true }],
  details:
    'With --json: {"message":{...}} (the inbox fields plus receipts) or {"post":{...}}.\nExit 66 when this node holds no message or post with that id.',
  async run(ctx) {
    const id = checkId('show', ctx.args[0]!)
    const { withApi } = await import('../connect.js')
    const { formatMessage, formatPost, namerOf } = await import('./message-format.js')
    return withApi(ctx, async (api) => {
      let shown = await api.show(id)
      if (
        'message' in shown &&
        shown.message.direction === 'in' &&
        shown.message.state === 'unread'
      )
        shown = await api.markRead(id)
      if (ctx.json) return { value: shown, text: '' }
      const name = await namerOf(api)
      const text =
        'message' in shown
          ? formatMessage(shown.message, name, ctx.style) + attachmentLines(shown.message)
          : formatPost(shown.post, name, ctx.style)
      return { value: shown, text }
    })
  },
}

/** `attachments:` then one line per file: index, name, size, and whether it has arrived. */
function attachmentLines(m: Message): string {
  const list = m.attachments ?? []
  if (list.length === 0) return ''
  const lines = list.map(
    (a, i) =>
      `  [${i}] ${a.name.replace(/[\u0000-\u001f\u007f]/g, '_')} (${a.size} bytes)${a.available ? '' : ' - not arrived yet'}`,
  )
  return `\nattachments (sdmp save ID INDEX):\n${lines.join('\n')}`
}
