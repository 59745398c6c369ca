/**
 * @sdmp/node: the sdmp node as a library (ingest pipeline, sync engine, peer manager).
 * @module
 */
export { Ingestor, FAULT_CODES } from './ingest.js'
export type { IngestOutcome, AppendedLine, IngestorOptions } from './ingest.js'
export { VerifyPool } from './verify-pool.js'
export type { BatchVerifier, VerifyJob, VerifyPoolOptions } from './verify-pool.js'
export { SyncEngine, DEFAULT_SYNC_LIMITS } from './sync/sync-engine.js'
export type { SyncEngineOptions, SyncLimits } from './sync/sync-engine.js'
export { PeerSession } from './sync/peer-session.js'
export type { SessionHost, SessionLimits } from './sync/peer-session.js'
export { Fetcher } from './sync/fetcher.js'
export {
  MessageType,
  encodeMessage,
  decodeMessage,
  controlMessage,
  resourceMessage,
} from './sync/wire.js'
export type { ControlSigner } from './sync/wire.js'
export { PeerManager, PEER_CHANNEL_LIMITS } from './peer-manager.js'
export type { PeerManagerOptions, PeerStatus } from './peer-manager.js'
export { DEFAULT_BACKOFF, resolveBackoff, backoffDelay } from './backoff.js'
export type { BackoffOptions } from './backoff.js'
export { parsePeerAddress, formatPeerAddress } from './peer-address.js'
export type { PeerAddress } from './peer-address.js'
// The account layer: an sdmp home, keys, devices, invites, contacts (docs/cli.md); curated in
// account/index.ts.
export * from './account/index.js'
// The daemon, its network, the in-process service and the mailbox (docs/daemon.md).
export * from './daemon/index.js'
export { NodeService } from './service/node-service.js'
export type { NodeServiceOptions, ServiceNetwork } from './service/node-service.js'
export { openNodeService } from './service/open.js'
export type { OpenedService } from './service/open.js'
export * from './mail/index.js'
export * from './api/index.js'
