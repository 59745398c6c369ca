/**
 * Every protocol version constant, domain-separation tag and size limit of the profile, in one
 * place (docs/protocol/README.md). Tags have the form `sdmp/<purpose>/v<N>`.
 * @module
 */

/** Container version of this profile (docs/protocol/README.md, resource.md §2). */
export const PROFILE_VERSION = '1.0'
/** Versions a node accepts in containers it ingests. */
export const SUPPORTED_VERSIONS: readonly string[] = Object.freeze(['1.0'])

/** Signature algorithm label in protected headers (RFC 8037). */
export const SIGNATURE_ALG = 'EdDSA'
/** Envelope suite: ML-KEM-768 + X25519 hybrid key wrap, SEMP's `pq-kyber768-x25519`. */
export const SUITE_HYBRID = 'pq-kyber768-x25519'
/** Envelope suite: SEMP's baseline X25519-only key wrap (interop and SEMP vectors; not our default). */
export const SUITE_BASELINE = 'x25519-chacha20-poly1305'

/** HKDF info of SEMP's per-recipient key wrap, kept byte-identical (docs/protocol/envelope.md). */
export const TAG_WRAP = 'SEMP-v1-wrap'
/** AEAD associated data of the sealed enclosure (docs/protocol/envelope.md). */
export const TAG_ENCLOSURE = 'sdmp/enclosure/v1'
/** AAD tag of the content AEAD, envelope profile 2 (envelope.md §4.1, §5.1). */
export const TAG_ENCLOSURE_V2 = 'sdmp/enclosure/v2'
/** AAD tag of profile 3 envelopes: Padmé padding, compact inner resource (compact.md §5). */
export const TAG_ENCLOSURE_V3 = 'sdmp/enclosure/v3'
/** Hash prefix of the per-reader routing tags of an envelope (docs/protocol/envelope.md §12). */
export const TAG_ROUTE = 'sdmp/route/v1'

/** Hard limits on untrusted input (docs/protocol/encoding.md §4). */
export const LIMITS = Object.freeze({
  /** Largest encoded resource accepted from anywhere, in bytes. */
  maxResourceBytes: 1024 * 1024,
  /** Deepest JSON nesting accepted. */
  maxDepth: 32,
  /** Most signatures on one resource. */
  maxSignatures: 8,
  /** Most recipients wrapped in one envelope. */
  maxRecipients: 1024,
  /** Longest free-text string field (message body excluded), in characters. */
  maxStringChars: 4096,
  /** Longest message body, in characters. */
  maxBodyChars: 256 * 1024,
  /** Most messages one receipt confirms (docs/protocol/schemas.md "receipt"). */
  maxReceiptMessages: 256,
  /** Most entries of a shared contact list (docs/protocol/schemas.md "contacts"). */
  maxContacts: 10_000,
  /** Most proof resources a forwarded message carries (docs/protocol/forwarding.md §2). */
  maxForwardProof: 8,
  /**
   * Most users a forward's `chain` names: the forwarders it passed through, so automatic rules
   * stop at loops and after this many hops (docs/protocol/forwarding.md §6).
   */
  maxForwardHops: 3,
  /** Longest embedded delegation resource text a message carries (delegation.md §2). */
  maxDelegationChars: 16_384,
  /**
   * Most members of a group, its admin included (docs/protocol/groups.md §2): every version
   * and group message is sealed to each member node, and an envelope's entry list (padded to
   * a power of two, ~2.3 KB an entry) must fit one resource: ~256 nodes do. Measured with one
   * device each: 100 members -> a 388 KB version, a 301 KB message. Versions name proofs by
   * id (~0.45 KB a member), so they no longer bound it.
   */
  maxGroupMembers: 100,
  /** Most proof resources one group member's entry carries (docs/protocol/groups.md §2). */
  maxGroupMemberProof: 24,
})

/** Set reconciliation protocol version: the first byte of every sync message (sync.md §4.1). */
export const RECONCILE_VERSION = 1
/** Domain tag hashed into every range fingerprint (docs/protocol/sync.md §3). */
export const TAG_SYNC_FINGERPRINT = 'sdmp/sync-fingerprint/v1'

/** Domain tag of a group id: the hash of its admin and salt (docs/protocol/groups.md §2). */
export const TAG_GROUP_ID = 'sdmp/group-id/v1'

/** AEAD associated-data prefix of every attachment chunk (docs/protocol/attachments.md §1). */
export const TAG_ATTACHMENT = 'sdmp/attachment/v1'
