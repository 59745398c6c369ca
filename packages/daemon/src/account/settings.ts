/**
 * The user's settings on this node (docs/messaging.md §4 "Read receipts"): whether a `read`
 * receipt goes to a message's author, off by default (the privacy default of most messengers),
 * with per-contact overrides. Read state always reaches our own devices; only the receipt to
 * the sender is controlled here. A vault secret of this node (`local.settings`), not
 * synchronized to the user's other devices yet.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { Account } from './account.js'
import { SECRET_NAMES } from './secret-names.js'

/** The settings as stored. */
export interface StoredSettings {
  /** Send read receipts to authors (default false). */
  readonly readReceipts: boolean
  /** Per-user overrides of {@link readReceipts}. */
  readonly contacts: Readonly<Record<string, boolean>>
  /**
   * Message requests from strangers (docs/protocol/requests.md §5): `open` (default) stores
   * them and tells the sender the outcome, `silent` stores them but answers every sender
   * `silent`, `closed` refuses them (`rejected`/`policy`).
   */
  readonly requests: RequestPolicy
}

/** What this node does with message requests (requests.md §5). */
export type RequestPolicy = 'open' | 'silent' | 'closed'
/** The accepted values of {@link RequestPolicy}. */
export const REQUEST_POLICIES: readonly RequestPolicy[] = Object.freeze([
  'open',
  'silent',
  'closed',
])

const DEFAULTS: StoredSettings = Object.freeze({
  readReceipts: false,
  contacts: {},
  requests: 'open',
})

/** The settings of this node. @throws INCOMPATIBLE_STORE (a damaged table) */
export async function readSettings(account: Account): Promise<StoredSettings> {
  const bytes = await account.vault.get(SECRET_NAMES.settings)
  if (bytes === undefined) return DEFAULTS
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<StoredSettings>
    if (typeof parsed.readReceipts === 'boolean' && typeof parsed.contacts === 'object')
      return {
        readReceipts: parsed.readReceipts,
        contacts: { ...parsed.contacts },
        // Settings written before message requests existed: the default.
        requests: REQUEST_POLICIES.includes(parsed.requests!) ? parsed.requests! : 'open',
      }
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: settings damaged')
}

/**
 * Set read receipts: the default (`user` undefined), or an override for `user` (`on` null
 * removes it).
 */
export async function setReadReceipts(
  account: Account,
  on: boolean | null,
  user?: string,
): Promise<StoredSettings> {
  const s = await readSettings(account)
  let next: StoredSettings
  if (user === undefined) {
    if (on === null)
      throw new ProtocolError(
        ErrorCode.BAD_REQUEST,
        'readReceipts: null (no override) needs a contact; give true or false',
      )
    next = { ...s, readReceipts: on }
  } else {
    const contacts = { ...s.contacts }
    if (on === null) delete contacts[user]
    else contacts[user] = on
    next = { ...s, contacts }
  }
  await writeSettings(account, next)
  return next
}

async function writeSettings(account: Account, next: StoredSettings): Promise<void> {
  const text = JSON.stringify({ version: 1, ...next })
  await account.vault.put(SECRET_NAMES.settings, new TextEncoder().encode(text))
}

/** Set what this node does with message requests (requests.md §5). */
export async function setRequestPolicy(
  account: Account,
  policy: RequestPolicy,
): Promise<StoredSettings> {
  const next = { ...(await readSettings(account)), requests: policy }
  await writeSettings(account, next)
  return next
}

/** Whether a `read` receipt for a message by `author` goes to `author`'s devices. */
export async function sendsReadReceiptTo(account: Account, author: string): Promise<boolean> {
  const s = await readSettings(account)
  return s.contacts[author] ?? s.readReceipts
}
