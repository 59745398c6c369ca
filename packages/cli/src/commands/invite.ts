/**
 * `sdmp invite [--qr]`: the string a contact passes to `sdmp contact add` (docs/cli.md
 * "Invites and contacts"). It holds only public, signed resources. `--qr` prints the compact
 * invite (`sdmp-invite:2:`, no prekeys: docs/security.md §5) as a QR code in the terminal.
 * @module
 */
import type { Command } from '../command.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** `sdmp invite`. */
export const inviteCommand: Command = {
  name: 'invite',
  summary: 'print your invite, to hand to a contact out of band',
  usage: 'invite [--qr] [--json]',
  options: {
    qr: {
      type: 'boolean',
      description: 'print the compact invite as a QR code (with --json: the string only)',
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'The invite carries your identity, your devices (their identities, trusts, prekeys and',
    'addresses) and your profile: what a contact needs to verify you and trust you back.',
    'It is public data, but hand it over on a channel you trust: it is how your contact',
    'learns which key is yours.',
    '',
    'With --qr the invite is the compact form (sdmp-invite:2:), which fits one QR code: it',
    'leaves out the prekeys, which reach your contact by sync once your nodes connect.',
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { invite } = await withApi(ctx, (api) => api.invite())
    if (ctx.options['qr'] !== true) return { value: { invite }, text: invite }
    const { compactInviteQr } = await import('./invite-qr.js')
    const { compact, drawing } = compactInviteQr(invite, !ctx.json)
    return { value: { invite: compact, qr: true }, text: `${drawing}\n${compact}` }
  },
}
