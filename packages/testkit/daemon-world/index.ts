/**
 * The daemon half of the fixture kit (`@sdmp/testkit/daemon-world`): accounts on SQLite homes,
 * mailboxes synced in process, daemons on loopback with API clients, and contacts and
 * connections made through the client API. Builds on `@sdmp/testkit/node-world` (its provider
 * and resource moves) and `@sdmp/daemon`.
 * @module
 */
export { CHEAP_SCRYPT, accountDeps, createAccount, syncHomes } from './accounts.js'
export type { AccountDepsOptions } from './accounts.js'
export {
  befriendApis,
  befriendDaemons,
  connectedTo,
  connectedToUser,
  inboxHas,
  startDaemon,
  stopDaemon,
  stopDaemons,
  waitPeer,
} from './daemons.js'
export type { TestDaemon, WaitPeerOptions } from './daemons.js'
export {
  befriendPeers,
  closePeers,
  createPeer,
  friendPeers,
  peerResources,
  pushPeer,
  restartPeer,
  sealedBy,
  syncPeers,
  waitSealed,
} from './mail-peers.js'
export type { Peer } from './mail-peers.js'
export { blobPath, download } from './files.js'
export { startDnsServer } from './dns-server.js'
export type { TestDnsServer, ZoneRecord } from './dns-server.js'
export { hostDepsOn, hostUser, tenantsKnow } from './hosts.js'
export type { HostPostgres } from './hosts.js'
