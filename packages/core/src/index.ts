/**
 * @sdmp/core: the pure protocol library. Curated exports only; see docs/protocol/.
 * @module
 */
export { ErrorCode, ProtocolError, isProtocolError } from './errors.js'
export {
  PROFILE_VERSION,
  SUPPORTED_VERSIONS,
  SIGNATURE_ALG,
  SUITE_HYBRID,
  LIMITS,
} from './domain.js'
export {
  toBase64url,
  fromBase64url,
  fromBase64urlExact,
  toHex,
  fromHex,
  utf8,
  fromUtf8,
  detachedString,
  concatBytes,
  equalBytes,
  equalStrings,
} from './bytes.js'
export { canonicalize, parseCanonical, parseStrict, isJsonObject } from './json.js'
export type { Json, JsonObject } from './json.js'
export type { CryptoProvider, Ed25519, X25519, MlKem768, Aead } from './crypto/provider.js'
export { createNobleProvider, nobleMlKem768 } from './crypto/noble-provider.js'
export {
  ED25519_KEY_CACHE_SIZE,
  BoundedKeyCache,
  createEd25519Verifier,
  decodeEd25519PublicKey,
  ed25519CacheKey,
  isCanonicalFieldEncoding,
  isCanonicalScalar,
  isSmallOrderEncoding,
  isValidEd25519PublicKey,
  isValidEd25519SignatureEncoding,
} from './crypto/ed25519-rule.js'
export type { Ed25519Verify } from './crypto/ed25519-rule.js'
export {
  nextLineId,
  formatJournalLine,
  parseJournalLine,
  verifyJournal,
  isDigest,
  HASH_B64_LENGTH,
} from './journal/journal.js'
export type { JournalEntry, JournalVerification, Sha512 } from './journal/journal.js'
export {
  keyRecord,
  fingerprintOf,
  decodeKeyRecord,
  signingKeyFromSeed,
  generateSigningKey,
} from './identity/keys.js'
export type { KeyRecord, SigningKey } from './identity/keys.js'
export {
  AUTHORIZATIONS,
  CONTENT_SCHEMAS,
  DELEGATION_SCOPES,
  isContentKind,
} from './resource/schemas.js'
export type {
  Authorization,
  ContentKind,
  ContentData,
  DelegationScope,
  ResourceHeader,
} from './resource/schemas.js'
export {
  decodeResource,
  peekResourceId,
  signingInputOf,
  verifySignatureEntry,
} from './resource/resource.js'
export type { DecodedResource, SignatureEntry } from './resource/resource.js'
export { buildPayload, signResource } from './resource/sign.js'
export type { ResourceDraft } from './resource/sign.js'
export {
  COMPACT_MAGIC,
  COMPACT_VERSION,
  decodeCompactResource,
  encodeCompactResource,
  isCompactResource,
  resourceJsonBytes,
} from './resource/compact.js'
export type { CompactHash } from './resource/compact.js'
export {
  validateResource,
  checkResource,
  identityInfoOf,
  trustInfoOf,
  applyToTrustGraph,
} from './resource/ingest.js'
export type { Verified, SignatureCheck, CheckOptions } from './resource/ingest.js'
export { verifyForwarded } from './resource/forward.js'
export { GROUP_SALT_BYTES, groupIdOf, isGroupIdOf } from './resource/group.js'
export type { ForwardedData, ForwardedMessage } from './resource/forward.js'
export { TrustGraph, MAX_CLOCK_SKEW_MS } from './trust/trust-graph.js'
export type { Succession } from './trust/trust-graph.js'
export type { TrustView, IdentityInfo, TrustInfo, Decision } from './trust/trust-graph.js'
// Encrypted resources and prekeys (docs/protocol/envelope.md).
export { SUITE_BASELINE } from './domain.js'
export { sealEnvelope, openEnvelope } from './envelope/envelope.js'
export type { SealOptions } from './envelope/envelope.js'
export { decodeEncryptedData } from './envelope/encrypted-data.js'
export type { EncryptedData } from './envelope/encrypted-data.js'
export { routeTag, makeRoutes, ROUTE_TAG_BYTES } from './envelope/routes.js'
export { SUITES, isSuite } from './envelope/suites.js'
export type { Suite } from './envelope/suites.js'
export {
  generateRecipientKeyPair,
  isValidMlKemPublicKey,
  assertRecipientPublicKey,
} from './envelope/wrap.js'
export type {
  RandomSource,
  RecipientKey,
  RecipientSecret,
  RecipientKeyPair,
} from './envelope/wrap.js'
export { sizeBucket, sizeBucketV2, padme, recipientBucket } from './envelope/padding.js'
export type { EnvelopeVersion } from './envelope/padding.js'
export {
  DEFAULT_PREKEY_POLICY,
  generatePrekey,
  prekeyId,
  isPrekeyValidAt,
  selectPrekeys,
  prekeyNeedsRotation,
  prekeySecretsToDelete,
  prekeyValidity,
} from './envelope/prekey.js'
export type { Prekey, PrekeyRecord, PrekeyPolicy } from './envelope/prekey.js'
export {
  sealResource,
  sealSessionResource,
  openResource,
  openSessionResource,
  prekeyRecordOf,
  SEALABLE_KINDS,
} from './resource/private.js'
export type { Sender } from './resource/private.js'
// Range-based set reconciliation over resource ids (docs/protocol/sync.md).
export { Reconciler, RECONCILE_DEFAULTS } from './sync/reconcile.js'
export type { ReconcilerOptions, ReconcileResult } from './sync/reconcile.js'
export {
  MemoryReconcileStorage,
  MIN_BOUND,
  MAX_BOUND,
  compareKeys,
  separatingBound,
} from './sync/reconcile-storage.js'
export type { ReconcileStorage, SyncKey, Bound } from './sync/reconcile-storage.js'
export {
  RECONCILE_VERSION,
  RECONCILE_VERSIONS,
  decodeReconcileMessage,
  encodeReject,
} from './sync/reconcile-codec.js'
export type { ReconcileMessage, WireRange } from './sync/reconcile-codec.js'
export { rangeFingerprint, TAG_SYNC_FINGERPRINT } from './sync/fingerprint.js'
export type { Sha256Source } from './sync/fingerprint.js'
// Attachment blobs: chunked STREAM sealing (docs/protocol/attachments.md).
export {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_KEY_BYTES,
  ATTACHMENT_MAX_BYTES,
  ATTACHMENT_MAX_COUNT,
  ATTACHMENT_MAX_NAME_CHARS,
  ATTACHMENT_TAG_BYTES,
  BLOB_HASH_PATTERN,
  isBlobHash,
  attachmentNonce,
  generateAttachmentKey,
  openAttachment,
  plainAttachmentSize,
  sealAttachment,
  sealedAttachmentSize,
  toMessageAttachment,
} from './attachment/attachment.js'
export type { MessageAttachment, SealAttachmentOptions } from './attachment/attachment.js'
export { MAX_OFFERED_BLOBS } from './resource/schemas-sync.js'
export {
  ROTATION_CONTEXT,
  decodeRotation,
  recoveryCommitment,
  rotationSigningInput,
  signRotation,
  verifyRotation,
} from './identity/rotation.js'
export type { RotationInfo, RotationKind, RotationProof } from './identity/rotation.js'
export { ADDRESS_MAX_CHARS, assertAddress, isAddress, parseAddress } from './identity/address.js'
export type { SdmpAddress } from './identity/address.js'
// Ratcheted sessions between nodes (docs/protocol/sessions.md).
export {
  MAX_SESSIONS_PER_PEER,
  SESSION_MAX_AGE_MS,
  decodeSession,
  encodeSession,
  keepSession,
  pendingSession,
  sendPlan,
  sendingSession,
  sessionOpen,
  sessionSeal,
  sessionStartKeys,
  startInitiator,
  startResponder,
} from './session/session.js'
export type { SendTime, Session } from './session/session.js'
export {
  openSessionEnvelope,
  sealSessionEnvelope,
  selfEntryKey,
} from './session/session-envelope.js'
export type { SessionOpenInput, SessionSealInput } from './session/session-envelope.js'
export { MAX_SKIP, MAX_SKIPPED_KEYS, SESSION_ENTRY_BYTES, kdfCk, kdfRk } from './session/ratchet.js'
export type { RatchetState } from './session/ratchet.js'
export { wrapKeyDetailed, unwrapKeyDetailed } from './envelope/wrap.js'
export type { WrapDetails } from './envelope/wrap.js'
