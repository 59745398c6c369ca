/**
 * Every label, tag and fixed size of the secure channel (docs/protocol/transport.md), in one
 * place, so a version change is one edit and no module inlines a tag.
 * @module
 */

/** Protocol id: the Noise prologue and the clear payload of message 1 (transport.md §1, §2). */
export const TRANSPORT_PROTOCOL_ID = 'sdmp/transport/v1'

/** Noise protocol name (transport.md §1): XX with hybrid forward secrecy, 25519 + ML-KEM-768. */
export const NOISE_PROTOCOL_NAME = 'Noise_XXhfs_25519+MLKEM768_ChaChaPoly_SHA512'

/** Domain prefix of the Ed25519 identity signature over the handshake hash (transport.md §2). */
export const TAG_TRANSPORT_AUTH = 'sdmp/transport-auth/v1'

/** HKDF info deriving the Noise static X25519 key from the node seed (transport.md §1). */
export const TAG_TRANSPORT_STATIC = 'sdmp/transport-static/v1'

/** Role bytes inside the signed auth input: stop reflection of a signature (transport.md §3). */
export const ROLE_BYTE = Object.freeze({ responder: 0x52, initiator: 0x49 } as const)

/** Fixed sizes of the handshake (transport.md §2). */
export const SIZES = Object.freeze({
  dh: 32,
  kemPublicKey: 1184,
  kemCipherText: 1088,
  tag: 16,
  nodeKey: 32,
  signature: 64,
  /** nodeKey ‖ signature ‖ u32 maxMessage. */
  identityPayload: 100,
  /** u32 big-endian length prefix of every frame. */
  lengthPrefix: 4,
  /** Largest handshake message accepted before Split. */
  maxHandshakeMessage: 2048,
})

/** Frame types of the transport phase (transport.md §4). */
export const FrameType = Object.freeze({
  DATA: 0x00,
  ACCEPT: 0x01,
  REJECTED: 0x02,
  CLOSE: 0x03,
  REKEY: 0x04,
  PING: 0x05,
} as const)
export type FrameType = (typeof FrameType)[keyof typeof FrameType]

/** Reason codes carried by `rejected` and `close` frames (transport.md §4). */
export const REASON_PATTERN = /^[a-z0-9][a-z0-9_.:-]{0,63}$/
