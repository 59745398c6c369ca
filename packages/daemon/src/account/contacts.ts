/**
 * Invites and contacts (docs/cli.md "Invites and contacts"). An invite carries a user's public
 * resources (identity, profile, device trusts, node identities, prekeys, node records); adding
 * it validates every resource in isolation before anything is stored, then publishes a trust
 * with `read_resource` to that user (trust.md §4: contacts trust each other both ways).
 * Contact names are local: a small table kept as a vault secret (sealed with a passphrase).
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  TrustGraph,
  applyToTrustGraph,
  decodeResource,
  checkResource,
} from '@sdmp/core'
import type { ContentData, DecodedResource, Verified } from '@sdmp/core'
import type { Account } from './account.js'
import { requireContact, sameName } from './contact-names.js'
import { SECRET_NAMES } from './account.js'
import { decodeInvite, encodeInvite } from './codec.js'
import { INVITE_KINDS } from './invite-kinds.js'
import { short, storedResources } from './devices.js'

/** One entry of the local contact table. */
export interface ContactEntry {
  readonly name: string
  readonly user: string
  /** The trust this user published to the contact. */
  readonly trust: string
  /** When it was added, ISO 8601. */
  readonly added: string
  /** Identities this contact replaced by rotation, newest first (keys.md §5.4). */
  readonly previous?: readonly string[]
}

/** Local contact names: 1..64 letters, digits, `.`, `_`, `-`. */
export const CONTACT_NAME = /^[\p{L}\p{N}._-]{1,64}$/u

/** Validation order inside an invite ({@link INVITE_KINDS}); any other kind is refused. */
const ORDER: ReadonlyMap<string, number> = new Map(INVITE_KINDS.map((k, i) => [k, i]))

const fail = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/** The local contact table. */
export async function readContacts(account: Account): Promise<ContactEntry[]> {
  const bytes = await account.vault.get(SECRET_NAMES.contacts)
  if (bytes === undefined) return []
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { contacts: ContactEntry[] }
    if (Array.isArray(parsed.contacts)) return parsed.contacts
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: contact table damaged')
}

/** A removed contact, kept so that the removal wins over older copies of the list. */
export interface RemovedContact {
  readonly user: string
  readonly name: string
  /** When it was removed, ISO 8601. */
  readonly at: string
}

/** The removed contacts (tombstones) of the local table. */
export async function readRemovedContacts(account: Account): Promise<RemovedContact[]> {
  const bytes = await account.vault.get(SECRET_NAMES.contacts)
  if (bytes === undefined) return []
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { removed?: RemovedContact[] }
    return Array.isArray(parsed.removed) ? parsed.removed : []
  } catch {
    return []
  }
}

/** Write the table; `removed` (tombstones) is kept as it is unless given. */
async function writeContacts(
  account: Account,
  contacts: readonly ContactEntry[],
  removed?: readonly RemovedContact[],
): Promise<void> {
  const tombs = removed ?? (await readRemovedContacts(account))
  const text = JSON.stringify({ version: 1, contacts, removed: tombs })
  await account.vault.put(SECRET_NAMES.contacts, new TextEncoder().encode(text))
}

/**
 * Move the contact of identity `from` to its new identity `to` (a rotation, keys.md §5.4):
 * same name and entry, `trust` the trust to `to`, `from` remembered in `previous`. Idempotent.
 */
export async function moveContact(
  account: Account,
  from: string,
  to: string,
  trust: string,
): Promise<void> {
  const contacts = await readContacts(account)
  const entry = contacts.find((c) => c.user === from)
  if (entry === undefined) return
  const moved: ContactEntry = {
    ...entry,
    user: to,
    trust,
    previous: [from, ...(entry.previous ?? [])],
  }
  await writeContacts(
    account,
    contacts.filter((c) => c.user !== to).map((c) => (c === entry ? moved : c)),
  )
}

