/**
 * `sdmp address [show]`, `sdmp address set NAME@DOMAIN`, `sdmp address clear` (docs/cli.md
 * "Addresses"): claim a name@domain in your signed profile. Your domain's DNS then points at
 * the host that serves your well-known document (docs/protocol/addresses.md), so people can add
 * you with `sdmp contact add NAME@DOMAIN`.
 * @module
 */
import type { Command, CommandContext, CommandResult } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

async function show(ctx: CommandContext): Promise<CommandResult> {
  const { withApi } = await import('../connect.js')
  const p = await withApi(ctx, (api) => api.profile())
  return {
    value: { user: p.user, address: p.address ?? null },
    text: p.address ?? 'no address claimed (sdmp address set NAME@DOMAIN)',
  }
}

/** `sdmp address show`. */
export const addressShowCommand: Command = {
  name: 'show',
  summary: 'show the name@domain you claim',
  usage: 'address show [--json]',
  options: { ...ACCOUNT_OPTIONS },
  run: show,
}

/** `sdmp address set NAME@DOMAIN`. */
export const addressSetCommand: Command = {
  name: 'set',
  summary: 'claim NAME@DOMAIN in your signed profile',
  usage: 'address set NAME@DOMAIN [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'NAME@DOMAIN', required: true }],
  details: [
    'The claim is a new signed version of your profile; it reaches your devices and contacts by',
    'sync. For others to find you, DOMAIN publishes an SVCB record at _sdmp.DOMAIN (or SRV at',
    '_sdmp._tcp.DOMAIN) naming a host where one of your nodes serves the API over HTTPS, e.g.',
    '  _sdmp.example.org. 3600 IN SVCB 1 chat.example.org. alpn=http/1.1 port=443',
    'That node answers GET /.well-known/sdmp/NAME with your signed invite.',
    'NAME: a-z 0-9 . _ - (stored in lower case); DOMAIN: ASCII DNS names.',
  ].join('\n'),
  async run(ctx) {
    const address = ctx.args[0]!
    const { withApi } = await import('../connect.js')
    const p = await withApi(ctx, (api) => api.setAddress({ address }))
    return {
      value: { user: p.user, address: p.address ?? null },
      text: `you now claim ${p.address ?? address}: publish _sdmp DNS records for its domain (sdmp address set --help)`,
    }
  },
}

/** `sdmp address clear`. */
export const addressClearCommand: Command = {
  name: 'clear',
  summary: 'drop your name@domain claim',
  usage: 'address clear [--json]',
  options: { ...ACCOUNT_OPTIONS },
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const p = await withApi(ctx, (api) => api.setAddress({ address: null }))
    return { value: { user: p.user, address: null }, text: 'you claim no address any more' }
  },
}

/** `sdmp address`: shows it; `set` and `clear` change it. */
export const addressCommand: Command = {
  name: 'address',
  summary: 'claim a name@domain others can add you by',
  usage: 'address [show|set|clear] [options]',
  options: { ...ACCOUNT_OPTIONS },
  subcommands: [addressShowCommand, addressSetCommand, addressClearCommand],
  run: show,
}
