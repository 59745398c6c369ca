/**
 * Blocking (docs/messaging.md "Blocking"): a local policy of this node's user. A blocked user's
 * resources (and their nodes') are neither stored nor relayed here (`Ingestor.blocked`), their
 * nodes' connections are refused with the reason `blocked` (the trust gate), and with `hide`
 * their messages already indexed are left out of every read (mail/queries.ts `isHidden`).
 * The list is a vault secret of this node (`local.blocks`): it is not synchronized to the
 * user's other devices yet (each device blocks on its own).
 * @module
 */
import { ErrorCode, ProtocolError, isDigest } from '@sdmp/core'
import type { Account } from './account.js'
import { requireContact } from './contact-names.js'
import { readContacts } from './contacts.js'
import { SECRET_NAMES } from './secret-names.js'

/** One blocked user. */
export interface BlockEntry {
  readonly user: string
  /** Their messages already received are hidden from inbox, show and chats. */
  readonly hide: boolean
  /** When it was blocked, ISO 8601. */
  readonly at: string
}

/** The blocked users and who of them is hidden, as the ingestor and the mailbox read them. */
interface BlockSets {
  readonly blocked: ReadonlySet<string>
  readonly hidden: ReadonlySet<string>
}

/** The block list of each open account, read once at open and kept current here. */
const sets = new WeakMap<Account, BlockSets>()

const EMPTY: BlockSets = { blocked: new Set(), hidden: new Set() }

/** The block list as stored. @throws INCOMPATIBLE_STORE (a damaged table) */
export async function readBlocks(account: Account): Promise<BlockEntry[]> {
  const bytes = await account.vault.get(SECRET_NAMES.blocks)
  if (bytes === undefined) return []
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { blocks?: BlockEntry[] }
    if (Array.isArray(parsed.blocks)) return parsed.blocks
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: block table damaged')
}

/**
 * Read the block list into the account's ingestor (at open): from here on a blocked user's
 * resources are refused and their nodes' connections too.
 */
export async function loadBlocks(account: Account): Promise<void> {
  install(account, await readBlocks(account))
}

function install(account: Account, blocks: readonly BlockEntry[]): void {
  const s: BlockSets = {
    blocked: new Set(blocks.map((b) => b.user)),
    hidden: new Set(blocks.filter((b) => b.hide).map((b) => b.user)),
  }
  sets.set(account, s)
  account.ingestor.blocked = () => s.blocked
}

/** Users whose received messages are hidden (blocked with `hide`). */
export function hiddenUsers(account: Account): ReadonlySet<string> {
  return (sets.get(account) ?? EMPTY).hidden
}

/**
 * A contact name, or a user fingerprint (a contact or a stranger), to the user it names.
 * @throws NOT_FOUND with the closest contact name suggested, CONFLICT
 */
export async function resolveBlockTarget(
  account: Account,
  ref: string,
): Promise<{ user: string; name: string | null }> {
  const contacts = await readContacts(account)
  if (isDigest(ref) && !contacts.some((c) => c.name === ref)) {
    const c = contacts.find((x) => x.user === ref)
    return { user: ref, name: c?.name ?? null }
  }
  const c = requireContact(contacts, ref)
  return { user: c.user, name: c.name }
}

/**
 * Block `user`, or change whether their messages are hidden. Idempotent.
 * @throws BAD_REQUEST when `user` is this account's own user
 */
export async function blockUser(
  account: Account,
  user: string,
  hide: boolean,
): Promise<BlockEntry> {
  if (user === account.user)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'block: you cannot block yourself')
  const blocks = await readBlocks(account)
  const old = blocks.find((b) => b.user === user)
  const entry: BlockEntry = {
    user,
    hide,
    at: old?.at ?? new Date(account.now()).toISOString(),
  }
  const next = [...blocks.filter((b) => b.user !== user), entry]
  await write(account, next)
  install(account, next)
  return entry
}

/**
 * Unblock `user`: their resources are accepted again and their hidden messages show again.
 * @returns the entry removed, or undefined when `user` was not blocked
 */
export async function unblockUser(account: Account, user: string): Promise<BlockEntry | undefined> {
  const blocks = await readBlocks(account)
  const old = blocks.find((b) => b.user === user)
  if (old === undefined) return undefined
  const next = blocks.filter((b) => b.user !== user)
  await write(account, next)
  install(account, next)
  return old
}

async function write(account: Account, blocks: readonly BlockEntry[]): Promise<void> {
  const text = JSON.stringify({ version: 1, blocks })
  await account.vault.put(SECRET_NAMES.blocks, new TextEncoder().encode(text))
}
