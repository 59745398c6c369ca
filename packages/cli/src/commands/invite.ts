/**
 * `sdmp invite [--full] [--qr]`: what a contact passes to `sdmp contact add` (docs/cli.md
 * "Invites"). By default the short invite (`sdmp-invite:3:`, about 250 characters), which the
 * contact's node resolves by fetching the full invite from this node, so this node must be
 * running then; `--full` prints the full invite (`sdmp-invite:1:`, 10-18 KB), which works with
 * this node offline. `--qr` draws the short invite as a QR code that fits 80 columns.
 * @module
 */
import type { Command } from '../command.js'
import { CliError } from '../cli-error.js'
import { EXIT, PROTOCOL_EXIT_CODES } from '../exit-codes.js'
import { ACCOUNT_OPTIONS } from './account-options.js'

/** `sdmp invite`. */
export const inviteCommand: Command = {
  name: 'invite',
  summary: 'print your invite, to hand to a contact out of band',
  usage: 'invite [--full] [--qr] [--json]',
  options: {
    full: {
      type: 'boolean',
      description: 'print the full invite (works while your node is offline; 10-18 KB)',
    },
    qr: {
      type: 'boolean',
      description: 'draw the short invite as a QR code (with --json: the string only)',
    },
    ...ACCOUNT_OPTIONS,
  },
  details: [
    'The short invite (the default) names you, your node, a key and where your node listens:',
    "your contact's node fetches the rest (your identity, devices, prekeys and profile) from",
    'your node and verifies every signature against your identity. Your node must be running',
    '(sdmp start) when they add it; otherwise give them the full invite (--full), which carries',
    'everything. Both are public data, but hand them over on a channel you trust: that is how',
    'your contact learns which key is yours.',
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const full = ctx.options['full'] === true
    const qr = ctx.options['qr'] === true
    if (full && qr)
      throw new CliError(
        'BAD_REQUEST',
        'invite: --qr draws the short invite; a full invite does not fit a QR code',
        EXIT.USAGE,
      )
    const mine = await withApi(ctx, (api) => api.invite())
    if (full) return { value: { invite: mine.invite, form: 'full' }, text: mine.invite }
    if (mine.short === undefined) {
      if (qr)
        throw new CliError(
          'UNAVAILABLE',
          'invite: no short invite yet: run your node once (sdmp start) so it has an address, or share the full invite as text (sdmp invite --full)',
          PROTOCOL_EXIT_CODES.UNAVAILABLE,
        )
      if (!ctx.json)
        ctx.err('sdmp: no short invite until your node has run once (sdmp start): the full invite')
      return { value: { invite: mine.invite, form: 'full' }, text: mine.invite }
    }
    const short = mine.short
    if (!qr) {
      if (!ctx.json)
        ctx.err('sdmp: your node must be running when your contact adds this (or use --full)')
      return { value: { invite: short, form: 'short' }, text: short }
    }
    const { inviteQr } = await import('./invite-qr.js')
    const drawing = ctx.json ? '' : inviteQr(short)
    return { value: { invite: short, form: 'short', qr: true }, text: `${drawing}\n${short}` }
  },
}
