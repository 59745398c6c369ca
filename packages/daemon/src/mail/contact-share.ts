/**
 * A user's devices share one contact list (issue 11; docs/protocol/schemas.md "contacts"): the
 * list and its names travel as a `contacts` resource sealed to the user's own reading devices
 * only, so no contact or host can read it. Each device publishes the whole list (with tombstones
 * of removed contacts) when it changes here, and again when a new device of its user can
 * receive, since a sealed list only opens on devices that had a prekey when it was sealed.
 * @module
 */
import { ErrorCode, isProtocolError } from '@sdmp/core'
import type { DecodedResource } from '@sdmp/core'
import type { Account } from '../account/account.js'
import { contactListEntries } from '../account/contacts.js'
import type { PrekeyBook } from './prekeys.js'
import { publishSealed } from './sender.js'

/**
 * Seal the contact list to our own reading devices and publish it.
 * @returns the outer id, or undefined when there is nothing to share or this device may not
 *   publish (a host-only device)
 */
export async function shareContactList(
  account: Account,
  book: PrekeyBook,
): Promise<string | undefined> {
  const me = account.requireUser()
  const entries = await contactListEntries(account)
  if (entries.length === 0) return undefined
  let inner: DecodedResource
  try {
    inner = account.signForUser({ kind: 'contacts', data: { entries } }, 'publish_resource')
  } catch (e) {
    if (isProtocolError(e, ErrorCode.FORBIDDEN)) return undefined // host-only: it reads nothing
    throw e
  }
  const keys = await book.requireRecipients([me])
  // Readers: our user only, so no routing tag: it goes to our own nodes alone (sync.md §10).
  return (await publishSealed(account, inner, keys, [me], { sessions: book.sessions })).outer
}
