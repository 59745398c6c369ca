/**
 * Forwarding rules (docs/protocol/forwarding.md §6, SMXP's "smart forwarding"): messages that
 * reach our user from senders matching a pattern are forwarded automatically, through the
 * ordinary forward path, to other identities. A local setting of this node, stored like
 * settings.ts (the vault secret `local.rules`), not synchronized to the user's other devices.
 * @module
 */
import { ErrorCode, ProtocolError, isDigest } from '@sdmp/core'
import type { Account } from './account.js'
import { requireContact } from './contact-names.js'
import { readContacts } from './contacts.js'
import { SECRET_NAMES } from './secret-names.js'

/** Most rules one node keeps, and most targets one rule forwards to. */
export const RULE_LIMITS = Object.freeze({ rules: 100, targets: 16, patternChars: 128 })

/** One forwarding rule as stored. */
export interface StoredRule {
  /** Short random id (`rule remove ID`). */
  readonly id: string
  /** Sender pattern (§6.1): `*`, a contact name or fingerprint, with `*` wildcards. */
  readonly from: string
  /** Target user fingerprints. */
  readonly to: readonly string[]
  /** When it was added, ISO 8601. */
  readonly created: string
}

/**
 * A sender pattern: `*` runs of any characters, everything else literal, matched against the
 * sender's fingerprint (exactly as written, lowercase hex) and the sender's contact name (case
 * folded), the whole string in each case (forwarding.md §6.1).
 * @throws BAD_REQUEST for an empty or too long pattern, or characters a name never has
 */
export function checkPattern(pattern: string): string {
  if (
    typeof pattern !== 'string' ||
    pattern.length === 0 ||
    pattern.length > RULE_LIMITS.patternChars ||
    !/^[\p{L}\p{N}._*-]+$/u.test(pattern)
  )
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `from: expected 1..${RULE_LIMITS.patternChars} characters of a contact name or fingerprint, with * wildcards`,
    )
  return pattern
}

/** Whether `pattern` (checked) matches a sender with fingerprint `user` and contact `name`. */
export function patternMatches(pattern: string, user: string, name: string | undefined): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.\\^$+?()[\]{}|-]/g, '\\$&'))
    .join('.*')
  const re = new RegExp(`^${source}$`, 'iu')
  return re.test(user) || (name !== undefined && re.test(name))
}

/** The rules of this node. @throws INCOMPATIBLE_STORE (a damaged table) */
export async function readRules(account: Account): Promise<StoredRule[]> {
  const bytes = await account.vault.get(SECRET_NAMES.rules)
  if (bytes === undefined) return []
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { rules?: StoredRule[] }
    if (Array.isArray(parsed.rules)) return parsed.rules
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: rule table damaged')
}

/**
 * Add a rule forwarding what senders matching `from` send us to the contacts `to` (names, or
 * fingerprints of contacts).
 * @throws BAD_REQUEST (bad pattern, no target, ourselves as a target), NOT_FOUND (no such
 *   contact), LIMIT_EXCEEDED (too many rules or targets)
 */
export async function addRule(
  account: Account,
  from: string,
  to: readonly string[],
): Promise<StoredRule> {
  const me = account.requireUser()
  checkPattern(from)
  if (!Array.isArray(to) || to.length === 0)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'to: expected at least 1 contact')
  if (to.length > RULE_LIMITS.targets)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `to: at most ${RULE_LIMITS.targets} targets, got ${to.length}`,
    )
  const contacts = await readContacts(account)
  const targets = new Set<string>()
  for (const ref of to) {
    const byFp = isDigest(ref) ? contacts.find((c) => c.user === ref) : undefined
    const user = byFp?.user ?? requireContact(contacts, ref).user
    if (user === me)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'to: a rule cannot forward to yourself')
    targets.add(user)
  }
  const rules = await readRules(account)
  if (rules.length >= RULE_LIMITS.rules)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `rules: at most ${RULE_LIMITS.rules}; remove one first`,
    )
  const random = account.provider.randomBytes(6)
  const id = Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')
  const rule: StoredRule = {
    id,
    from,
    to: [...targets],
    created: new Date(account.now()).toISOString(),
  }
  await write(account, [...rules, rule])
  return rule
}

/**
 * Remove rule `id`.
 * @throws NOT_FOUND
 */
export async function removeRule(account: Account, id: string): Promise<StoredRule> {
  const rules = await readRules(account)
  const old = rules.find((r) => r.id === id)
  if (old === undefined) throw new ProtocolError(ErrorCode.NOT_FOUND, `no rule ${id}`)
  await write(
    account,
    rules.filter((r) => r.id !== id),
  )
  return old
}

async function write(account: Account, rules: readonly StoredRule[]): Promise<void> {
  const text = JSON.stringify({ version: 1, rules })
  await account.vault.put(SECRET_NAMES.rules, new TextEncoder().encode(text))
}
