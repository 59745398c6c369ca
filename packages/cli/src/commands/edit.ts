/**
 * `sdmp edit ID TEXT` and `sdmp delete ID`: change one's own message (docs/protocol/edits.md).
 * An edit is a signed update sealed to the same recipients; readers show it marked edited and
 * keep the earlier versions (`sdmp show ID --history`). A delete erases the message's content
 * from every node that reads it and leaves a "deleted" placeholder. Only the author may do
 * either: anyone else gets FORBIDDEN (exit 77).
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { checkId } from './message-input.js'

const RULE =
  'Only the author may edit or delete a message (any of its devices); otherwise exit 77 (FORBIDDEN).'

/** `sdmp edit ID TEXT`. */
export const editCommand: Command = {
  name: 'edit',
  summary: 'replace the text of a message you sent; recipients see it marked edited',
  usage: 'edit ID TEXT [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [
    { name: 'ID', required: true },
    { name: 'TEXT', required: true },
  ],
  details: [
    'ID: the message id or a unique prefix of it (as inbox shows it).',
    RULE,
    'Earlier versions stay readable with `sdmp show ID --history`.',
    'With --json: {"message":{...}} as show prints it, with "edited" set.',
  ].join('\n'),
  async run(ctx) {
    const id = checkId('edit', ctx.args[0]!)
    const { withApi } = await import('../connect.js')
    const { message } = await withApi(ctx, (api) => api.editMessage(id, { body: ctx.args[1]! }))
    return { value: { message }, text: `edited ${message.id}` }
  },
}

/** `sdmp delete ID`. */
export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a message you sent, on every node that holds it',
  usage: 'delete ID [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'ID', required: true }],
  details: [
    'ID: the message id or a unique prefix of it (as inbox shows it).',
    RULE,
    'Readers erase the body, subject, attachments and history and show the message as deleted;',
    'the journal keeps its lines (the delete itself is the tombstone).',
    'With --json: {"message":{...}} with "deleted": true.',
  ].join('\n'),
  async run(ctx) {
    const id = checkId('delete', ctx.args[0]!)
    const { withApi } = await import('../connect.js')
    const { message } = await withApi(ctx, (api) => api.deleteMessage(id))
    return { value: { message }, text: `deleted ${message.id}` }
  },
}
