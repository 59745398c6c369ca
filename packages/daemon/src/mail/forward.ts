/**
 * Forwarding (docs/protocol/forwarding.md, docs/messaging.md "Forwarding"): the sender embeds
 * the original's signed resource, unchanged, with the identity and trust resources its node
 * holds that prove who signed it; every node that indexes the forward verifies it from that
 * proof (core `verifyForwarded`) and refuses it, never showing it, when it does not verify.
 * @module
 */
import {
  ErrorCode,
  LIMITS,
  ProtocolError,
  decodeResource,
  fromUtf8,
  utf8,
  verifyForwarded,
} from '@sdmp/core'
import type {
  ContentData,
  DecodedResource,
  ForwardedData,
  ForwardedMessage,
  Verified,
} from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { MessageRecord } from './records.js'
import type { SendRequest } from './sender.js'

/** What the index keeps of a verified forward (inside the sealed message record). */
export interface ForwardRecord {
  /** The original author's user fingerprint. */
  readonly user: string
  /** The original message's id. */
  readonly id: string
  /** The original's signed creation time, ms. */
  readonly created: number
  /** The forwarder's note (the forward's own body); absent when empty. */
  readonly note?: string
  /** The embedded resource and its proof, kept to forward it again (one level: §3). */
  readonly embedded: ForwardedData
  /** The users it was forwarded by, in order (forwarding.md §6); absent on a hand forward. */
  readonly chain?: readonly string[]
}

/** How deep a chain of delegated trusts is followed when collecting a proof. */
const MAX_TRUST_DEPTH = 4

/** A verified forward: what the index keeps, and what the reader reads (the original's). */
export interface CheckedForward {
  readonly record: ForwardRecord
  readonly shown: Pick<MessageRecord, 'body' | 'type' | 'subject'>
}

/**
 * Verify a `forwarded` member (core `verifyForwarded`), then check what only this node can
 * (forwarding.md §4 step 8): that the author has not revoked the original or the trust that
 * authorized its signer, as far as this node knows (a stranger's revocations never reach it).
 * @throws the codes of `verifyForwarded`; REVOKED
 */
export function verifyHere(account: Account, embedded: ForwardedData): ForwardedMessage {
  const original = verifyForwarded(account.provider, embedded, { now: account.now() })
  const graph = account.ingestor.graph
  if (
    graph.isRevoked(original.id, original.author) ||
    (original.authorizedBy !== undefined && graph.isRevoked(original.authorizedBy, original.author))
  )
    throw new ProtocolError(ErrorCode.REVOKED, 'message.forwarded: revoked by its author')
  return original
}

/**
 * The forward a message carries, verified ({@link verifyHere}): what the index keeps of it.
 * @throws the codes of {@link verifyHere}
 */
export function checkForward(account: Account, inner: Verified): CheckedForward {
  const d = inner.data as ContentData<'message'>
  const embedded = d.forwarded!
  const original = verifyHere(account, embedded)
  const o = original.data
  return {
    record: {
      user: original.author,
      id: original.id,
      created: original.created,
      ...(d.body !== '' && { note: d.body }),
      // What is kept to forward again is the original and its proof, without this chain.
      embedded: { resource: embedded.resource, proof: embedded.proof },
      ...(embedded.chain !== undefined && { chain: embedded.chain }),
    },
    shown: { body: o.body, type: o.type, ...(o.subject !== undefined && { subject: o.subject }) },
  }
}

/** Who a forward goes to, with the forwarder's note. */
export interface ForwardOptions {
  readonly to: readonly string[]
  readonly note?: string
  /** The forward chain so far, ending with our user (an automatic rule, forwarding.md §6). */
  readonly chain?: readonly string[]
}

/**
 * The message that forwards `record`: its `forwarded` member ({@link forwardedOf}), the note as
 * body, and the original's attachments (same blobs and keys). Our own copy is verified first,
 * so what the recipients would refuse is refused here, with the same code.
 * @throws the codes of {@link forwardedOf} and {@link verifyHere}
 */
export async function forwardRequest(
  account: Account,
  record: MessageRecord,
  options: ForwardOptions,
): Promise<SendRequest> {
  const forwarded = await forwardedOf(account, record)
  verifyHere(account, forwarded)
  return {
    to: options.to,
    body: options.note ?? '',
    forwarded: { ...forwarded, ...(options.chain !== undefined && { chain: options.chain }) },
    ...(record.attachments && { attachments: record.attachments }),
  }
}

/**
 * The `forwarded` member for a new forward of `record`: a forward is forwarded as its
 * original (one level, forwarding.md §3); any other message as its own signed resource with
 * the identities and trusts this node holds for its signer.
 * @throws NOT_FOUND when the record predates forwarding (its signed form was not kept) or a
 *   proof resource is missing here; CONFLICT for a deleted or edited message; LIMIT_EXCEEDED
 *   when the proof would need more than 8
 */
export async function forwardedOf(account: Account, record: MessageRecord): Promise<ForwardedData> {
  // What is signed is the original version: forwarding it under an edit would show text the
  // reader never saw here, and a deleted message has nothing left to forward (edits.md).
  if (record.deleted === true)
    throw new ProtocolError(ErrorCode.CONFLICT, `message ${record.id} was deleted by its author`)
  if (record.edited !== undefined)
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `message ${record.id} was edited: only its original version is signed for forwarding`,
    )
  if (record.forwarded !== undefined) return record.forwarded.embedded
  if (record.signed === undefined)
    throw new ProtocolError(
      ErrorCode.NOT_FOUND,
      `message ${record.id}: its signed form is not kept here (indexed before forwarding existed)`,
    )
  const original = decodeResource(account.provider, utf8(record.signed))
  return { resource: record.signed, proof: await proofOf(account, original) }
}

/** The identity and trust resources, as text, that authorize the signer of `r`. */
async function proofOf(account: Account, r: DecodedResource): Promise<string[]> {
  const { store, provider } = account
  const graph = account.ingestor.graph
  const ids: string[] = []
  const add = (id: string | undefined) => {
    if (id !== undefined && !ids.includes(id)) ids.push(id)
  }
  let current: DecodedResource | undefined = r
  for (let depth = 0; current !== undefined && depth <= MAX_TRUST_DEPTH; depth++) {
    add(graph.identity(current.header.user)?.id)
    for (const s of current.signatures) add(graph.identity(s.kid)?.id)
    const trust: string | undefined = current.header.trust
    if (trust === undefined || ids.includes(trust)) break
    add(trust)
    const bytes = await store.getResource(trust)
    current = bytes === undefined ? undefined : decodeResource(provider, bytes)
  }
  if (ids.length > LIMITS.maxForwardProof)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      'forward: the proof needs more than 8 resources',
    )
  const texts: string[] = []
  for (const id of ids) {
    const bytes = await store.getResource(id)
    if (bytes === undefined)
      throw new ProtocolError(
        ErrorCode.NOT_FOUND,
        `forward: proof resource ${id} is not stored here`,
      )
    texts.push(fromUtf8(bytes))
  }
  return texts
}
