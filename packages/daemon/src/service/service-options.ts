/**
 * What the node service (node-service.ts) is given: the running network, if any, and how it
 * reaches out (one-shot sync, invite fetches, address lookups).
 * @module
 */
import type { Peer, SyncRequest, SyncResult } from '@sdmp/client'
import type { AddressLookupOptions } from '../address/address-lookup.js'
import type { InviteFetchOptions } from './invite-fetch.js'
import type { RunningDaemon } from './node-info.js'

/** What a running network adds to the service (the daemon's, or a one-shot sync's). */
export interface ServiceNetwork {
  peers(): Peer[]
  sync(request: SyncRequest): Promise<SyncResult>
  /** The network's blob transfer (docs/protocol/attachments.md §3). */
  readonly blobs: ServiceBlobs
  /** Close the connections of nodes the trust gate now refuses (a user was just blocked). */
  refuseBlocked?(): void
  /** Ask our connected host-only nodes for held requests (docs/protocol/requests.md §7.2). */
  pullHeld?(): Promise<void>
}

/** What the service asks of the network's blob transfer. */
export interface ServiceBlobs {
  want(hashes: readonly string[]): void
  offer(hashes: readonly string[], users: ReadonlySet<string>): Promise<void>
}

/** Options of `NodeService` (node-service.ts). */
export interface NodeServiceOptions {
  /** The running network, when a daemon runs. */
  readonly network?: () => ServiceNetwork | undefined
  /** Without a daemon: run one sync over a temporary network and return its result. */
  readonly oneShotSync?: (request: SyncRequest) => Promise<SyncResult>
  /** Bound addresses and pid of the running daemon. */
  readonly running?: () => RunningDaemon | undefined
  /** Called after this node learned its user (device join): the daemon starts syncing. */
  readonly onJoined?: () => Promise<void>
  /** How short invites are fetched (tests shorten the timeout). */
  readonly inviteFetch?: InviteFetchOptions
  /** How name@domain addresses are looked up: resolvers, extra CA (docs/protocol/addresses.md). */
  readonly addressLookup?: AddressLookupOptions
}
