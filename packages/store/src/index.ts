/**
 * @sdmp/store: the Store interface, the in-memory store and the secret vault (docs/store.md).
 * The conformance suite every backend runs (`node:test`) and the bench kit are test tools, at
 * the subpaths `@sdmp/store/conformance` and `@sdmp/store/bench-kit`, never in runtime code.
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
  StoreUsage,
  PeerState,
  BlobInfo,
  LocalRecord,
  LocalRange,
  LocalPutOptions,
  JournalWatch,
} from './store.js'
export { MAX_LOCAL_VALUE_BYTES } from './store.js'
export { MemoryStore } from './memory-store.js'
export { fromStoredForm, storedForm, toStoredItems } from './stored-form.js'
export type { MemoryStoreOptions } from './memory-store.js'
export {
  assertDigest,
  assertName,
  assertInteger,
  assertBytes,
  assertBlobHash,
  assertArray,
  assertIngestItem,
  assertIngestItems,
  assertPeerState,
  assertLocalNamespace,
  assertLocalKey,
  assertLocalRecords,
  assertLocalRange,
  compareLocalKeys,
  MAX_NAME_LENGTH,
  MAX_KIND_LENGTH,
} from './validate.js'
export { assertQuery, checkAborted, BLOB_CHUNK } from './store-helpers.js'
export { SecretVault, DEFAULT_SCRYPT, VAULT_HEADER } from './secret-vault.js'
export type { SecretVaultOptions, ScryptParams } from './secret-vault.js'
export { GroupCommit } from './group-commit.js'
export { JournalSignal } from './journal-signal.js'
