/**
 * Forwarded messages (docs/protocol/forwarding.md): a message may embed another message's
 * signed resource, unchanged, with the identity and trust resources that prove who signed it.
 * {@link verifyForwarded} checks the embedded resource against a trust graph built from that
 * proof alone, so a recipient who has never met the original author can still verify that the
 * author's user key authorized the node that signed exactly these bytes.
 * @module
 */
import { utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { LIMITS } from '../domain.js'
import { ErrorCode, ProtocolError, isProtocolError } from '../errors.js'
import { TrustGraph } from '../trust/trust-graph.js'
import { applyToTrustGraph, checkResource } from './ingest.js'
import type { Verified } from './ingest.js'
import { decodeResource } from './resource.js'
import type { DecodedResource } from './resource.js'
import type { ContentData } from './schemas.js'

/**
 * The `forwarded` member of a message, as the message schema returns it; `chain` (the
 * forwarders, forwarding.md §6) may be left out, as on the wire.
 */
export type ForwardedData = Omit<NonNullable<ContentData<'message'>['forwarded']>, 'chain'> & {
  readonly chain?: readonly string[] | undefined
}

/** What a verified forward proves about the message it embeds. */
export interface ForwardedMessage {
  /** The original, verified against the proof: its author is `resource.header.user`. */
  readonly resource: Verified<'message'>
  /** The original author's user fingerprint. */
  readonly author: string
  /** The original message's id (its inner resource id). */
  readonly id: string
  /** The original's signed creation time, ms. */
  readonly created: number
  /** The original's message data (body, type, to, ...). */
  readonly data: ContentData<'message'>
  /** The trust that authorized the original's signer (absent when the user key signed). */
  readonly authorizedBy?: string
}

const refuse = (code: ErrorCode, message: string): never => {
  throw new ProtocolError(code, message)
}

/**
 * Verify a forwarded message: decode every proof resource (each an `identity` or a `trust`),
 * validate them into a fresh trust graph (in any order: a resource that needs another is tried
 * again once that one is in), then validate the embedded `message` against that graph at
 * `now`. The receiver's own trust state is not consulted, so the answer is the same for
 * every recipient: the author's user key (directly, or through a trust to the signing node)
 * signed these exact bytes, and every key and trust was valid at the message's `created`.
 * It cannot say whether the author later revoked the trust (a receiver that knows the author
 * can check that against its own graph) nor who the author is beyond their fingerprint.
 * @throws SCHEMA_VIOLATION (a proof that is not an identity or trust, an embedded resource that
 *   is not a message or is itself a forward), the decoding codes of a resource
 *   (INVALID_ENCODING, ...), and INVALID_SIGNATURE, UNAUTHORIZED_SIGNER, EXPIRED, REVOKED,
 *   BAD_REQUEST from validation; every message starts with `message.forwarded`
 * @example const original = verifyForwarded(provider, data.forwarded, { now: Date.now() })
 */
export function verifyForwarded(
  provider: CryptoProvider,
  forwarded: ForwardedData,
  { now }: { now: number },
): ForwardedMessage {
  try {
    return verify(provider, forwarded, now)
  } catch (e) {
    if (isProtocolError(e)) throw new ProtocolError(e.code, `message.forwarded: ${e.message}`)
    throw e
  }
}

function verify(provider: CryptoProvider, forwarded: ForwardedData, now: number): ForwardedMessage {
  if (forwarded.proof.length > LIMITS.maxForwardProof)
    refuse(ErrorCode.LIMIT_EXCEEDED, `proof: at most ${LIMITS.maxForwardProof} resources`)
  const graph = new TrustGraph()
  let pending: DecodedResource[] = forwarded.proof.map((text, i) => {
    const r = decodeResource(provider, utf8(text))
    if (r.kind !== 'identity' && r.kind !== 'trust')
      refuse(ErrorCode.SCHEMA_VIOLATION, `proof[${i}]: expected an identity or a trust`)
    return r
  })
  // Fixpoint: each pass admits what the graph can now authorize; at most 8 passes of 8.
  let firstError: unknown
  while (pending.length > 0) {
    const left: DecodedResource[] = []
    firstError = undefined
    for (const r of pending) {
      try {
        applyToTrustGraph(graph, checkResource(provider, r, graph, { now }))
      } catch (e) {
        if (!isProtocolError(e)) throw e
        firstError ??= e
        left.push(r)
      }
    }
    if (left.length === pending.length) throw firstError
    pending = left
  }
  const original = decodeResource(provider, utf8(forwarded.resource))
  if (original.kind !== 'message')
    refuse(ErrorCode.SCHEMA_VIOLATION, 'resource: expected a message')
  const data = original.data as ContentData<'message'>
  // One level only: a forward of a forward embeds the first original (forwarding.md §3).
  if (data.forwarded !== undefined)
    refuse(ErrorCode.SCHEMA_VIOLATION, 'resource: a forwarded message cannot embed a forward')
  const v = checkResource(provider, original, graph, { now }) as Verified<'message'>
  return {
    resource: v,
    author: v.header.user,
    id: v.id,
    created: v.created,
    data,
    ...(v.authorizedBy !== undefined && { authorizedBy: v.authorizedBy }),
  }
}
