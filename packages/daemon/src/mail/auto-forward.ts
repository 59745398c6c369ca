/**
 * Forwarding rules at work (docs/protocol/forwarding.md §6): what a newly received message is
 * forwarded to, with which chain, or why it is not. Loops stop here: a forward carries the chain
 * of users it passed through, and a rule never forwards a message whose chain already holds our
 * user, nor one that has made `LIMITS.maxForwardHops` hops.
 * @module
 */
import { LIMITS, ProtocolError } from '@sdmp/core'
import type { Account } from '../account/account.js'
import { readContacts } from '../account/contacts.js'
import type { ContactEntry } from '../account/contacts.js'
import { patternMatches, readRules } from '../account/rules.js'
import type { StoredRule } from '../account/rules.js'
import type { MessageRecord } from './records.js'
import type { ForwardOptions } from './forward.js'

/** What the rules decide for one received message. */
export type RuleDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'forward'; readonly to: readonly string[]; readonly chain: readonly string[] }
  | { readonly kind: 'stopped'; readonly reason: 'loop' | 'hops' }

/** The users a received message has passed through as forwarders (forwarding.md §6). */
export function chainOf(record: MessageRecord): readonly string[] {
  if (record.forwarded === undefined) return []
  // A forward by hand carries no chain: its forwarder (the author) is the one hop.
  return record.forwarded.chain ?? [record.from]
}

/** The rule table and the contact names that rules were read with (once per batch). */
interface RuleTables {
  readonly rules: readonly StoredRule[]
  readonly contacts: readonly ContactEntry[]
}

/**
 * Decide what the rules of this node do with `record` (a message others sent us, just indexed).
 * The sender the patterns match is the one who sent it to us (the forwarder of a forward).
 */
function decideRules(
  account: Account,
  { rules, contacts }: RuleTables,
  record: MessageRecord,
): RuleDecision {
  const me = account.user
  if (me === undefined || record.direction !== 'in' || record.deleted === true)
    return { kind: 'none' }
  if (rules.length === 0) return { kind: 'none' }
  const name = contacts.find((c) => c.user === record.from)?.name
  const matching = rules.filter((r) => patternMatches(r.from, record.from, name))
  if (matching.length === 0) return { kind: 'none' }
  const before = chainOf(record)
  if (before.includes(me) || record.forwarded?.user === me)
    return { kind: 'stopped', reason: 'loop' }
  if (before.length >= LIMITS.maxForwardHops) return { kind: 'stopped', reason: 'hops' }
  // Never back to who it came from, its author, or anyone it passed through.
  const seen = new Set([me, record.from, ...before, record.forwarded?.user ?? record.from])
  const to = [...new Set(matching.flatMap((r) => r.to))].filter((u) => !seen.has(u))
  if (to.length === 0) return { kind: 'stopped', reason: 'loop' }
  return { kind: 'forward', to, chain: [...before, me] }
}

/**
 * Run the rules on the messages of one indexed batch, in order, and forward each when they say
 * so, through `forward` (the mailbox's, so the original's signature is kept). The rule table
 * (and, when it has rules, the contact names) is read once for the batch: a vault read per
 * received message before, for a table that is empty on most nodes (docs/load.md §5
 * "Fifteenth pass"). Outcomes are operational events (`mail.rule-forwarded`,
 * `mail.rule-stopped`, `mail.rule-failed`), never thrown: a rule that fails (a target without
 * prekeys, an original edited meanwhile) must not stop the mailbox, and the message stays in
 * the inbox.
 */
export async function applyRules(
  account: Account,
  records: readonly MessageRecord[],
  forward: (id: string, options: ForwardOptions) => Promise<{ id: string }>,
  event: (name: string, detail: Record<string, unknown>) => void,
): Promise<void> {
  let tables: RuleTables
  try {
    const rules = await readRules(account)
    tables = { rules, contacts: rules.length === 0 ? [] : await readContacts(account) }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e
    for (const record of records) event('mail.rule-failed', { message: record.id, code: e.code })
    return
  }
  for (const record of records) {
    try {
      const decision = decideRules(account, tables, record)
      if (decision.kind === 'stopped')
        event('mail.rule-stopped', { message: record.id, reason: decision.reason })
      if (decision.kind !== 'forward') continue
      const sent = await forward(record.id, { to: decision.to, chain: decision.chain })
      event('mail.rule-forwarded', { message: record.id, forward: sent.id })
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e
      event('mail.rule-failed', { message: record.id, code: e.code })
    }
  }
}
