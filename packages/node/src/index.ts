/**
 * @sdmp/node: the sdmp node as a library (ingest pipeline, sync engine, peer manager).
 * @module
 */
export { Ingestor, FAULT_CODES } from './ingest.js'
export type { IngestOutcome, AppendedLine, IngestorOptions } from './ingest.js'
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
