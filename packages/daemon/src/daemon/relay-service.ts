/**
 * The relay a daemon serves for the other nodes of its user (docs/protocol/relays.md): only a
 * node its user authorizes now (an unexpired, unrevoked trust) may register, so a host relays
 * for its user's laptop and phone and for nobody else.
 * @module
 */
import { fingerprintOf } from '@sdmp/core'
import { createRelay } from '@sdmp/transport'
import type { Relay, RelayLimits, SpliceTap, TransportLimits } from '@sdmp/transport'
import type { Account } from '../account/account.js'

/** Options of {@link createOwnRelay}. */
export interface OwnRelayOptions {
  /** Channel limits of the control channels (the peer channel's). */
  readonly limits?: Partial<TransportLimits>
  readonly relayLimits?: Partial<RelayLimits>
  readonly tap?: SpliceTap
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

/** A relay whose control channels admit the nodes of the account's user (relays.md §3). */
export function createOwnRelay(account: Account, options: OwnRelayOptions = {}): Relay {
  const { provider } = account
  return createRelay({
    provider,
    nodeSeed: account.nodeKey.seed,
    fingerprintOf: (pk) => fingerprintOf(provider, pk),
    ...(options.limits && { limits: options.limits }),
    ...(options.relayLimits && { relayLimits: options.relayLimits }),
    ...(options.tap && { tap: options.tap }),
    ...(options.event && { event: options.event }),
    authorize: async (peer) => {
      const user = account.user
      const own =
        user !== undefined &&
        peer.fingerprint !== account.node &&
        account.ingestor.graph.nodesOf(user, account.now()).includes(peer.fingerprint)
      return own ? { ok: true } : { ok: false, reason: 'not_own_node' }
    },
  })
}
