/**
 * What the service says about this node (docs/api.md `GET /v1/whoami`, `GET /v1/status`): the
 * user and node, the name (the newest published profile's, else the one given at init), the
 * running daemon, the counts, and whether this device was revoked (trust.md §6.1).
 * @module
 */
import type { Peer, RevokedInfo, Status, Whoami } from '@sdmp/client'
import { formatPeerAddress } from '@sdmp/node'
import { peerAddresses } from '../account/address-book.js'
import type { Account } from '../account/account.js'
import { accountStatus } from '../account/activity.js'
import { readProfile } from '../account/profile.js'
import { describeRevocation } from '../account/revocation.js'
import type { Mailbox } from '../mail/index.js'

/** The running daemon, as the service is told of it (node-service.ts `NodeServiceOptions`). */
export interface RunningDaemon {
  readonly peer: string
  readonly api: string
  readonly pid: number
  readonly startedAt: number
}

/** `{ revoked }` when this device was revoked (trust.md §6.1), else nothing. */
export function revokedInfo(account: Account): { revoked?: RevokedInfo } {
  const r = account.revoked
  return r === undefined ? {} : { revoked: { at: r.at, by: r.by, message: describeRevocation(r) } }
}

/** `GET /v1/whoami`. */
export async function whoami(
  account: Account,
  running: RunningDaemon | undefined,
): Promise<Whoami> {
  const c = account.config
  // The newest published profile names the user (profile.ts); else the name given at init.
  const profile = c.user === null ? undefined : await readProfile(account, c.user)
  const name = profile?.name ?? c.name
  // The claimed address travels in the profile (addresses.md §2); config.json has this device's.
  const address = c.user === null ? undefined : (profile?.address ?? c.address)
  return {
    user: c.user,
    node: c.node,
    uri: c.user === null ? null : `sdmp://${c.user}`,
    ...(name !== undefined && { name }),
    ...(address !== undefined && { address }),
    listen: { ...c.listen },
    ...(running && { running: { peer: running.peer, api: running.api, pid: running.pid } }),
    ...revokedInfo(account),
  }
}

/** `GET /v1/status`: `connected` is the number of connected peers of the running network. */
export async function nodeStatus(
  account: Account,
  mailbox: Mailbox,
  running: RunningDaemon | undefined,
  connected: number,
): Promise<Status> {
  const s = await accountStatus(account)
  return {
    ...s,
    counts: { ...s.counts, messages: await mailbox.count() },
    ...(running && {
      daemon: { pid: running.pid, uptimeMs: Date.now() - running.startedAt, peers: connected },
    }),
    ...revokedInfo(account),
  }
}

/** No daemon: the peers this node would dial, all offline. */
export async function offlinePeers(account: Account): Promise<Peer[]> {
  return (await peerAddresses(account)).map((a) => ({
    node: a.fingerprint ?? null,
    user: null,
    address: formatPeerAddress({ host: a.host, port: a.port }),
    state: 'offline',
    direction: null,
    lastError: null,
    nextAttempt: null,
  }))
}
