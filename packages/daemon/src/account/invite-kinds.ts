/**
 * The resource kinds an invite carries (docs/cli.md "Invites"), declared once for the invite
 * codecs and the contact code. A module of its own: `codec.ts` and `compact-invite.ts` import
 * each other, so neither can hold a value the other reads while loading.
 * @module
 */
import type { ContentKind } from '@sdmp/core'

/**
 * The kinds an invite carries, in validation order: what authorizes comes first. The compact
 * form (`sdmp-invite:2:`) leaves out `prekey`: prekeys come by sync.
 */
export const INVITE_KINDS = Object.freeze([
  'identity',
  'trust',
  'prekey',
  'node',
  'user',
] as const satisfies readonly ContentKind[])
