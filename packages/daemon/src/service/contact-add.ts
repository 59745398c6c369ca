/**
 * Adding a contact through the node service (node-service.ts): by name@domain address
 * (docs/protocol/addresses.md), by short or full invite, or moving a contact to its new
 * identity (keys.md §5.4); our other devices then get the contact list again.
 * @module
 */
import type { ContactAdded } from '@sdmp/client'
import { isAddress } from '@sdmp/core'
import type { Account } from '../account/account.js'
import { addContact } from '../account/contacts.js'
import { followInvite } from '../account/rotation.js'
import { addContactByAddress } from '../address/address-pins.js'
import type { AddressLookupOptions } from '../address/address-lookup.js'
import type { Mailbox } from '../mail/index.js'
import { resolveInvite } from './invite-fetch.js'
import type { InviteFetchOptions } from './invite-fetch.js'

/** What `addContact` is asked: an invite (full, short) or a name@domain address. */
export interface AddContactRequest {
  invite: string
  name?: string
  insecureHttp?: boolean
}

/**
 * Add the contact `request.invite` names, sharing the contact list with our other devices
 * when it changed.
 */
export async function addContactFrom(
  account: Account,
  mailbox: Mailbox,
  request: AddContactRequest,
  options: {
    readonly inviteFetch: InviteFetchOptions
    readonly addressLookup?: AddressLookupOptions
  },
): Promise<ContactAdded> {
  // name@domain: resolved by DNS and the host's well-known document, then pinned (addresses.md).
  if (isAddress(request.invite)) {
    const added = await addContactByAddress(account, request.invite, {
      ...(request.name !== undefined && { name: request.name }),
      lookup: { ...options.addressLookup, insecureHttp: request.insecureHttp === true },
    })
    if (added.refreshed !== true || added.replaced !== undefined) await mailbox.shareContacts()
    return added
  }
  // A short invite: the full one from the inviter's node, then checked as usual.
  const invite = await resolveInvite(account.provider, request.invite, options.inviteFetch)
  // An invite of a contact's new identity moves that contact (keys.md §5.4).
  const moved = await followInvite(account, invite)
  if (moved !== undefined) {
    await mailbox.shareContacts()
    return { ...moved, refreshed: true }
  }
  const added = await addContact(
    account,
    invite,
    request.name === undefined ? {} : { name: request.name },
  )
  // Our other devices learn the contact and its name (contact-share.ts).
  if (added.refreshed !== true) await mailbox.shareContacts()
  return added
}
