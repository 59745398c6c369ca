/**
 * `sdmp settings [show]`, `sdmp settings set read-receipts on|off|default [--contact NAME]`
 * (docs/cli.md "Settings"): read receipts to senders, off by default, per contact overrides.
 * @module
 */
import type { Command, CommandContext, CommandResult } from '../command.js'
import { usageError } from '../cli-error.js'
import { formatColumns } from '../output.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

/** The settings `set` knows, and the values each takes. */
const SETTINGS: Readonly<Record<string, readonly string[]>> = {
  'read-receipts': ['on', 'off', 'default'],
  requests: ['open', 'silent', 'closed'],
}

async function show(ctx: CommandContext): Promise<CommandResult> {
  const { withApi } = await import('../connect.js')
  const s = await withApi(ctx, (api) => api.settings())
  return { value: s, text: describe(s) }
}

function describe(s: {
  readReceipts: boolean
  requests: string
  contacts: readonly { user: string; name: string | null; readReceipts: boolean }[]
}): string {
  const onOff = (b: boolean) => (b ? 'on' : 'off')
  const lines = [`read-receipts  ${onOff(s.readReceipts)}`, `requests       ${s.requests}`]
  if (s.contacts.length > 0)
    lines.push(
      '',
      ...formatColumns([
        ['CONTACT', 'READ-RECEIPTS'],
        ...s.contacts.map((c) => [c.name ?? short(c.user), onOff(c.readReceipts)]),
      ]),
    )
  return lines.join('\n')
}

/** `sdmp settings show`. */
export const settingsShowCommand: Command = {
  name: 'show',
  summary: 'show your settings',
  usage: 'settings show [--json]',
  options: { ...ACCOUNT_OPTIONS },
  run: show,
}

/** `sdmp settings set SETTING VALUE [--contact NAME]`. */
export const settingsSetCommand: Command = {
  name: 'set',
  summary: 'change a setting: read-receipts on|off, for everyone or one contact',
  usage:
    'settings set read-receipts on|off|default [--contact NAME] | requests open|silent|closed [--json]',
  options: {
    contact: {
      type: 'string',
      valueName: 'NAME',
      description: 'only for this contact (a name or fingerprint); default removes the override',
    },
    ...ACCOUNT_OPTIONS,
  },
  args: [
    { name: 'SETTING', required: true },
    { name: 'VALUE', required: true },
  ],
  details: [
    'read-receipts: whether a sender learns that you read their message (off by default).',
    'Your own devices always learn it, whatever this says. Delivery receipts always go.',
    'requests: message requests from people who are not contacts (sdmp requests): open',
    '(default: stored, the sender learns the outcome), silent (stored, every sender is told',
    'silent), closed (refused).',
    'This node only: set it on each of your devices.',
  ].join('\n'),
  async run(ctx) {
    const [setting, value] = ctx.args as [string, string]
    const values = SETTINGS[setting]
    if (values === undefined) {
      const { didYouMean } = await import('@sdmp/client/suggest')
      throw usageError(
        `settings set: unknown setting '${setting}'${didYouMean(setting, Object.keys(SETTINGS))}`,
      )
    }
    const contact = ctx.options['contact'] as string | undefined
    if (setting === 'requests') {
      if (!values.includes(value) || contact !== undefined)
        throw usageError(`settings set requests: expected open, silent or closed, got '${value}'`)
      const { withApi } = await import('../connect.js')
      const policy = value as 'open' | 'silent' | 'closed'
      const s = await withApi(ctx, (api) => api.updateSettings({ requests: policy }))
      return { value: s, text: describe(s) }
    }
    if (!values.includes(value) || (value === 'default' && contact === undefined))
      throw usageError(
        `settings set ${setting}: expected on or off${contact === undefined ? '' : ' or default'}, got '${value}'`,
      )
    const { withApi } = await import('../connect.js')
    const readReceipts = value === 'default' ? null : value === 'on'
    const s = await withApi(ctx, (api) =>
      api.updateSettings({ readReceipts, ...(contact !== undefined && { contact }) }),
    )
    return { value: s, text: describe(s) }
  },
}

/** `sdmp settings`: shows them; `set` changes one. */
export const settingsCommand: Command = {
  name: 'settings',
  summary: 'show or change your settings: read receipts, message requests',
  usage: 'settings [show|set] [options]',
  options: { ...ACCOUNT_OPTIONS },
  subcommands: [settingsShowCommand, settingsSetCommand],
  run: show,
}
