/**
 * The group routes of the service (docs/api.md "Groups", docs/protocol/groups.md): members by
 * contact name or fingerprint, and a group as the API shows it, with its members' names.
 * @module
 */
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import { GroupCreateRequest, GroupMemberRequest, PathParam } from '@sdmp/client/schemas'
import type { GroupInfo } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { readContacts } from '../account/contacts.js'
import type { Mailbox } from '../mail/index.js'
import { groupChatId } from '../mail/groups.js'
import type { GroupState } from '../mail/groups.js'
import { recipients } from './messages.js'
import { assertRequest } from './request-check.js'

/** A group as the API shows it: members named by contact name (ours: our own name). */
export async function groupInfo(account: Account, group: GroupState): Promise<GroupInfo> {
  const me = account.user
  const names = new Map((await readContacts(account)).map((c) => [c.user, c.name]))
  return {
    id: group.id,
    name: group.name,
    admin: group.admin,
    version: group.version,
    members: group.members.map((user) => ({
      user,
      name:
        names.get(user) ??
        (user === me ? (account.config.name ?? 'me') : user.slice(0, SHORT_ID_CHARS)),
      admin: user === group.admin,
    })),
    member: me !== undefined && group.members.includes(me),
    chat: groupChatId(group.id),
    updated: new Date(group.updated).toISOString(),
  }
}

/** `GET /v1/groups`. */
export async function listGroups(
  account: Account,
  mailbox: Mailbox,
): Promise<{ groups: GroupInfo[] }> {
  const groups: GroupInfo[] = []
  for (const g of mailbox.groups()) groups.push(await groupInfo(account, g))
  return { groups }
}

/** `POST /v1/groups`. @throws BAD_REQUEST, NOT_FOUND, FORBIDDEN, CONFLICT, LIMIT_EXCEEDED */
export async function createGroup(
  account: Account,
  mailbox: Mailbox,
  request: GroupCreateRequest,
): Promise<GroupInfo> {
  assertRequest(GroupCreateRequest, request, 'group')
  const members = await recipients(account, request.members)
  return groupInfo(account, await mailbox.createGroup(request.name, members))
}

/** `POST /v1/groups/{group}/members`, `DELETE /v1/groups/{group}/members/{member}`. */
export async function changeGroup(
  account: Account,
  mailbox: Mailbox,
  group: string,
  member: string,
  add: boolean,
): Promise<GroupInfo> {
  assertRequest(PathParam, group, 'group')
  if (add) assertRequest(GroupMemberRequest, { member }, 'member')
  else assertRequest(PathParam, member, 'member')
  const [user] = await recipients(account, [member])
  return groupInfo(account, await mailbox.changeGroup(group, user!, add))
}