/**
 * Merge a contact list shared by another device of our user (schemas.md "contacts"): per
 * contact, the newest change wins (`at`); a removal is kept as a tombstone. Names taken by
 * another contact here get the user's short fingerprint appended.
 * @returns whether the local table changed
 */
export async function applySharedContacts(
  account: Account,
  entries: readonly { user: string; name: string; at: number; removed?: true | undefined }[],
): Promise<boolean> {
  const me = account.requireUser()
  let list = await readContacts(account)
  let tombs = await readRemovedContacts(account)
  let changed = false
  for (const e of entries) {
    if (e.user === me) continue
    const local = list.find((c) => c.user === e.user)
    const tomb = tombs.find((t) => t.user === e.user)
    const localAt = Date.parse(local?.added ?? tomb?.at ?? '1970-01-01T00:00:00.000Z')
    if (e.at <= localAt && (local !== undefined || tomb !== undefined)) continue
    const at = new Date(e.at).toISOString()
    list = list.filter((c) => c.user !== e.user)
    tombs = tombs.filter((t) => t.user !== e.user)
    if (e.removed) tombs.push({ user: e.user, name: e.name, at })
    else {
      const taken = list.some((c) => sameName(c.name, e.name))
      const trust = account.ingestor.graph.trustsBetween(me, e.user, account.now())[0]?.id
      list.push({
        name: taken ? `${e.name}-${short(e.user)}` : e.name,
        user: e.user,
        trust: trust ?? local?.trust ?? '',
        added: at,
      })
    }
    changed = true
  }
  if (changed) await writeContacts(account, list, tombs)
  return changed
}

/** The entries of the shared contact list: contacts and tombstones (schemas.md "contacts"). */
export async function contactListEntries(
  account: Account,
): Promise<{ user: string; name: string; at: string; removed?: true }[]> {
  const list = await readContacts(account)
  const tombs = await readRemovedContacts(account)
  return [
    ...list.map((c) => ({ user: c.user, name: c.name, at: c.added })),
    ...tombs.map((t) => ({ user: t.user, name: t.name, at: t.at, removed: true as const })),
  ]
}

/** The newest stored resource per signing node, among `resources`. */
function newestPerSigner(resources: readonly DecodedResource[]): Map<string, DecodedResource> {
  const out = new Map<string, DecodedResource>()
  for (const r of resources) {
    const kid = r.signatures[0]!.kid
    const prev = out.get(kid)
    if (!prev || r.created >= prev.created) out.set(kid, r)
  }
  return out
}

/**
 * This user's invite: everything a contact needs to verify the user and reach its devices.
 * With `user`, a contact's invite as this node holds it (for that contact's recovery).
 * @throws FORBIDDEN (joined device not authorized yet)
 */
export async function createInvite(
  account: Account,
  user: string = account.requireUser(),
): Promise<string> {
  const graph = account.ingestor.graph
  const now = account.now()
  const store = account.store
  const nodes = graph.nodesOf(user, now)
  const ids = [graph.identity(user)?.id, ...nodes.map((n) => graph.identity(n)?.id)]
  for (const n of nodes) ids.push(...graph.trustsBetween(user, n, now).map((t) => t.id))
  const resources: Uint8Array[] = []
  for (const id of ids) {
    const bytes = id === undefined ? undefined : await store.getResource(id)
    if (!bytes) throw new Error(`invite: resource ${id ?? '?'} is not stored`)
    resources.push(bytes)
  }
  const extra = await storedResources(
    store,
    { kinds: ['prekey', 'node', 'user'], user },
    account.provider,
  )
  const fresh = (r: DecodedResource) =>
    r.kind !== 'prekey' || (r.data as ContentData<'prekey'>).expires > now
  for (const kind of ['prekey', 'node']) {
    const latest = newestPerSigner(extra.filter((r) => r.kind === kind && fresh(r)))
    for (const [signer, r] of latest) if (nodes.includes(signer)) resources.push(r.bytes)
  }
  const profile = extra.filter((r) => r.kind === 'user').pop()
  if (profile) resources.push(profile.bytes)
  return encodeInvite({ user, resources })
}

