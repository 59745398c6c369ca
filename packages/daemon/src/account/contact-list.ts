/**
 * The contact list as `sdmp contact list` and `GET /v1/contacts` show it: each contact with
 * its standing (standing.ts), its own display name (profile.ts) and whether it is blocked
 * (blocks.ts).
 * @module
 */
import type { Account } from './account.js'
import type { ContactEntry } from './contacts.js'
import { readContacts } from './contacts.js'
import { readProfile } from './profile.js'
import { standings } from './standing.js'
import type { ContactStatus } from './standing.js'

/**
 * A contact as `sdmp contact list` shows it: `mutual` once the contact trusts back, `removed`
 * once they withdrew it (standing.ts).
 */
export interface ContactInfo extends ContactEntry {
  readonly status: ContactStatus
  /** The contact's own display name, from their newest profile (profile.ts). */
  readonly displayName?: string
  /** Blocked here (blocks.ts): the contact stays, their nodes and resources are refused. */
  readonly blocked?: true
}

/** The contacts, by name, with where each stands with us (standing.ts). */
export async function listContacts(account: Account): Promise<ContactInfo[]> {
  const contacts = await readContacts(account)
  const standing = await standings(account, contacts)
  const blocked = account.ingestor.blocked()
  const out: ContactInfo[] = []
  for (const c of contacts) {
    // The name they gave themselves (their newest profile), beside the name we chose.
    const displayName = (await readProfile(account, c.user))?.name
    out.push({
      ...c,
      status: standing.get(c.user)?.status ?? 'waiting',
      ...(displayName !== undefined && { displayName }),
      ...(blocked.has(c.user) && { blocked: true as const }),
    })
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1))
}
