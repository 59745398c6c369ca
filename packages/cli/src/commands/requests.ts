/**
 * `sdmp requests [list|accept|decline|block]` and `sdmp request send ADDRESS --text TEXT`
 * (docs/cli.md "Message requests", docs/protocol/requests.md): first contact without an
 * invite exchanged both ways. A request waits apart from the inbox until it is answered.
 * @module
 */
import type { Command, CommandContext, CommandResult } from '../command.js'
import { usageError } from '../cli-error.js'
import { exitCodeFor } from '../exit-codes.js'
import { formatColumns } from '../output.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

async function list(ctx: CommandContext): Promise<CommandResult> {
  const { withApi } = await import('../connect.js')
  const { requests } = await withApi(ctx, (api) => api.requests())
  const rows = requests.map((r) => [
    r.id.slice(0, 10),
    r.name ?? '-',
    short(r.user),
    r.received.slice(0, 16).replace('T', ' '),
    r.text.length > 60 ? `${r.text.slice(0, 59)}…` : r.text,
  ])
  return {
    value: { requests },
    text:
      requests.length === 0
        ? 'no message requests'
        : formatColumns([['ID', 'NAME', 'USER', 'RECEIVED', 'TEXT'], ...rows]).join('\n'),
  }
}

/** `sdmp requests list`. */
export const requestsListCommand: Command = {
  name: 'list',
  summary: 'list the message requests waiting for an answer',
  usage: 'requests list [--json]',
  options: { ...ACCOUNT_OPTIONS },
  run: list,
}

/** `sdmp requests accept ID [--name NAME]`. */
export const requestsAcceptCommand: Command = {
  name: 'accept',
  summary: 'accept a request: its sender becomes a contact and sync starts',
  usage: 'requests accept ID [--name NAME] [--json]',
  options: {
    name: { type: 'string', valueName: 'NAME', description: 'the contact name to give them' },
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'ID', required: true }],
  details: 'ID: as `sdmp requests` prints it (6 or more characters of the id).',
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const name = ctx.options['name'] as string | undefined
    const r = await withApi(ctx, (api) =>
      api.acceptRequest(ctx.args[0]!, name === undefined ? {} : { name }),
    )
    return { value: r, text: `accepted: ${r.contact.name} is now a contact` }
  },
}

/** `sdmp requests decline ID`. */
export const requestsDeclineCommand: Command = {
  name: 'decline',
  summary: 'decline a request: it is deleted, the sender is told nothing more',
  usage: 'requests decline ID [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'ID', required: true }],
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) => api.declineRequest(ctx.args[0]!))
    return { value: r, text: `declined the request of ${r.request.name ?? short(r.request.user)}` }
  },
}

/** `sdmp requests block ID`. */
export const requestsBlockCommand: Command = {
  name: 'block',
  summary: "block a request's sender and delete the request",
  usage: 'requests block ID [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'ID', required: true }],
  details: 'Their next requests are answered rejected (blocked). sdmp unblock undoes it.',
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) => api.blockRequest(ctx.args[0]!))
    return { value: r, text: `blocked ${r.request.name ?? short(r.request.user)}` }
  },
}

/** `sdmp requests`: lists them; the subcommands answer one. */
export const requestsCommand: Command = {
  name: 'requests',
  summary: 'message requests from people who are not contacts: list, accept, decline, block',
  usage: 'requests [list|accept|decline|block] [options]',
  options: { ...ACCOUNT_OPTIONS },
  subcommands: [
    requestsListCommand,
    requestsAcceptCommand,
    requestsDeclineCommand,
    requestsBlockCommand,
  ],
  run: list,
}

/** `sdmp request send ADDRESS --text TEXT`. */
export const requestSendCommand: Command = {
  name: 'send',
  summary: 'send a message request to someone who is not a contact yet',
  usage: 'request send ADDRESS --text TEXT [--name NAME] [--json]',
  options: {
    text: { type: 'string', valueName: 'TEXT', description: 'a short introduction (required)' },
    name: { type: 'string', valueName: 'NAME', description: 'their contact name here' },
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'ADDRESS', required: true }],
  details: [
    'ADDRESS: their short invite (sdmp-invite:3:...), or USER@HOST:PORT[#NODE] (their user',
    'fingerprint and where one of their devices listens).',
    'Prints what their node answered: delivered, silent (they chose not to say), or rejected',
    'with a reason (blocked, over-quota, bad-signature, undecryptable, unknown-user, policy).',
    'Once delivered, they are your contact; messages flow when they accept.',
  ].join('\n'),
  async run(ctx) {
    const text = ctx.options['text']
    if (typeof text !== 'string' || text.trim() === '')
      throw usageError('request send: --text TEXT is required')
    const name = ctx.options['name'] as string | undefined
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) =>
      api.sendRequest({ to: ctx.args[0]!, text, ...(name !== undefined && { name }) }),
    )
    const said =
      r.outcome === 'rejected'
        ? `rejected (${r.reason ?? 'policy'})`
        : r.outcome === 'silent'
          ? 'silent: their node does not say whether it was delivered'
          : 'delivered'
    const contact = r.contact === null ? '' : `; added as contact ${r.contact}`
    const result: CommandResult = { value: r, text: `${said}${contact}` }
    return r.outcome === 'rejected'
      ? {
          ...result,
          failure: {
            code: 'FORBIDDEN',
            message: `request ${said}`,
            exitCode: exitCodeFor('FORBIDDEN'),
          },
        }
      : result
  },
}

/** `sdmp request`: the group. */
export const requestCommand: Command = {
  name: 'request',
  summary: 'send a message request: first contact without exchanging invites',
  usage: 'request send ADDRESS --text TEXT [options]',
  options: {},
  subcommands: [requestSendCommand],
}
