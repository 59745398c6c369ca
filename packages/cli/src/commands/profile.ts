/**
 * `sdmp profile [show]`, `sdmp profile set --name NAME` (docs/cli.md "Profile"): the display
 * name your contacts see, published as a signed profile (docs/protocol/schemas.md "user").
 * @module
 */
import type { Command, CommandContext, CommandResult } from '../command.js'
import { usageError } from '../cli-error.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

async function show(ctx: CommandContext): Promise<CommandResult> {
  const { withApi } = await import('../connect.js')
  const p = await withApi(ctx, (api) => api.profile())
  return {
    value: p,
    text:
      p.name === null
        ? 'no profile published yet (sdmp profile set --name NAME)'
        : [
            `name     ${p.name}`,
            ...(p.address === undefined ? [] : [`address  ${p.address}`]),
            `updated  ${p.updated}`,
          ].join('\n'),
  }
}

/** `sdmp profile show`. */
export const profileShowCommand: Command = {
  name: 'show',
  summary: 'show the display name your contacts see',
  usage: 'profile show [--json]',
  options: { ...ACCOUNT_OPTIONS },
  run: show,
}

/** `sdmp profile set --name NAME`. */
export const profileSetCommand: Command = {
  name: 'set',
  summary: 'publish a new display name to your contacts',
  usage: 'profile set --name NAME [--json]',
  options: {
    name: { type: 'string', valueName: 'NAME', description: 'your display name (1-128 chars)' },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'A new signed version of your profile replaces the older one on every node that receives',
    "it. Contacts keep the name they gave you; 'contact list' shows yours beside it.",
  ].join('\n'),
  async run(ctx) {
    const name = ctx.options['name'] as string | undefined
    if (name === undefined) throw usageError('profile set: missing --name NAME')
    const { withApi } = await import('../connect.js')
    const p = await withApi(ctx, (api) => api.setProfile({ name }))
    return { value: p, text: `your display name is now ${p.name}` }
  },
}

/** `sdmp profile`: shows it; `set` changes it. */
export const profileCommand: Command = {
  name: 'profile',
  summary: 'show or change the display name your contacts see',
  usage: 'profile [show|set] [options]',
  options: { ...ACCOUNT_OPTIONS },
  subcommands: [profileShowCommand, profileSetCommand],
  run: show,
}
