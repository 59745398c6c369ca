/**
 * `sdmp invite [--qr]`: the string a contact passes to `sdmp contact add` (docs/cli.md
 * "Invites and contacts"). It holds only public, signed resources.
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
      description: 'also show it as a QR code (not available yet: invites exceed QR capacity)',
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'The invite carries your identity, your devices (their identities, trusts, prekeys and',
    'addresses) and your profile: what a contact needs to verify you and trust you back.',
    'It is public data, but hand it over on a channel you trust: it is how your contact',
    'learns which key is yours.',
  ].join('\n'),
  async run(ctx) {
    const { createInvite } = await import('@sdmp/node/account')
    const { withAccount } = await import('./account-session.js')
    const invite = await withAccount(ctx, (a) => createInvite(a))
    // A QR code holds at most 2,953 bytes (version 40, level L); a full invite is larger.
    const note =
      ctx.options['qr'] === true
        ? `\n${ctx.style.warn(`(no QR code: this ${invite.length}-character invite is more than one QR code holds; share it as text)`)}`
        : ''
    return { value: { invite }, text: `${invite}${note}` }
  },
}
