/**
 * `sdmp send TO TEXT`: an end-to-end encrypted message to one or more contacts
 * (docs/cli.md "Messages", docs/messaging.md). Sealed for every device of every recipient
 * with the prekeys this node holds, so it works offline; delivery happens by sync.
 * @module
 */
import type { BodyType, SendRequest } from '@sdmp/client'
import type { Command } from '../command.js'
import { CliError, usageError } from '../cli-error.js'
import { PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS } from './account-options.js'
import { BODY_TYPES, checkId, parseDuration, splitRecipients } from './message-input.js'

/** `sdmp send TO TEXT`. */
export const sendCommand: Command = {
  name: 'send',
  summary: 'send an encrypted message to one or more contacts',
  usage:
    'send TO TEXT [--subject S] [--reply-to ID] [--type text|markdown|html] [--expires DURATION] [--json]',
  options: {
    subject: { type: 'string', valueName: 'S', description: 'a subject line' },
    'reply-to': {
      type: 'string',
      valueName: 'ID',
      description: 'the id of the message this answers (joins its conversation)',
    },
    type: {
      type: 'string',
      valueName: 'TYPE',
      description: 'how the body is rendered: text (default), markdown or html',
    },
    expires: {
      type: 'string',
      valueName: 'DURATION',
      description: 'hide and drop it after DURATION (30s, 10m, 2h, 7d)',
    },
    attach: {
      type: 'string',
      valueName: 'FILE',
      multiple: true,
      description: 'attach FILE (not available yet: refused)',
    },
    ...ACCOUNT_OPTIONS,
  },
  args: [
    { name: 'TO', required: true },
    { name: 'TEXT', required: true },
  ],
  details: [
    'TO is a contact name or a user fingerprint; several recipients are separated by commas',
    "(sdmp send alice,bob 'hi'). Every recipient must be a contact whose invite you added.",
    'Attachments (--attach) are not supported by the node yet: the command refuses them.',
  ].join('\n'),
  async run(ctx) {
    const request = sendRequestOf(ctx.args[0]!, ctx.args[1]!, ctx.options)
    const { withApi } = await import('../connect.js')
    const { id } = await withApi(ctx, (api) => api.send(request))
    const n = request.to.length
    return { value: { id }, text: `sent ${id} to ${n} recipient${n === 1 ? '' : 's'}` }
  },
}

/** Check every flag before anything is opened, so bad input costs nothing. */
function sendRequestOf(
  to: string,
  body: string,
  options: Readonly<Record<string, unknown>>,
): SendRequest {
  const attach = options['attach']
  if (Array.isArray(attach) && attach.length > 0)
    throw new CliError(
      'NOT_IMPLEMENTED',
      'send --attach: attachments are not supported yet (send the text alone)',
      PROTOCOL_EXIT_CODES.UNAVAILABLE,
    )
  const type = options['type']
  if (type !== undefined && !BODY_TYPES.includes(type as BodyType))
    throw usageError(`send --type: '${String(type)}' is not one of ${BODY_TYPES.join(', ')}`)
  if (body === '') throw usageError('send: TEXT is empty')
  const subject = options['subject'] as string | undefined
  const replyTo = options['reply-to'] as string | undefined
  const expires = options['expires'] as string | undefined
  return {
    to: splitRecipients(to),
    body,
    ...(type !== undefined && { type: type as BodyType }),
    ...(subject !== undefined && { subject }),
    ...(replyTo !== undefined && { replyTo: checkId('send --reply-to', replyTo) }),
    ...(expires !== undefined && { expiresInMs: parseDuration('send --expires', expires) }),
  }
}
