/**
 * Drives the XXhfs handshake over framed I/O and binds node identities to it: each side's
 * identity payload is signed over the transcript and checked, and the initiator checks the
 * expected peer before revealing its own identity (docs/protocol/transport.md §2-§3).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { XXhfsHandshake, deriveStaticKey } from './handshake.js'
import type { PayloadContext, Role } from './handshake.js'
import { encodeIdentityPayload, verifyIdentityPayload } from './identity.js'
import type { CipherState } from './noise.js'

/** Framed handshake I/O: the next frame body from the peer, and write one body. */
export interface HandshakeIo {
  next(): Promise<Uint8Array>
  write(body: Uint8Array): void
}

/** What the handshake establishes. */
export interface Authenticated {
  readonly send: CipherState
  readonly receive: CipherState
  /** Peer Ed25519 node key, proven by its signature over the transcript. */
  readonly peerKey: Uint8Array
  readonly fingerprint: string
  /** The largest message the peer accepts. */
  readonly peerMaxMessageBytes: number
}

/** Inputs of {@link authenticate}. */
export interface AuthenticateOptions {
  readonly role: Role
  readonly provider: CryptoProvider
  readonly nodeSeed: Uint8Array
  readonly fingerprintOf: (publicKey: Uint8Array) => string
  readonly expectedPeer?: string | undefined
  /** Our announced maximum message size. */
  readonly maxMessageBytes: number
}

/**
 * Run the three handshake messages and return the split cipher states and the peer identity.
 * @throws BAD_REQUEST, UNSUPPORTED_VERSION, DECRYPT_FAILED, INVALID_SIGNATURE, UNAUTHORIZED,
 *   and whatever `io.next()` rejects with (TIMEOUT, CLOSED, ...)
 */
export async function authenticate(
  io: HandshakeIo,
  o: AuthenticateOptions,
): Promise<Authenticated> {
  const p = o.provider
  const hs = new XXhfsHandshake(p, o.role, deriveStaticKey(p, o.nodeSeed))
  const payload = (ctx: PayloadContext) =>
    encodeIdentityPayload(p, o.nodeSeed, o.role, ctx, o.maxMessageBytes)
  const check = (nodeKey: Uint8Array): string => {
    const fingerprint = o.fingerprintOf(nodeKey)
    if (o.expectedPeer !== undefined && fingerprint !== o.expectedPeer)
      throw new ProtocolError(ErrorCode.UNAUTHORIZED, 'peer: not the expected node')
    return fingerprint
  }
  let identity
  let fingerprint
  if (o.role === 'initiator') {
    io.write(hs.writeMessage1())
    identity = verifyIdentityPayload(p, 'responder', hs.readMessage2(await io.next()))
    fingerprint = check(identity.nodeKey) // before revealing our identity to the wrong node
    io.write(hs.writeMessage3(payload))
  } else {
    hs.readMessage1(await io.next())
    io.write(hs.writeMessage2(payload))
    identity = verifyIdentityPayload(p, 'initiator', hs.readMessage3(await io.next()))
    fingerprint = check(identity.nodeKey)
  }
  const { send, receive } = hs.split()
  return {
    send,
    receive,
    peerKey: identity.nodeKey,
    fingerprint,
    peerMaxMessageBytes: identity.maxMessageBytes,
  }
}
