/**
 * Where a contact stands with us (docs/messaging.md "Delivery states"): `mutual` (their trust
 * in us is in force), `waiting` (they have not added us: no trust of theirs has reached us, and
 * their nodes refuse us), `removed` (they had added us, and withdrew it: their trust is revoked
 * or expired here, or their nodes now refuse us). A contact's trust in us can only arrive over
 * a connection their node accepts, so a node learns "removed" from the refusal itself: the
 * peer's trust gate answers `rejected` with a reason (transport.md §5), and the network records
 * it per user here (a vault secret, so a one-shot `sdmp sync` leaves it for the next command).
 * A connection that opens clears it: the peer accepted us again.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { TrustGraph } from '@sdmp/core'
import type { Account } from './account.js'
import { readContacts } from './contacts.js'
import { SECRET_NAMES } from './secret-names.js'

/** A refusal observed from a node of `user`: its trust gate rejected ours with `reason`. */
export interface Refusal {
  readonly user: string
  readonly reason: string
  /** When it was first observed, ISO 8601. */
  readonly at: string
}

/** A contact's standing with us. */
export type ContactStatus = 'mutual' | 'waiting' | 'removed'

/**
 * Refusal reasons that speak of the user's trust in us (transport.md §5): `untrusted` (their
 * gate knows our node and refuses it), `revoked` (a trust withdrawn on an open channel) and
 * `blocked` (they blocked us: shown as `removed`, docs/messaging.md "Blocking").
 * Any other reason says nothing of it: `unknown_node` (their node does not know this device
 * yet, as after a join) or a reason another implementation or a later version sends (a busy
 * or rate-limited node must never turn a contact into `removed`).
 */
const ABOUT_TRUST: ReadonlySet<string> = new Set(['untrusted', 'revoked', 'blocked'])

/** The refusals recorded, one per user. */
export async function readRefusals(account: Account): Promise<Refusal[]> {
  const bytes = await account.vault.get(SECRET_NAMES.refusals)
  if (bytes === undefined) return []
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { refusals?: Refusal[] }
    if (Array.isArray(parsed.refusals)) return parsed.refusals
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: refusal table damaged')
}

async function writeRefusals(account: Account, refusals: readonly Refusal[]): Promise<void> {
  const text = JSON.stringify({ version: 1, refusals })
  await account.vault.put(SECRET_NAMES.refusals, new TextEncoder().encode(text))
}

/**
 * Record that a node of `user` refused us with `reason`. Writes only on a change (a new user
 * or another reason), so a dialer refused again and again does not rewrite the vault.
 * @returns whether the table changed
 */
export async function recordRefusal(
  account: Account,
  user: string,
  reason: string,
): Promise<boolean> {
  const refusals = await readRefusals(account)
  if (refusals.some((r) => r.user === user && r.reason === reason)) return false
  const entry: Refusal = { user, reason, at: new Date(account.now()).toISOString() }
  await writeRefusals(account, [...refusals.filter((r) => r.user !== user), entry])
  return true
}

/**
 * Forget the refusal of `user` (a node of theirs accepted a connection).
 * @returns whether there was one
 */
export async function clearRefusal(account: Account, user: string): Promise<boolean> {
  const refusals = await readRefusals(account)
  if (!refusals.some((r) => r.user === user)) return false
  await writeRefusals(
    account,
    refusals.filter((r) => r.user !== user),
  )
  return true
}

/**
 * The standing of `user` with `me` at `now`. Removed: a trust of theirs in us is known here but
 * no longer in force, or their nodes refuse us although they had trusted us. Waiting: they never
 * trusted us here (whether or not their nodes refuse us). Mutual otherwise.
 */
export function contactStatus(
  graph: TrustGraph,
  me: string,
  user: string,
  refusal: Refusal | undefined,
  now: number,
): ContactStatus {
  const had = graph.everTrusted(user, me, 'read_resource')
  const trusts = graph.trustsUser(user, me, now)
  if (had && !trusts) return 'removed'
  if (refusal !== undefined && ABOUT_TRUST.has(refusal.reason)) return had ? 'removed' : 'waiting'
  return trusts ? 'mutual' : 'waiting'
}

/** A contact's name and standing, by user. */
export interface Standing {
  readonly name: string
  readonly status: ContactStatus
}

/** Every contact's name and standing, by user (one vault read each for contacts and refusals). */
export async function standings(
  account: Account,
  contacts: readonly { readonly name: string; readonly user: string }[],
): Promise<Map<string, Standing>> {
  const out = new Map<string, Standing>()
  const me = account.user
  if (me === undefined) return out
  const refusals = new Map((await readRefusals(account)).map((r) => [r.user, r]))
  const graph = account.ingestor.graph
  const now = account.now()
  for (const c of contacts)
    out.set(c.user, {
      name: c.name,
      status: contactStatus(graph, me, c.user, refusals.get(c.user), now),
    })
  return out
}

/** {@link standings} of the contact table. */
export async function contactStandings(account: Account): Promise<Map<string, Standing>> {
  return standings(account, await readContacts(account))
}
