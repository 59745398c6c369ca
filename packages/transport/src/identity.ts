/**
 * The identity payload of handshake messages 2 and 3: the node's Ed25519 key, its signature over
 * the handshake hash and static key, and the largest message it accepts
 * (docs/protocol/transport.md §2-§3). This is what binds node identity to the Noise transcript.
 * @module
 */
import { ErrorCode, ProtocolError, concatBytes, utf8 } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import type { PayloadContext, ReadPayload, Role } from './handshake.js'
import { ROLE_BYTE, SIZES, TAG_TRANSPORT_AUTH } from './transport-domain.js'

const AUTH_TAG = utf8(TAG_TRANSPORT_AUTH)

/** A verified peer identity from the handshake. */
export interface VerifiedIdentity {
  /** Ed25519 node public key (32 bytes). */
  readonly nodeKey: Uint8Array
  /** The largest application message the peer accepts. */
  readonly maxMessageBytes: number
}

/** The signed input: tag ‖ role ‖ h ‖ s.pub (transport.md §2). */
export function authInput(role: Role, ctx: PayloadContext): Uint8Array {
  return concatBytes(
    AUTH_TAG,
    Uint8Array.of(ROLE_BYTE[role]),
    ctx.handshakeHash,
    ctx.staticPublicKey,
  )
}

/** Encode the payload a node sends about itself, signing the transcript with its seed. */
export function encodeIdentityPayload(
  provider: CryptoProvider,
  nodeSeed: Uint8Array,
  role: Role,
  ctx: PayloadContext,
  maxMessageBytes: number,
): Uint8Array {
  const out = new Uint8Array(SIZES.identityPayload)
  out.set(provider.ed25519.publicKey(nodeSeed), 0)
  out.set(provider.ed25519.sign(nodeSeed, authInput(role, ctx)), SIZES.nodeKey)
  new DataView(out.buffer).setUint32(SIZES.nodeKey + SIZES.signature, maxMessageBytes)
  return out
}

/**
 * Decode and verify a peer's identity payload against the transcript it was read in.
 * @param role the role of the peer that sent it
 * @throws BAD_REQUEST (size, announced maximum), INVALID_SIGNATURE
 */
export function verifyIdentityPayload(
  provider: CryptoProvider,
  role: Role,
  read: ReadPayload,
): VerifiedIdentity {
  const { payload } = read
  if (payload.length !== SIZES.identityPayload)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `handshake.identity: expected ${SIZES.identityPayload} bytes, got ${payload.length}`,
    )
  const nodeKey = payload.slice(0, SIZES.nodeKey)
  const signature = payload.subarray(SIZES.nodeKey, SIZES.nodeKey + SIZES.signature)
  const maxMessageBytes = new DataView(
    payload.buffer,
    payload.byteOffset,
    payload.byteLength,
  ).getUint32(SIZES.nodeKey + SIZES.signature)
  if (maxMessageBytes < 1)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'handshake.maxMessage: expected >= 1, got 0')
  if (!provider.ed25519.verify(signature, authInput(role, read), nodeKey))
    throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'handshake.signature: does not verify')
  return Object.freeze({ nodeKey, maxMessageBytes })
}
