/**
 * @sdmp/node: the protocol runtime (docs/architecture.md): the ingest pipeline (verify, admit,
 * store, journal), the sync engine and its sessions, attachment blob transfer, the peer
 * manager. It knows no home directory, no HTTP and no user interface: those are the daemon's
 * (`@sdmp/daemon`).
 * @module
 */
export { Ingestor, FAULT_CODES } from './ingest.js'
export { compactReceived } from './ingest-authorize.js'
export type { StoreFollow } from './journal-follow.js'
export { JournalFollower } from './journal-follow.js'
export type { FollowHooks, ForeignLine } from './journal-follow.js'
export type {
  IngestOutcome,
  AppendedLine,
  CompactReceived,
  IngestorOptions,
  Publication,
} from './ingest.js'
export { QUOTA_LIMITS } from './author-quota.js'
export type { QuotaLimits } from './author-quota.js'
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
  resourceFrameBytes,
} from './sync/wire.js'
export type { ControlSigner } from './sync/wire.js'
export { PeerManager, PEER_CHANNEL_LIMITS } from './peer-manager.js'
export { FIRST_CONTACT_DEFAULTS, serveFirstContact } from './first-contact.js'
export type { FirstContactOptions, FirstContactSource } from './first-contact.js'
export type { PeerChange, PeerManagerOptions, PeerStatus } from './peer-manager.js'
export { DEFAULT_BACKOFF, resolveBackoff, backoffDelay } from './backoff.js'
export type { BackoffOptions } from './backoff.js'
export {
  parsePeerAddress,
  formatPeerAddress,
  webSocketUrl,
  isRelayAddress,
  relayEndpoints,
  RELAY_PATH,
} from './peer-address.js'
export type { PeerAddress, RelayEndpoints } from './peer-address.js'
export { RelayLink } from './relay-link.js'
export type { RelayLinkOptions, RelayLinkState } from './relay-link.js'
export { PARTIAL_BLOB_DIR } from './blobs/blob-partial.js'
export { WANTED_NS } from './blobs/wanted-records.js'
export { BlobTransfer, DEFAULT_BLOB_LIMITS } from './blobs/blob-transfer.js'
export type { BlobLimits } from './blobs/blob-transfer.js'
export { NO_BLOBS } from './sync/session-blobs.js'
export type { BlobPeer, SessionBlobs } from './sync/session-blobs.js'
export { SerialQueue } from './serial-queue.js'
export { TokenBucket } from './sync/peer-rates.js'