/** An invite checked on its own: its user, the verified resources and a display name. */
export interface CheckedInvite {
  readonly user: string
  readonly resources: readonly Verified[]
  readonly nodes: readonly string[]
  readonly name?: string
  /** The scratch trust graph the invite was verified in (what a request is checked against). */
  readonly graph: TrustGraph
}

/**
 * Decode and validate an invite without touching the store: every resource verified in a
 * scratch trust graph, all published for the invited user or its nodes, at least one device.
 * @throws BAD_REQUEST, LIMIT_EXCEEDED, INVALID_ENCODING, UNSUPPORTED_VERSION and every
 *   validation code (INVALID_SIGNATURE for a tampered invite), prefixed with `invite`
 */
export function checkInvite(
  account: Pick<Account, 'provider' | 'now'>,
  text: string,
): CheckedInvite {
  const content = decodeInvite(text)
  const graph = new TrustGraph()
  const now = account.now()
  const decoded = content.resources.map((bytes, i) => {
    try {
      return { r: decodeResource(account.provider, bytes), i }
    } catch (e) {
      throw withPrefix(e, `invite.resources[${i}]`)
    }
  })
  decoded.sort((a, b) => (ORDER.get(a.r.kind) ?? 9) - (ORDER.get(b.r.kind) ?? 9) || a.i - b.i)
  const verified: Verified[] = []
  for (const { r, i } of decoded) {
    if (!ORDER.has(r.kind))
      fail(ErrorCode.BAD_REQUEST, `invite.resources[${i}]: unexpected kind ${r.kind}`)
    if (r.kind !== 'identity' && r.header.user !== content.user)
      fail(ErrorCode.BAD_REQUEST, `invite.resources[${i}]: published for another user`)
    let v: Verified
    try {
      v = checkResource(account.provider, r, graph, { now })
    } catch (e) {
      throw withPrefix(e, `invite.resources[${i}]`)
    }
    if (v.kind === 'trust') {
      const trustee = (v.data as ContentData<'trust'>).trustee
      if (graph.identity(trustee)?.type !== 'node')
        fail(
          ErrorCode.BAD_REQUEST,
          `invite.resources[${i}]: trust to an identity not in the invite`,
        )
    }
    applyToTrustGraph(graph, v)
    verified.push(v)
  }
  const userInfo = graph.identity(content.user)
  if (userInfo?.type !== 'user')
    fail(ErrorCode.BAD_REQUEST, 'invite: the identity of its user is missing')
  const nodes = graph.nodesOf(content.user, now)
  if (nodes.length === 0) fail(ErrorCode.BAD_REQUEST, 'invite: no authorized device')
  // Identities of nodes the user does not trust have no business in an invite.
  for (const v of verified)
    if (v.kind === 'identity' && v.header.user !== content.user && !nodes.includes(v.header.user))
      fail(ErrorCode.BAD_REQUEST, 'invite: identity of a node its user does not trust')
  const profile = verified.filter((v) => v.kind === 'user').pop()
  const ident = verified.find((v) => v.kind === 'identity' && v.header.user === content.user)
  const name =
    (profile?.data as ContentData<'user'> | undefined)?.name ??
    (ident?.data as ContentData<'identity'> | undefined)?.name
  return {
    user: content.user,
    resources: verified,
    nodes,
    graph,
    ...(name !== undefined && { name }),
  }
}

function withPrefix(e: unknown, label: string): unknown {
  if (e instanceof ProtocolError)
    return new ProtocolError(e.code, `${label}: ${e.message}`, { cause: e })
  return e
}

/** Check a local contact name. @throws BAD_REQUEST */
export function assertContactName(name: string): string {
  if (!CONTACT_NAME.test(name))
    fail(ErrorCode.BAD_REQUEST, 'contact name: expected 1..64 letters, digits, ".", "_" or "-"')
  return name
}

