/**
 * `sdmp contact add|list|remove`: verify and trust other users (docs/cli.md "Invites and
 * contacts"). Two users can connect once both have added each other.
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

/** `sdmp contact add INVITE [--name NAME]`. */
export const contactAddCommand: Command = {
  name: 'add',
  summary: 'verify an invite and trust its user',
  usage: 'contact add INVITE|NAME@DOMAIN [--name NAME] [--insecure-http] [--verbose] [--json]',
  options: {
    name: {
      type: 'string',
      valueName: 'NAME',
      description: 'a local name for the contact (default: the name in the invite)',
    },
    'insecure-http': {
      type: 'boolean',
      description: 'fetch the well-known document of NAME@DOMAIN over http:// (testing only)',
    },
    ...ACCOUNT_OPTIONS,
    ...VERBOSE_OPTION,
  },
  args: [{ name: 'INVITE', required: true }],
  details: [
    'Every resource in the invite is verified before anything is stored; a malformed or',
    'tampered invite is refused whole. Then a trust (read_resource) to that user is published.',
    INVITE_ARG_HELP,
    'NAME@DOMAIN: looked up in DNS (SVCB _sdmp.DOMAIN, else SRV _sdmp._tcp.DOMAIN; resolvers',
    'from SDMP_DNS_SERVER=IP[:PORT],... or the system), the invite fetched over HTTPS from',
    "the host's /.well-known/sdmp/NAME, verified, and the address pinned to that identity. If",
    'the address later shows another key, the command fails with KEY_CHANGED (exit 76) and',
    'changes nothing; a rotation signed by the pinned key is followed.',
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const name = ctx.options['name'] as string | undefined
    const { isAddress } = await import('@sdmp/core')
    const arg = ctx.args[0]!
    const insecureHttp = ctx.options['insecure-http'] === true
    const invite = isAddress(arg) ? arg.trim() : readInvite(ctx, arg, 'contact add')
    const c = await explainDamagedInvite(ctx, () =>
      withApi(ctx, (api) =>
        api.addContact({
          invite,
          ...(name !== undefined && { name }),
          ...(insecureHttp && { insecureHttp }),
        }),
      ),
    )
    const nodes = c.nodes
    const devices = `${nodes} device${nodes === 1 ? '' : 's'}`
    const how = c.replaced?.kind === 'recovery' ? 'recovered with their recovery words' : 'rotated'
    return {
      value: {
        name: c.name,
        user: c.user,
        trust: c.trust,
        nodes,
        refreshed: c.refreshed === true,
        ...(c.replaced !== undefined && { replaced: c.replaced }),
        ...(c.address !== undefined && { address: c.address }),
      },
      text:
        c.replaced !== undefined
          ? `${c.name} replaced their identity key (${how}): contact moved to user ${c.user} with ${devices}`
          : c.refreshed === true
            ? `${c.name} is already a contact: devices refreshed (${devices})`
            : [
                `added ${c.name}: user ${c.user} with ${devices}` +
                  (c.address === undefined ? '' : ` (${c.address}, key pinned)`),
                `Next: if ${c.name} has not added you yet, give them your invite (sdmp invite);`,
                `then write with sdmp send ${c.name} 'hello'.`,
              ].join('\n'),
    }
  },
}

/** `sdmp contact list`. */
export const contactListCommand: Command = {
  name: 'list',
  summary: 'list your contacts (mutual once they have added you too; removed you, if they did)',
  usage: 'contact list [--json]',
  options: { ...ACCOUNT_OPTIONS },
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { contacts } = await withApi(ctx, (api) => api.contacts())
    const s = ctx.style
    const rows = contacts.map((c) => [
      c.name,
      // The name they gave themselves (their profile), beside the one you chose.
      c.displayName ?? '-',
      short(c.user),
      c.blocked === true
        ? { text: 'blocked', paint: s.bad }
        : c.status === 'removed'
          ? { text: 'removed you', paint: s.bad }
          : { text: c.status, paint: c.status === 'mutual' ? s.ok : s.warn },
      c.added.slice(0, 10),
    ])
    return {
      value: { contacts },
      text:
        contacts.length === 0
          ? 'no contacts yet (sdmp contact add INVITE)'
          : formatColumns([['NAME', 'CALLS THEMSELVES', 'USER', 'STATUS', 'ADDED'], ...rows]).join(
              '\n',
            ),
    }
  },
}

/** `sdmp contact remove NAME`. */
export const contactRemoveCommand: Command = {
  name: 'remove',
  summary: 'stop trusting a contact (revokes your trust)',
  usage: 'contact remove NAME [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'NAME', required: true }],
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) => api.removeContact(ctx.args[0]!))
    return { value: r, text: `removed ${r.name} (user ${short(r.user)})` }
  },
}

/** `sdmp contact invite NAME`. */
export const contactInviteCommand: Command = {
  name: 'invite',
  summary: "print a contact's invite as your node knows it (for their recovery)",
  usage: 'contact invite NAME [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'NAME', required: true }],
  details: [
    'A contact who lost the device holding their identity key needs an invite of their old',
    "identity to run 'sdmp identity recover': send them this one (it holds only public data).",
  ].join('\n'),
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) => api.contactInvite(ctx.args[0]!))
    return { value: r, text: r.invite }
  },
}

/** `sdmp contact`: the group. */
export const contactCommand: Command = {
  name: 'contact',
  summary: 'add, list and remove contacts',
  usage: 'contact <command> [options]',
  options: {},
  subcommands: [contactAddCommand, contactListCommand, contactRemoveCommand, contactInviteCommand],
}
