/**
 * `sdmp device join INVITE`: the last step of the join flow on a new device (docs/cli.md §5).
 * The device was created with `init --join` and authorized on the first device; the user's
 * invite made after that names this node among its devices. Taking it teaches this node its
 * user, the user's other devices and their addresses, so it can connect and sync.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { Account } from './account.js'
import { checkInvite } from './contacts.js'

/**
 * Check the invite (as `contact add` does), require that its user trusts this node now, store
 * its resources and record the user.
 * @throws CONFLICT (this device already knows its user), FORBIDDEN (the invite's user does not
 *   trust this node: authorize it first), and every code of checkInvite
 */
export async function joinUser(
  account: Account,
  invite: string,
): Promise<{ user: string; node: string }> {
  if (account.user !== undefined)
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      'this device already belongs to a user: device join is for a device made with init --join',
    )
  const checked = checkInvite(account, invite)
  if (!checked.nodes.includes(account.node))
    throw new ProtocolError(
      ErrorCode.FORBIDDEN,
      'this invite does not list this device: run sdmp device authorize REQUEST on your first device, then make a new invite there',
    )
  await account.publish(checked.resources)
  account.learnUser()
  if (account.user !== checked.user) throw new Error('device join: the user was not learned')
  return { user: checked.user, node: account.node }
}