/**
 * Add the user of an invite as a contact: store its resources and trust it (read_resource).
 * Nothing is stored unless the whole invite verifies.
 * @throws the codes of {@link checkInvite}; BAD_REQUEST (own invite, bad or missing name),
 *   CONFLICT (name taken), FORBIDDEN (this device may not create trusts). An invite of an
 *   existing contact refreshes that contact's devices instead (`refreshed: true`).
 */
export async function addContact(
  account: Account,
  invite: string,
  options: { name?: string } = {},
): Promise<ContactEntry & { nodes: number; refreshed?: true }> {
  const me = account.requireUser()
  const checked = checkInvite(account, invite)
  if (checked.user === me) fail(ErrorCode.BAD_REQUEST, 'that is your own invite')
  const raw = options.name ?? checked.name?.replace(/\s+/g, '-')
  if (raw === undefined)
    return fail(ErrorCode.BAD_REQUEST, 'contact add: the invite carries no name, give --name NAME')
  const name = assertContactName(raw)
  const contacts = await readContacts(account)
  const same = contacts.find((c) => c.user === checked.user)
  const trusted = account.ingestor.graph.trustsBetween(me, checked.user, account.now())
  if (same || trusted.length > 0) {
    // Already a contact: a newer invite refreshes what we know of their devices (identities,
    // trusts, node records, prekeys), and never adds a second contact or trust (issue 11).
    await account.publish(checked.resources)
    const entry: ContactEntry = same ?? {
      name: contacts.some((c) => sameName(c.name, name)) ? `${name}-${short(checked.user)}` : name,
      user: checked.user,
      trust: trusted[0]!.id,
      added: new Date(account.now()).toISOString(),
    }
    if (!same) await writeContacts(account, [...contacts, entry])
    return { ...entry, nodes: checked.nodes.length, refreshed: true }
  }
  const taken = contacts.find((c) => sameName(c.name, name))
  if (taken)
    fail(
      ErrorCode.CONFLICT,
      `contact name ${name} is already used${taken.name === name ? '' : ` (by ${taken.name})`} (give another with --name)`,
    )
  await account.publish(checked.resources)
  const trust = account.signForUser(
    { kind: 'trust', data: { trustee: checked.user, authorization: ['read_resource'] } },
    'create_trust',
  )
  await account.publish([trust])
  const entry: ContactEntry = {
    name,
    user: checked.user,
    trust: trust.id,
    added: new Date(account.now()).toISOString(),
  }
  const tombs = (await readRemovedContacts(account)).filter((t) => t.user !== entry.user)
  await writeContacts(account, [...contacts, entry], tombs)
  return { ...entry, nodes: checked.nodes.length }
}

/**
 * Remove a contact: revoke every trust in force to that user and forget the name.
 * @throws NOT_FOUND (no such name), FORBIDDEN (this device may not revoke)
 */
export async function removeContact(
  account: Account,
  name: string,
): Promise<{ name: string; user: string; revokes: string[] }> {
  const me = account.requireUser()
  const contacts = await readContacts(account)
  const entry = requireContact(contacts, name)
  const active = account.ingestor.graph.trustsBetween(me, entry.user, account.now())
  const revokes = active.map((t) =>
    account.signForUser(
      { kind: 'revoke', data: { resource: t.id, reason: 'contact removed' } },
      'revoke',
    ),
  )
  if (revokes.length > 0) await account.publish(revokes)
  const tombs = (await readRemovedContacts(account)).filter((t) => t.user !== entry.user)
  tombs.push({ user: entry.user, name: entry.name, at: new Date(account.now()).toISOString() })
  await writeContacts(
    account,
    contacts.filter((c) => c !== entry),
    tombs,
  )
  return { name: entry.name, user: entry.user, revokes: revokes.map((r) => r.id) }
}
