/**
 * @sdmp/store: the Store interface, the in-memory store and the conformance suite.
 * @module
 */
export type {
  Store,
  IngestItem,
  PutResult,
  JournalRow,
  ResourceKey,
  ResourceMeta,
  ResourceQuery,
  PeerState,
  OutboxItem,
  BlobInfo,
} from './store.js'
