/**
 * `sdmp group create|add|remove|list`: named group conversations (docs/cli.md "Groups",
 * docs/protocol/groups.md). A group is administered by the user who created it; its members
 * need not be each other's contacts. `sdmp send @NAME TEXT` writes to one.
 * @module
 */
import type { GroupInfo } from '@sdmp/client'
import type { Command } from '../command.js'
import { usageError } from '../cli-error.js'
import { formatColumns } from '../output.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'
import { splitRecipients } from './message-input.js'

/** One line per member: `name (admin)`. */
function membersText(g: GroupInfo): string {
  return g.members.map((m) => (m.admin ? `${m.name} (admin)` : m.name)).join(', ')
}

/** A group name as the command line gives it (`@team` and `team` are the same). */
function groupArg(arg: string, command: string): string {
  const name = arg.startsWith('@') ? arg.slice(1) : arg
  // A group id (86 characters) names it too.
  if (name === '' || name.length > 86) throw usageError(`${command}: NAME is empty or too long`)
  return name
}

/** `sdmp group create NAME MEMBER...`. */
export const groupCreateCommand: Command = {
  name: 'create',
  summary: 'create a group of contacts, administered by you',
  usage: 'group create NAME MEMBER... [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [
    { name: 'NAME', required: true },
    { name: 'MEMBER', required: true, variadic: true },
  ],
  details: [
    'NAME is 1..64 characters (you cannot be in two groups of one name). Each MEMBER is a',
    'contact name or a user fingerprint (several: separate arguments, or commas); members need',
    'not be contacts of each other: the group carries what lets them verify and reach each',
    'other. Only you (the admin) add and remove members. Write to it with sdmp send @NAME TEXT.',
    '--json gives the group {id, name, admin, version, members, member, chat, updated}.',
  ].join('\n'),
  async run(ctx) {
    const name = groupArg(ctx.args[0]!, 'group create')
    const members = [
      ...new Set(ctx.args.slice(1).flatMap((m) => splitRecipients(m, 'group create'))),
    ]
    const { withApi } = await import('../connect.js')
    const g = await withApi(ctx, (api) => api.createGroup({ name, members }))
    return { value: g, text: `created group ${g.name} (${short(g.id)}): ${membersText(g)}` }
  },
}

/** `sdmp group add NAME MEMBER`. */
export const groupAddCommand: Command = {
  name: 'add',
  summary: 'add a contact to a group you administer',
  usage: 'group add NAME MEMBER [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [
    { name: 'NAME', required: true },
    { name: 'MEMBER', required: true },
  ],
  details: [
    'NAME is a group name or id; MEMBER a contact name or user fingerprint. Every member sees',
    "'ADMIN added MEMBER' in the group's chat. --json gives the group as group create does.",
  ].join('\n'),
  async run(ctx) {
    const group = groupArg(ctx.args[0]!, 'group add')
    const member = ctx.args[1]!
    const { withApi } = await import('../connect.js')
    const g = await withApi(ctx, (api) => api.addGroupMember(group, { member }))
    return { value: g, text: `added ${member} to ${g.name} (version ${g.version})` }
  },
}

/** `sdmp group remove NAME MEMBER`. */
export const groupRemoveCommand: Command = {
  name: 'remove',
  summary: 'remove a member from a group you administer',
  usage: 'group remove NAME MEMBER [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [
    { name: 'NAME', required: true },
    { name: 'MEMBER', required: true },
  ],
  details: [
    'A new version of the group without MEMBER: messages sent from then on are sealed only to',
    'the remaining members, so MEMBER cannot read them. MEMBER is told (it sees the removal).',
    '--json gives the group as group create does.',
  ].join('\n'),
  async run(ctx) {
    const group = groupArg(ctx.args[0]!, 'group remove')
    const member = ctx.args[1]!
    const { withApi } = await import('../connect.js')
    const g = await withApi(ctx, (api) => api.removeGroupMember(group, member))
    return { value: g, text: `removed ${member} from ${g.name} (version ${g.version})` }
  },
}

/** `sdmp group list`. */
export const groupListCommand: Command = {
  name: 'list',
  summary: 'list your groups and their members',
  usage: 'group list [--json]',
  options: { ...ACCOUNT_OPTIONS },
  details: 'Groups you were removed from are listed too, marked. --json gives {groups}.',
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const { groups } = await withApi(ctx, (api) => api.groups())
    const s = ctx.style
    const rows = groups.map((g) => [
      g.name,
      short(g.id),
      membersText(g),
      g.member ? { text: `v${g.version}`, paint: s.ok } : { text: 'removed', paint: s.bad },
    ])
    return {
      value: { groups },
      text:
        groups.length === 0
          ? 'no groups yet (sdmp group create NAME MEMBER...)'
          : formatColumns([['NAME', 'ID', 'MEMBERS', 'VERSION'], ...rows]).join('\n'),
    }
  },
}

/** `sdmp group`. */
export const groupCommand: Command = {
  name: 'group',
  summary: 'named group conversations: create, add, remove, list',
  usage: 'group <command> [options]',
  options: {},
  subcommands: [groupCreateCommand, groupAddCommand, groupRemoveCommand, groupListCommand],
}
