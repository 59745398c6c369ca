/**
 * `sdmp device authorize|list|revoke`: the user's devices (docs/cli.md "Devices"). A device is
 * a node trusted by the user, fully or host-only (it stores and serves, never reads).
 * @module
 */
import type { Command } from '../command.js'
import { formatColumns } from '../output.js'
import {
  INVITE_ARG_HELP,
  VERBOSE_OPTION,
  explainDamagedInvite,
  readInvite,
} from './invite-input.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

/** `sdmp device authorize REQUEST [--host-only]`. */
export const deviceAuthorizeCommand: Command = {
  name: 'authorize',
  summary: 'authorize the device that printed REQUEST (sdmp init --join)',
  usage: 'device authorize REQUEST [--host-only] [--json]',
  options: {
    'host-only': {
      type: 'boolean',
      description: 'it may store and serve your data but never read private resources',
    },
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'REQUEST', required: true }],
  details: [
    'Publishes a trust from your user to the new node: every authorization, or only',
    'read_resource with --host-only. The new device receives it when it syncs with this one.',
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const result = await withApi(ctx, (api) =>
      api.authorizeDevice({ request: ctx.args[0]!, hostOnly: ctx.options['host-only'] === true }),
    )
    const named = result.name === undefined ? '' : ` (${result.name})`
    return {
      value: result,
      text: [
        `authorized node ${result.node}${named}: ${result.authorization.join(', ')}`,
        'Next, on the new device: sdmp device join INVITE, with an invite made from now on',
        '(sdmp invite here).',
      ].join('\n'),
    }
  },
}

/** `sdmp device list`. */
export const deviceListCommand: Command = {
  name: 'list',
  summary: "list your user's devices with their authorizations and status",
  usage: 'device list [--json]',
  options: { ...ACCOUNT_OPTIONS },
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { devices, revoked } = await withApi(ctx, (api) => api.devices())
    const s = ctx.style
    const paint = { active: s.ok, revoked: s.bad, expired: s.warn, pending: s.warn }
    const rows = devices.map((d) => [
      d.self ? '*' : ' ',
      short(d.node),
      d.name ?? '-',
      { text: d.status, paint: paint[d.status] },
      d.authorization.length === 0 ? '-' : d.authorization.join(','),
    ])
    return {
      value: { devices, ...(revoked !== undefined && { revoked }) },
      text: [
        ...(revoked === undefined ? [] : [s.bad(revoked.message)]),
        ...formatColumns([['', 'NODE', 'NAME', 'STATUS', 'AUTHORIZATION'], ...rows]),
      ].join('\n'),
    }
  },
}

/** `sdmp device revoke NODE`. */
export const deviceRevokeCommand: Command = {
  name: 'revoke',
  summary: 'revoke a device (a fingerprint, a unique prefix or its name)',
  usage: 'device revoke NODE [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'NODE', required: true }],
  details:
    'Publishes a revoke of every trust naming that node: it can no longer publish for you,\nand nothing new is sealed for it. Revocation is final.',
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const result = await withApi(ctx, (api) => api.revokeDevice(ctx.args[0]!))
    return { value: result, text: `revoked node ${result.node}` }
  },
}

/** `sdmp device join INVITE`: on a joined device, learn the user from its invite. */
export const deviceJoinCommand: Command = {
  name: 'join',
  summary: "on a device made with 'init --join': take your user's invite to finish joining",
  usage: 'device join INVITE [--verbose] [--json]',
  options: { ...ACCOUNT_OPTIONS, ...VERBOSE_OPTION },
  args: [{ name: 'INVITE', required: true }],
  details: [
    "After 'sdmp device authorize REQUEST' on your first device, run 'sdmp invite' there and",
    'pass the invite here: it must name this node as a device of its user. It is verified,',
    'stored, and this node learns its user (docs/cli.md §5). Sync does the same later.',
    INVITE_ARG_HELP,
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const invite = readInvite(ctx, ctx.args[0]!, 'device join')
    const r = await explainDamagedInvite(ctx, () => withApi(ctx, (api) => api.join({ invite })))
    return { value: r, text: `joined user ${r.user} as node ${r.node}` }
  },
}

/** `sdmp device`: the group. */
export const deviceCommand: Command = {
  name: 'device',
  summary: 'authorize, list and revoke your devices; join one to your user',
  usage: 'device <command> [options]',
  options: {},
  subcommands: [deviceAuthorizeCommand, deviceListCommand, deviceRevokeCommand, deviceJoinCommand],
}
