/**
 * Pinning addresses to identities (docs/protocol/addresses.md §4): the first identity seen at
 * `name@domain` is pinned (address -> user fingerprint, kept in the vault). DNS and HTTPS only
 * say where to look; once pinned, the address never moves to another key silently. Another
 * identity there is `KEY_CHANGED`, unless it carries a rotation proof from the pinned identity
 * that this node verifies (keys.md §5), in which case the contact moves and the pin follows.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import type { ContactAdded } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { SECRET_NAMES } from '../account/secret-names.js'
import { addContact } from '../account/contacts.js'
import { followInvite } from '../account/rotation.js'
import { resolveAddress } from './address-lookup.js'
import type { AddressLookupOptions, ResolvedAddress } from './address-lookup.js'

/** One pin. */
export interface AddressPin {
  readonly address: string
  readonly user: string
  /** When it was pinned (or last re-pinned by a rotation), ISO 8601. */
  readonly pinned: string
}

/** The pins of this node. */
export async function readPins(account: Account): Promise<AddressPin[]> {
  const bytes = await account.vault.get(SECRET_NAMES.addressPins)
  if (bytes === undefined) return []
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as { pins?: AddressPin[] }
    if (Array.isArray(v.pins)) return v.pins
  } catch {
    // reported below
  }
  throw new ProtocolError(ErrorCode.INCOMPATIBLE_STORE, 'store: address pins damaged')
}

async function writePin(account: Account, pin: AddressPin): Promise<void> {
  const pins = (await readPins(account)).filter((p) => p.address !== pin.address)
  const text = JSON.stringify({ version: 1, pins: [...pins, pin] })
  await account.vault.put(SECRET_NAMES.addressPins, new TextEncoder().encode(text))
}

/**
 * `contact add name@domain`: resolve and verify the address, check it against its pin, add
 * (or refresh) the contact, honour the document's revocations, then pin.
 * @throws KEY_CHANGED (another identity than the pinned one, without a valid rotation proof:
 *   nothing is stored and the pin stays), the codes of {@link resolveAddress} and of
 *   `addContact`
 */
export async function addContactByAddress(
  account: Account,
  address: string,
  options: { name?: string; lookup?: AddressLookupOptions } = {},
): Promise<ContactAdded & { address: string }> {
  const resolved = await resolveAddress(account, address, options.lookup)
  const pin = (await readPins(account)).find((p) => p.address === resolved.address)
  let added: ContactAdded
  if (pin !== undefined && pin.user !== resolved.user) {
    added = await followPinnedRotation(account, resolved, pin)
  } else {
    added = await addContact(
      account,
      resolved.invite,
      options.name === undefined ? {} : { name: options.name },
    )
  }
  // Revocations published with the document count like any others (trust.md §6).
  if (resolved.revocations.length > 0) await account.publish(resolved.revocations)
  if (pin?.user !== resolved.user)
    await writePin(account, {
      address: resolved.address,
      user: resolved.user,
      pinned: new Date(account.now()).toISOString(),
    })
  return { ...added, address: resolved.address }
}

/** Accept a new identity at a pinned address only as a verified rotation of the pinned one. */
async function followPinnedRotation(
  account: Account,
  resolved: ResolvedAddress,
  pin: AddressPin,
): Promise<ContactAdded> {
  const changed = (why: string): never => {
    throw new ProtocolError(
      ErrorCode.KEY_CHANGED,
      `${resolved.address} now publishes another key: user ${resolved.user.slice(0, 12)}… ` +
        `instead of the pinned ${pin.user.slice(0, 12)}… (${why}). Nothing was changed. ` +
        'Check with them by another channel; if they really replaced their key, remove the ' +
        'contact and add their new invite',
    )
  }
  const identity = resolved.checked.resources.find(
    (v) => v.kind === 'identity' && v.header.user === resolved.user,
  )
  const from = (identity?.data as ContentData<'identity'> | undefined)?.rotation?.from
  const graph = account.ingestor.graph
  if (from === undefined || (from !== pin.user && !graph.predecessorsOf(from).includes(pin.user)))
    changed('no rotation proof from the pinned key')
  let moved: Awaited<ReturnType<typeof followInvite>>
  try {
    moved = await followInvite(account, resolved.invite)
  } catch (e) {
    if (e instanceof ProtocolError && e.code === ErrorCode.FORBIDDEN)
      changed('its rotation proof does not hold against the pinned identity')
    throw e
  }
  if (moved === undefined || graph.currentOf(pin.user) !== resolved.user)
    changed('the pinned identity is no contact here to rotate from')
  return { ...moved!, refreshed: true }
}
