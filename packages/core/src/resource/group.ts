/**
 * Group ids (docs/protocol/groups.md §2): a group's id is the hash of its admin's user
 * fingerprint and a random salt, so a version of the group signed for anyone else cannot carry
 * its id. Readers check it on every version; that check is the whole "only the admin changes
 * the group" rule, whatever order versions arrive in.
 * @module
 */
import { concatBytes, fromBase64urlExact, toBase64url, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { TAG_GROUP_ID } from '../domain.js'

/** Bytes of a group salt (random, chosen by the admin when creating the group). */
export const GROUP_SALT_BYTES = 32

/**
 * The id of the group of `admin` with `salt` (base64url, 32 bytes):
 * `b64u(SHA-512("sdmp/group-id/v1" || 0x00 || UTF-8(admin) || 0x00 || salt))`, 86 characters.
 * @throws INVALID_ENCODING (a salt that is not strict base64url of 32 bytes)
 * @example
 * const salt = toBase64url(provider.randomBytes(GROUP_SALT_BYTES))
 * const id = groupIdOf(provider, alice, salt)
 */
export function groupIdOf(provider: CryptoProvider, admin: string, salt: string): string {
  const raw = fromBase64urlExact(salt, GROUP_SALT_BYTES, 'group.salt')
  const zero = new Uint8Array([0])
  return toBase64url(provider.sha512(concatBytes(utf8(TAG_GROUP_ID), zero, utf8(admin), zero, raw)))
}

/**
 * Whether a group version's `id` is the id of the group of `author` (the resource's
 * `resource.user`) with its `salt`: false for a version signed for anyone but the admin.
 */
export function isGroupIdOf(
  provider: CryptoProvider,
  group: { readonly id: string; readonly salt: string },
  author: string,
): boolean {
  try {
    return groupIdOf(provider, author, group.salt) === group.id
  } catch {
    return false // a salt of the wrong size was refused by the schema already; never an id
  }
}
