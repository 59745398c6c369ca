/**
 * `sdmp rule add|list|remove` (docs/cli.md "Forwarding rules"; docs/protocol/forwarding.md §6):
 * forward what matching senders send you to other contacts, automatically, on this node.
 * @module
 */
import type { Command } from '../command.js'
import { usageError } from '../cli-error.js'
import { formatColumns } from '../output.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

/** `sdmp rule add --from PATTERN --to NAME...`. */
export const ruleAddCommand: Command = {
  name: 'add',
  summary: 'forward messages from senders matching PATTERN to contacts',
  usage: 'rule add --from PATTERN --to NAME [--to NAME ...] [--json]',
  options: {
    from: {
      type: 'string',
      valueName: 'PATTERN',
      description: 'sender: * for anyone, a contact name or fingerprint, * matching any characters',
    },
    to: {
      type: 'string',
      valueName: 'NAME',
      multiple: true,
      description: 'a contact (repeatable)',
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'PATTERN matches the whole contact name (any case) or the whole fingerprint of who sent the',
    "message to you: 'work-*' matches work-ann and Work-Bob. Each forward keeps the original",
    "author's signature inside. A message that already passed through you, or was forwarded 3",
    'times, is not forwarded again (loops stop). This node only: add rules on the device that',
    'should forward.',
  ].join('\n'),
  async run(ctx) {
    const from = ctx.options['from']
    const to = (ctx.options['to'] as string[] | undefined) ?? []
    if (typeof from !== 'string') throw usageError('rule add: --from PATTERN is required')
    if (to.length === 0) throw usageError('rule add: give at least one --to NAME')
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) =>
      api.addRule({ from, to: to.flatMap((t) => t.split(',')) }),
    )
    return { value: r, text: `rule ${r.id}: messages from ${r.from} go to ${to.join(', ')}` }
  },
}

/** `sdmp rule list`. */
export const ruleListCommand: Command = {
  name: 'list',
  summary: 'list the forwarding rules of this node',
  usage: 'rule list [--json]',
  options: { ...ACCOUNT_OPTIONS },
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const [{ rules }, contacts] = await withApi(
      ctx,
      async (api) => [await api.rules(), (await api.contacts()).contacts] as const,
    )
    const name = (u: string) => contacts.find((c) => c.user === u)?.name ?? short(u)
    const rows = rules.map((r) => [r.id, r.from, r.to.map(name).join(', ')])
    return {
      value: { rules },
      text:
        rows.length === 0
          ? 'no forwarding rules'
          : formatColumns([['ID', 'FROM', 'TO'], ...rows]).join('\n'),
    }
  },
}

/** `sdmp rule remove ID`. */
export const ruleRemoveCommand: Command = {
  name: 'remove',
  summary: 'remove a forwarding rule',
  usage: 'rule remove ID [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'ID', required: true }],
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) => api.removeRule(ctx.args[0]!))
    return { value: r, text: `removed rule ${r.id} (from ${r.from})` }
  },
}

/** `sdmp rule`: the group. */
export const ruleCommand: Command = {
  name: 'rule',
  summary: 'forward incoming messages automatically: add, list and remove rules',
  usage: 'rule <command> [options]',
  options: {},
  subcommands: [ruleAddCommand, ruleListCommand, ruleRemoveCommand],
}
