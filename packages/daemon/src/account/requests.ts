/**
 * Message requests received by this node (docs/protocol/requests.md §6): kept apart from the
 * inbox, in the vault (sealed at rest when a passphrase is set), until the user accepts,
 * declines or blocks. Accepting adds the sender as `contact add` does with the invite the
 * request carried; declining deletes the request and tells the sender nothing more; blocking
 * deletes it and blocks the sender. The index (`local.requests`) holds the small fields; each
 * request's invite is its own secret (`request.<id>`), so a listing never reads the invites.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { SerialQueue } from '@sdmp/node'
import type { Account } from './account.js'
import { blockUser } from './blocks.js'
import { addContact } from './contacts.js'
import { updateHeldState } from './held-requests.js'
import { SECRET_NAMES } from './secret-names.js'

/** One pending request, as the index holds it. */
export interface StoredRequest {
  /** The id of the sender's signed message (unique per request). */
  readonly id: string
  /** The sender's user fingerprint (proven by the invite and the signed message). */
  readonly user: string
  /** The sender's display name from its invite, if it has one. */
  readonly name: string | null
  readonly text: string
  /** When this node stored it, ISO 8601. */
  readonly received: string
  /** The held id, when a host-only node of our user held it for us (requests.md §7). */
  readonly held?: string
}

/**
 * How long a request is shown without a decision here, ms (30 days): one declined on another
 * device of ours is not shown forever (requests.md §6).
 */
export const REQUEST_KEEP_MS = 30 * 24 * 60 * 60 * 1000

/** Listeners of requests newly stored, per account (the SSE `request` event). */
const listeners = new WeakMap<Account, Set<(r: StoredRequest) => void>>()

/** Be told of every request stored from now on. @returns unsubscribe */
export function onRequestStored(account: Account, l: (r: StoredRequest) => void): () => void {
  let set = listeners.get(account)
  if (!set) listeners.set(account, (set = new Set()))
  set.add(l)
  return () => set.delete(l)
}

/** Writes of each account's request table, one at a time. */
const queues = new WeakMap<Account, SerialQueue>()
const queueOf = (account: Account): SerialQueue => {
  let q = queues.get(account)
  if (!q) queues.set(account, (q = new SerialQueue()))
  return q
}

const inviteName = (id: string): string => `${SECRET_NAMES.requestPrefix}${id}`
const envelopeName = (id: string): string => `${SECRET_NAMES.requestPrefix}${id}.envelope`

/** The pending requests, oldest first. @throws INCOMPATIBLE_STORE (a damaged table) */
export async function readRequests(account: Account): Promise<StoredRequest[]> {
  const bytes = await account.vault.get(SECRET_NAMES.requests)
  if (bytes === undefined) return []
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { requests?: StoredRequest[] }
    if (Array.isArray(parsed.requests)) return parsed.requests
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: request table damaged')
}

async function writeIndex(account: Account, requests: readonly StoredRequest[]): Promise<void> {
  const text = JSON.stringify({ version: 1, requests })
  await account.vault.put(SECRET_NAMES.requests, new TextEncoder().encode(text))
}

/** What {@link storeRequest} decided. */
export type StoreVerdict = 'stored' | 'duplicate' | 'over-quota'

/**
 * Store a verified request unless the quotas say no (requests.md §4): at most `maxPending` in
 * all and `maxPerSender` from one sender. The invite is written before the index names it, so
 * a crash between the two leaves an orphan secret, never an index entry without its invite.
 */
export function storeRequest(
  account: Account,
  request: StoredRequest,
  invite: string,
  quota: { readonly maxPending: number; readonly maxPerSender: number },
  envelope?: Uint8Array,
): Promise<StoreVerdict> {
  return queueOf(account)
    .run(async () => {
      const all = await readRequests(account)
      if (all.some((r) => r.id === request.id)) return 'duplicate' as const
      if (all.length >= quota.maxPending) return 'over-quota' as const
      if (all.filter((r) => r.user === request.user).length >= quota.maxPerSender)
        return 'over-quota' as const
      await account.vault.put(inviteName(request.id), new TextEncoder().encode(invite))
      if (envelope !== undefined) await account.vault.put(envelopeName(request.id), envelope)
      await writeIndex(account, [...all, request])
      return 'stored' as const
    })
    .then((verdict) => {
      if (verdict === 'stored') for (const l of listeners.get(account) ?? []) l(request)
      return verdict
    })
}

