/**
 * `sdmp delegate grant|revoke|list` (docs/cli.md "Delegation"; docs/protocol/delegation.md):
 * let a contact send on your behalf or read what is addressed to you, for a time or until
 * revoked.
 * @module
 */
import type { Delegation } from '@sdmp/client'
import type { Command } from '../command.js'
import { usageError } from '../cli-error.js'
import { formatColumns } from '../output.js'
import { ACCOUNT_OPTIONS, short } from './account-options.js'

/** `--until`: an ISO 8601 time, or a duration from now (30m, 2h, 7d). */
async function untilOf(value: unknown): Promise<string | undefined> {
  if (value === undefined) return undefined
  const text = String(value)
  if (/^\d+[smhd]$/.test(text)) {
    const { parseDuration } = await import('./message-input.js')
    return new Date(Date.now() + parseDuration('delegate --until', text)).toISOString()
  }
  const at = Date.parse(text)
  if (!Number.isFinite(at))
    throw usageError(
      `delegate --until: '${text}' is not a time (2027-01-31T12:00:00Z) or a duration (7d)`,
    )
  return new Date(at).toISOString()
}

/** `sdmp delegate grant CONTACT --send|--read [--until TIME]`. */
export const delegateGrantCommand: Command = {
  name: 'grant',
  summary: 'let a contact send on your behalf (--send) or read your messages (--read)',
  usage: 'delegate grant CONTACT --send|--read [--until TIME] [--json]',
  options: {
    send: { type: 'boolean', description: 'CONTACT may send messages on your behalf' },
    read: { type: 'boolean', description: "CONTACT's devices receive messages addressed to you" },
    until: {
      type: 'string',
      valueName: 'TIME',
      description:
        'end of the delegation: an ISO 8601 time or a duration (7d); default: until revoked',
    },
    ...ACCOUNT_OPTIONS,
  },
  args: [{ name: 'CONTACT', required: true }],
  details: [
    'Publishes a signed delegation to your contacts. Recipients show what CONTACT sends for you',
    'as "CONTACT for YOU" (sdmp send --for YOU on their side). With --read, contacts who send',
    "you a message seal it to CONTACT's devices too. sdmp delegate revoke CONTACT ends it at once.",
  ].join('\n'),
  async run(ctx) {
    const scope = (['send', 'read'] as const).filter((s) => ctx.options[s] === true)
    if (scope.length === 0) throw usageError('delegate grant: give --send, --read or both')
    const until = await untilOf(ctx.options['until'])
    const { withApi } = await import('../connect.js')
    const d = await withApi(ctx, (api) =>
      api.grantDelegation({
        contact: ctx.args[0]!,
        scope: [...scope],
        ...(until !== undefined && { until }),
      }),
    )
    return {
      value: d,
      text: `${ctx.args[0]} may now ${scope.join(' and ')} for you${d.until === null ? ' until revoked' : ` until ${d.until}`}`,
    }
  },
}

/** `sdmp delegate revoke CONTACT`. */
export const delegateRevokeCommand: Command = {
  name: 'revoke',
  summary: 'end every delegation to a contact, at once',
  usage: 'delegate revoke CONTACT [--json]',
  options: { ...ACCOUNT_OPTIONS },
  args: [{ name: 'CONTACT', required: true }],
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const r = await withApi(ctx, (api) => api.revokeDelegation(ctx.args[0]!))
    const n = r.revoked.length
    return {
      value: r,
      text:
        n === 0
          ? `${ctx.args[0]} had no active delegation`
          : `revoked ${n} delegation${n === 1 ? '' : 's'} to ${ctx.args[0]}`,
    }
  },
}

const row = (d: Delegation, who: string) => [
  who,
  d.scope.join(','),
  d.state,
  d.until === null ? '-' : d.until.slice(0, 16),
]

/** `sdmp delegate list`. */
export const delegateListCommand: Command = {
  name: 'list',
  summary: 'list the delegations you granted and those granted to you',
  usage: 'delegate list [--json]',
  options: { ...ACCOUNT_OPTIONS },
  async run(ctx) {
    const { withApi } = await import('../connect.js')
    const [list, contacts] = await withApi(
      ctx,
      async (api) => [await api.delegations(), (await api.contacts()).contacts] as const,
    )
    const name = (u: string) => contacts.find((c) => c.user === u)?.name ?? short(u)
    const rows = [
      ...list.granted.map((d) => row(d, `to ${name(d.delegate)}`)),
      ...list.received.map((d) => row(d, `from ${name(d.principal)}`)),
    ]
    return {
      value: list,
      text:
        rows.length === 0
          ? 'no delegations'
          : formatColumns([['WHO', 'SCOPE', 'STATE', 'UNTIL'], ...rows]).join('\n'),
    }
  },
}

/** `sdmp delegate`: the group. */
export const delegateCommand: Command = {
  name: 'delegate',
  summary: 'let a contact send or read for you; revoke it; list delegations',
  usage: 'delegate <command> [options]',
  options: {},
  subcommands: [delegateGrantCommand, delegateRevokeCommand, delegateListCommand],
}
