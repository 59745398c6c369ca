/**
 * Contact names as people type them (docs/cli.md "Contacts"): matched without regard to case
 * ("bob" finds "Bob"), an exact match first; a name that matches nothing gets the closest one
 * suggested; two contacts may not have names that differ only in case.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { didYouMean } from '@sdmp/client/suggest'
import type { ContactEntry } from './contacts.js'

/** Whether two contact names are the same name (case-insensitive). */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/**
 * The contact called `name`: the exact name, else the one name equal but for case.
 * @throws CONFLICT when several names equal `name` but for case and none exactly
 */
export function findContact<C extends Pick<ContactEntry, 'name'>>(
  contacts: readonly C[],
  name: string,
): C | undefined {
  const exact = contacts.find((c) => c.name === name)
  if (exact) return exact
  const folded = contacts.filter((c) => sameName(c.name, name))
  if (folded.length > 1)
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `several contacts are named like ${name} (${folded.map((c) => c.name).join(', ')}): give the exact name`,
    )
  return folded[0]
}

/**
 * As {@link findContact}, but a missing name is an error that suggests the closest one.
 * @throws NOT_FOUND, CONFLICT
 */
export function requireContact<C extends Pick<ContactEntry, 'name'>>(
  contacts: readonly C[],
  name: string,
): C {
  const found = findContact(contacts, name)
  if (found) return found
  throw new ProtocolError(
    ErrorCode.NOT_FOUND,
    `no contact named ${name}${didYouMean(
      name,
      contacts.map((c) => c.name),
    )}`,
  )
}
