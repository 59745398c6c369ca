/**
 * `sdmp show ID`: one message or post. Showing a received message marks it read, which sends
 * a `read` receipt to its sender once (docs/messaging.md "Receipts"). A message's attachments
 * are listed by index, for `sdmp save ID INDEX` (docs/protocol/attachments.md §4).
 * @module
 */
import type { Message } from '@sdmp/client'
import type { Command, CommandContext, CommandResult } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { checkId } from './message-input.js'

/** `sdmp show ID`. */
export const showCommand: Command = {
  name: 'show',
  summary: 'print a message or post and mark a received one read',
  usage: 'show ID [--history] [--json]',
  options: {
    history: {
      type: 'boolean',
      description: 'list every version of an edited message, oldest first',
    },
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'ID', required: true }],
  details:
    'With --json: {"message":{...}} (the inbox fields plus receipts) or {"post":{...}}.\nWith --history: {"message":{...},"versions":[{"id","at","body","type","subject"}]}, oldest\nfirst, the last being the one shown (none once deleted).\nExit 66 when this node holds no message or post with that id.',
  async run(ctx) {
    const id = checkId('show', ctx.args[0]!)
    const { withApi } = await import('../connect.js')
    const { formatMessage, formatPost, namerOf } = await import('./message-format.js')
    if (ctx.options['history'] === true) return showHistory(ctx, id)
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

/** `show ID --history`: the message's versions, oldest first. */
async function showHistory(ctx: CommandContext, id: string): Promise<CommandResult> {
  const { withApi } = await import('../connect.js')
  const { formatMessage, namerOf } = await import('./message-format.js')
  return withApi(ctx, async (api) => {
    const value = await api.messageHistory(id)
    if (ctx.json) return { value, text: '' }
    const name = await namerOf(api)
    const versions = value.versions.map(
      (v, i) =>
        `${ctx.style.bold(`version ${i + 1}`)} ${v.at}${v.subject === null ? '' : ` (${v.subject})`}\n${v.body}`,
    )
    const text = [
      formatMessage(value.message, name, ctx.style),
      '',
      value.message.deleted ? 'deleted: no versions kept' : versions.join('\n\n'),
    ].join('\n')
    return { value, text }
  })
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
