/**
 * Held requests (docs/protocol/requests.md §7): what a host-only node keeps for its user's
 * reading devices, which it cannot open, and what a reading device remembers of them. On the
 * host: an index (`local.held`: id, source key, time) and each request message as it came
 * (`held.<id>`), bounded per user and per source address. On a device: the held ids it has
 * taken (so a host does not send them again) and those the user decided on (so the host deletes
 * them at the next query).
 * @module
 */
import { ErrorCode, ProtocolError, toBase64url } from '@sdmp/core'
import { SerialQueue } from '@sdmp/node'
import type { Account } from './account.js'
import { MAX_HELD_IDS, MAX_HELD_PAGE_BYTES } from './held-codec.js'
import type { HeldItem } from './held-codec.js'
import { SECRET_NAMES } from './secret-names.js'

/** One held request, as the host's index holds it. */
interface HeldEntry {
  readonly id: string
  /** The source address key it came from (sourceAddressKey): the per-source quota. */
  readonly source: string
  /** When the host stored it, ms. */
  readonly received: number
}

const queues = new WeakMap<Account, SerialQueue>()
const queueOf = (account: Account): SerialQueue => {
  let q = queues.get(account)
  if (!q) queues.set(account, (q = new SerialQueue()))
  return q
}

const itemName = (id: string): string => `${SECRET_NAMES.heldPrefix}${id}`

async function readJson<T>(account: Account, name: string, member: string): Promise<T[]> {
  const bytes = await account.vault.get(name)
  if (bytes === undefined) return []
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
    if (Array.isArray(parsed[member])) return parsed[member] as T[]
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, `store: ${name} damaged`)
}

async function writeJson(account: Account, name: string, value: object): Promise<void> {
  await account.vault.put(name, new TextEncoder().encode(JSON.stringify(value)))
}

/** The held id of a request message: SHA-512 of its bytes, base64url (a retry is a duplicate). */
export function heldIdOf(account: Account, bytes: Uint8Array): string {
  return toBase64url(account.provider.sha512(bytes))
}

/**
 * Hold a request message for the user's devices unless the quotas say no: at most `maxPending`
 * held in all and `maxPerSource` from one source address (the host cannot see the sender).
 */
export function holdRequest(
  account: Account,
  bytes: Uint8Array,
  source: string,
  quota: { readonly maxPending: number; readonly maxPerSource: number },
): Promise<'stored' | 'duplicate' | 'over-quota'> {
  return queueOf(account).run(async () => {
    const all = await readJson<HeldEntry>(account, SECRET_NAMES.held, 'held')
    const id = heldIdOf(account, bytes)
    if (all.some((e) => e.id === id)) return 'duplicate'
    if (all.length >= quota.maxPending) return 'over-quota'
    if (all.filter((e) => e.source === source).length >= quota.maxPerSource) return 'over-quota'
    await account.vault.put(itemName(id), bytes)
    await writeJson(account, SECRET_NAMES.held, {
      version: 1,
      held: [...all, { id, source, received: account.now() }],
    })
    return 'stored'
  })
}

/**
 * Delete the held requests `drop` names, drop those older than `maxAgeMs`, and return the
 * oldest of the rest that `known` does not name, up to {@link MAX_HELD_PAGE_BYTES}.
 */
export function heldPage(
  account: Account,
  known: readonly string[],
  drop: readonly string[],
  maxAgeMs: number,
): Promise<{ items: HeldItem[]; more: boolean }> {
  return queueOf(account).run(async () => {
    const all = await readJson<HeldEntry>(account, SECRET_NAMES.held, 'held')
    const gone = new Set(drop)
    const oldest = account.now() - maxAgeMs
    const kept = all.filter((e) => !gone.has(e.id) && e.received >= oldest)
    if (kept.length !== all.length) {
      await writeJson(account, SECRET_NAMES.held, { version: 1, held: kept })
      for (const e of all) if (!kept.includes(e)) await account.vault.delete(itemName(e.id))
    }
    const skip = new Set(known)
    const items: HeldItem[] = []
    let size = 0
    for (const e of kept) {
      if (skip.has(e.id)) continue
      const bytes = await account.vault.get(itemName(e.id))
      if (bytes === undefined) continue
      if (items.length > 0 && size + bytes.length > MAX_HELD_PAGE_BYTES)
        return { items, more: true }
      items.push({ id: e.id, bytes })
      size += bytes.length
    }
    return { items, more: false }
  })
}

/** What a reading device remembers of held requests. */
export interface HeldState {
  /** Held ids taken from a host (newest last, at most MAX_HELD_IDS). */
  readonly seen: readonly string[]
  /** Held ids to delete at the host at the next query. */
  readonly drops: readonly string[]
}

/** The device's held state. */
export async function readHeldState(account: Account): Promise<HeldState> {
  const bytes = await account.vault.get(SECRET_NAMES.heldSeen)
  if (bytes === undefined) return { seen: [], drops: [] }
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as HeldState
    if (Array.isArray(v.seen) && Array.isArray(v.drops)) return v
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: held state damaged')
}

/** Change the device's held state (serialized); each list keeps its newest MAX_HELD_IDS. */
export function updateHeldState(
  account: Account,
  change: { seen?: readonly string[]; drops?: readonly string[]; dropped?: readonly string[] },
): Promise<void> {
  return queueOf(account).run(async () => {
    const s = await readHeldState(account)
    const done = new Set(change.dropped ?? [])
    const seen = [...new Set([...s.seen, ...(change.seen ?? [])])].slice(-MAX_HELD_IDS)
    const drops = [...new Set([...s.drops, ...(change.drops ?? [])])]
      .filter((id) => !done.has(id))
      .slice(-MAX_HELD_IDS)
    await writeJson(account, SECRET_NAMES.heldSeen, { version: 1, seen, drops })
  })
}
