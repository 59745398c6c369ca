/**
 * The user's choices behind the client API (docs/api.md "Blocking, settings, profile"):
 * blocking (account/blocks.ts), read receipts (account/settings.ts) and the display name
 * (account/profile.ts), shaped as the API's responses. NodeService maps its methods here.
 * @module
 */
import { ErrorCode, ProtocolError, assertAddress } from '@sdmp/core'
import type {
  Block,
  BlockRequest,
  Profile,
  Settings,
  SettingsRequest,
  Unblocked,
} from '@sdmp/client'
import {
  BlockRequest as BlockSchema,
  ProfileRequest,
  AddressRequest,
  SettingsRequest as SettingsSchema,
} from '@sdmp/client/schemas'
import type { Account } from '../account/account.js'
import { blockUser, readBlocks, resolveBlockTarget, unblockUser } from '../account/blocks.js'
import { readContacts } from '../account/contacts.js'
import { publishAddress, publishProfile, readProfile } from '../account/profile.js'
import type { ProfileInfo } from '../account/profile.js'
import { readSettings, setReadReceipts, setRequestPolicy } from '../account/settings.js'
import type { StoredSettings } from '../account/settings.js'
import { assertRequest } from './request-check.js'

/** The contact name of each user, for the listings. */
async function namesOf(account: Account): Promise<Map<string, string>> {
  return new Map((await readContacts(account)).map((c) => [c.user, c.name]))
}

/** `GET /v1/blocks`: blocked users, by contact name then fingerprint. */
export async function listBlocks(account: Account): Promise<{ blocks: Block[] }> {
  const names = await namesOf(account)
  const blocks = (await readBlocks(account)).map((b) => ({ ...b, name: names.get(b.user) ?? null }))
  blocks.sort((a, b) => (a.name ?? '\uffff' + a.user).localeCompare(b.name ?? '\uffff' + b.user))
  return { blocks }
}

/**
 * `POST /v1/blocks`. `cut` is called after the block is in force, to close the connections of
 * the blocked user's nodes (they are told `blocked`).
 * @throws BAD_REQUEST, NOT_FOUND (an unknown name, with the closest one suggested), CONFLICT
 */
export async function block(
  account: Account,
  request: BlockRequest,
  cut: () => void,
): Promise<Block> {
  assertRequest(BlockSchema, request, 'block')
  const target = await resolveBlockTarget(account, request.user)
  const entry = await blockUser(account, target.user, request.hide === true)
  cut()
  return { ...entry, name: target.name }
}

/** `DELETE /v1/blocks/{user}`. @throws NOT_FOUND (an unknown name, with a suggestion), CONFLICT */
export async function unblock(account: Account, ref: string): Promise<Unblocked> {
  const target = await resolveBlockTarget(account, ref)
  const old = await unblockUser(account, target.user)
  return { user: target.user, name: target.name, unblocked: old !== undefined }
}

function settingsOf(s: StoredSettings, names: Map<string, string>): Settings {
  const contacts = Object.entries(s.contacts)
    .map(([user, readReceipts]) => ({ user, name: names.get(user) ?? null, readReceipts }))
    .sort((a, b) => (a.name ?? a.user).localeCompare(b.name ?? b.user))
  return { readReceipts: s.readReceipts, requests: s.requests, contacts }
}

/** `GET /v1/settings`. */
export async function getSettings(account: Account): Promise<Settings> {
  return settingsOf(await readSettings(account), await namesOf(account))
}

/**
 * `PUT /v1/settings`.
 * @throws BAD_REQUEST (`null` without a contact), NOT_FOUND (an unknown contact), CONFLICT
 */
export async function updateSettings(
  account: Account,
  request: SettingsRequest,
): Promise<Settings> {
  assertRequest(SettingsSchema, request, 'settings')
  if (request.readReceipts === undefined && request.requests === undefined)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'settings: give readReceipts or requests')
  if (request.requests !== undefined && request.contact !== undefined)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'settings.requests: not per contact')
  const user =
    request.contact === undefined
      ? undefined
      : (await resolveBlockTarget(account, request.contact)).user
  let s = await readSettings(account)
  if (request.requests !== undefined) s = await setRequestPolicy(account, request.requests)
  if (request.readReceipts !== undefined)
    s = await setReadReceipts(account, request.readReceipts, user)
  return settingsOf(s, await namesOf(account))
}

/** `GET /v1/profile`. */
export async function getProfile(account: Account): Promise<Profile> {
  const user = account.requireUser()
  const p = await readProfile(account, user)
  return profileOf(user, p)
}

function profileOf(user: string, p: ProfileInfo | undefined): Profile {
  return {
    user,
    name: p?.name ?? null,
    updated: p === undefined ? null : new Date(p.created).toISOString(),
    ...(p?.address !== undefined && { address: p.address }),
  }
}

/**
 * `PUT /v1/address`: claim name@domain (lower-cased) or drop the claim (docs/protocol/
 * addresses.md §2). @throws BAD_REQUEST, FORBIDDEN (a device that may not publish), NOT_FOUND
 */
export async function setAddress(
  account: Account,
  request: { address: string | null },
): Promise<Profile> {
  assertRequest(AddressRequest, request, 'address')
  const address =
    request.address === null ? null : assertAddress(request.address, 'address').address
  const p = await publishAddress(account, address)
  account.setAddress(address ?? undefined)
  return profileOf(account.requireUser(), p)
}

/** `PUT /v1/profile`. @throws BAD_REQUEST, FORBIDDEN (a device that may not publish) */
export async function setProfile(account: Account, request: { name: string }): Promise<Profile> {
  assertRequest(ProfileRequest, request, 'profile')
  if (request.name.trim() === '')
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'profile.name: expected a non-blank name')
  const p = await publishProfile(account, request.name)
  return profileOf(account.requireUser(), p)
}
