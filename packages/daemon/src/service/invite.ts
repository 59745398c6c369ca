/**
 * `GET /v1/invite` (docs/api.md): this user's invite, in full or, with `compact`, in the
 * compact form `sdmp invite --qr` shows (`sdmp-invite:2:`, no prekeys: they arrive by sync),
 * small enough for the QR code of the web client's Contacts page.
 * @module
 */
import { InviteQuery } from '@sdmp/client/schemas'
import type { Account } from '../account/account.js'
import { decodeInvite } from '../account/codec.js'
import { encodeCompactInvite } from '../account/compact-invite.js'
import { createInvite } from '../account/contacts.js'
import { assertRequest } from './request-check.js'

/**
 * The invite of the account's user.
 * @throws BAD_REQUEST for a malformed query; FORBIDDEN on a joined device with no user yet
 */
export async function userInvite(
  account: Account,
  query: InviteQuery,
): Promise<{ invite: string }> {
  const { compact = false } = assertRequest(InviteQuery, query, 'query')
  const invite = await createInvite(account)
  return { invite: compact ? encodeCompactInvite(decodeInvite(invite)) : invite }
}
