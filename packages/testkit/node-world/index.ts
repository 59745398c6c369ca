/**
 * The protocol-runtime half of the fixture kit (`@sdmp/testkit/node-world`): users and node
 * identities from fixed seeds, in-memory nodes over duplex pairs, SQLite nodes with peer
 * managers on loopback, prebuilt worlds, and helpers that observe a node. Built on
 * `@sdmp/node`; `@sdmp/testkit/daemon-world` builds accounts and daemons on top of it.
 * @module
 */
export {
  FULL_DEVICE,
  befriend,
  identityOf,
  keyOf,
  makeNodeIdentity,
  makeUser,
  provider,
  sign,
} from './users.js'
export type { NodeIdentity, User } from './users.js'
export { allResources, ingestAccepted, introduceTo } from './resources.js'
export { closeAll, connect, introduce, makeNode, nodeActions, signerOf } from './sim-nodes.js'
export type { SimNode } from './sim-nodes.js'
export {
  FAST_BACKOFF,
  journalIds,
  openDiskNode,
  shutdownAll,
  spyStore,
  verifiedJournalIds,
} from './disk-nodes.js'
export type { DiskNode, DiskNodeOptions } from './disk-nodes.js'
export { flood, trustedTrio } from './trusted-trio.js'
export type { TrioOptions } from './trusted-trio.js'
export { prekeyRecords, publishPrekey, sendSealed } from './sealed.js'
export { askAll, footprint, pullAll, spyOffers } from './observe.js'
