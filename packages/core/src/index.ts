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
  concatBytes,
  equalBytes,
  equalStrings,
} from './bytes.js'
export { canonicalize, parseCanonical, parseStrict, isJsonObject } from './json.js'
export type { Json, JsonObject } from './json.js'
export type { CryptoProvider, Ed25519, X25519, MlKem768, Aead } from './crypto/provider.js'
export { createNobleProvider } from './crypto/noble-provider.js'
export {
  nextLineId,
  formatJournalLine,
  parseJournalLine,
  verifyJournal,
  isDigest,
  HASH_B64_LENGTH,
} from './journal/journal.js'
export type { JournalEntry, JournalVerification, Sha512 } from './journal/journal.js'
