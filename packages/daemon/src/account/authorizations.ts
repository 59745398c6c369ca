/**
 * The authorization sets this daemon grants its own devices (docs/protocol/trust.md §9).
 * @module
 */
import type { Authorization } from '@sdmp/core'

/** Every authorization: what `init` gives its node and `device authorize` a full device. */
export const FULL_AUTHORIZATION: readonly Authorization[] = Object.freeze([
  'publish_resource',
  'read_encrypted',
  'read_resource',
  'create_trust',
  'revoke',
])

/** What a host-only device gets: it stores and serves, never reads (trust.md §9). */
export const HOST_ONLY_AUTHORIZATION: readonly Authorization[] = Object.freeze(['read_resource'])