/**
 * The requests to show: those whose sender is neither a contact already (accepted on another
 * device of ours: the contact list is shared) nor blocked, received within `maxAgeMs`
 * (requests.md §6: a request declined on another device does not wait here forever).
 */
export async function pendingRequests(
  account: Account,
  maxAgeMs: number,
): Promise<StoredRequest[]> {
  const me = account.user
  const graph = account.ingestor.graph
  const now = account.now()
  const blocked = account.ingestor.blocked?.()
  return (await readRequests(account)).filter(
    (r) =>
      Date.parse(r.received) >= now - maxAgeMs &&
      !(blocked?.has(r.user) ?? false) &&
      !(me !== undefined && graph.trustsUser(me, r.user, now)),
  )
}

/**
 * The request `ref` names: its full id or a unique prefix of 6 or more characters.
 * @throws NOT_FOUND, CONFLICT (an ambiguous prefix)
 */
export function findRequest(all: readonly StoredRequest[], ref: string): StoredRequest {
  const exact = all.find((r) => r.id === ref)
  if (exact) return exact
  const hits = ref.length >= 6 ? all.filter((r) => r.id.startsWith(ref)) : []
  if (hits.length === 1) return hits[0]!
  if (hits.length > 1)
    throw new ProtocolError(ErrorCode.CONFLICT, `request ${ref}: ambiguous, give more characters`)
  throw new ProtocolError(ErrorCode.NOT_FOUND, `request ${ref}: no such request (sdmp requests)`)
}

/** Remove one request and its invite; returns it with the invite text. */
function take(account: Account, ref: string): Promise<{ request: StoredRequest; invite: string }> {
  return queueOf(account).run(async () => {
    const all = await readRequests(account)
    const request = findRequest(all, ref)
    const bytes = await account.vault.get(inviteName(request.id))
    await writeIndex(
      account,
      all.filter((r) => r !== request),
    )
    await account.vault.delete(inviteName(request.id))
    await account.vault.delete(envelopeName(request.id))
    // A request a host held for us: the host deletes it at our next query (requests.md §7).
    if (request.held !== undefined) await updateHeldState(account, { drops: [request.held] })
    return { request, invite: bytes === undefined ? '' : new TextDecoder().decode(bytes) }
  })
}

/** The request `ref` with its invite, left in place. @throws NOT_FOUND, CONFLICT */
export async function peekRequest(
  account: Account,
  ref: string,
): Promise<{ request: StoredRequest; invite: string }> {
  const request = findRequest(await readRequests(account), ref)
  const bytes = await account.vault.get(inviteName(request.id))
  if (bytes === undefined)
    throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: request invite missing')
  return { request, invite: new TextDecoder().decode(bytes) }
}

/**
 * Accept a request: add its sender as a contact from the invite it carried (the checks of
 * `contact add` run again, so an invite that expired since is refused), then delete it.
 * @throws NOT_FOUND, CONFLICT (name taken: give another), and the codes of addContact
 */
export async function acceptRequest(
  account: Account,
  ref: string,
  options: { name?: string } = {},
): Promise<{ request: StoredRequest; contact: Awaited<ReturnType<typeof addContact>> }> {
  const { request, invite } = await peekRequest(account, ref)
  const contact = await addContact(account, invite, options)
  // The sender's envelope of the request text: ingested now that the sender is a contact, it
  // is the chat's first message, here and on our other devices (requests.md §6).
  const envelope = await account.vault.get(envelopeName(request.id))
  if (envelope !== undefined) {
    try {
      await account.publish([envelope])
    } catch {
      // Expired or no longer valid: the contact is added all the same; the sender's node
      // offers the same envelope once the two sync.
    }
  }
  await take(account, request.id)
  return { request, contact }
}

/** Decline a request: delete it; the sender is told nothing more (requests.md §6). */
export async function declineRequest(account: Account, ref: string): Promise<StoredRequest> {
  return (await take(account, ref)).request
}

/** Block a request's sender (their later requests are `rejected`/`blocked`) and delete it. */
export async function blockRequest(account: Account, ref: string): Promise<StoredRequest> {
  const { request } = await peekRequest(account, ref)
  await blockUser(account, request.user, false)
  return (await take(account, request.id)).request
}
