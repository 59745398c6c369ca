/**
 * Resolving a short invite (`sdmp-invite:3:`, account/invite-ref.ts): ask the inviter's node for
 * the full invite by first contact (docs/protocol/sync.md §8.8), from a one-time node key so the
 * inviter's node learns nothing about who asks. Only the node the invite names can answer (the
 * handshake proves its key), and the answer must be an invite of the user it names; the caller
 * then checks it like any full invite (checkInvite: every signature, chained to that user).
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  fingerprintOf,
  fromUtf8,
  isJsonObject,
  parseStrict,
} from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { parsePeerAddress, webSocketUrl } from '@sdmp/node'
import { connectTcp, connectWebSocket } from '@sdmp/transport'
import type { SecureChannel } from '@sdmp/transport'
import { MAX_INVITE_CHARS, decodeInvite } from '../account/codec.js'
import { decodeInviteRef, inviteRequest, isInviteRef } from '../account/invite-ref.js'
import type { InviteRef } from '../account/invite-ref.js'

/** How long one address may take to answer, ms. */
export const INVITE_FETCH_TIMEOUT_MS = 10_000

/** Options of {@link resolveInvite} (tests shorten the timeout). */
export interface InviteFetchOptions {
  readonly timeoutMs?: number
  /** The largest answer accepted, bytes (default: the transport's, 64 KiB). */
  readonly maxAnswerBytes?: number
}

/**
 * The full invite for `text`: `text` itself unless it is a short invite, else the one fetched
 * from the inviter's node.
 * @throws BAD_REQUEST for a malformed short invite or answer, UNAVAILABLE when no address of
 *   the inviter's node answers (the message suggests the full invite), FORBIDDEN when the node
 *   refuses the invite key
 */
export async function resolveInvite(
  provider: CryptoProvider,
  text: string,
  options: InviteFetchOptions = {},
): Promise<string> {
  if (!isInviteRef(text)) return text
  const ref = decodeInviteRef(text)
  const attempts = ref.addresses.map((a) => fetchFrom(provider, ref, a, options))
  let invite: string
  try {
    invite = await Promise.any(attempts)
  } catch (e) {
    const errors = (e as AggregateError).errors as unknown[]
    const refused = errors.find(
      (x) => x instanceof ProtocolError && x.code === ErrorCode.FORBIDDEN,
    ) as ProtocolError | undefined
    if (refused) throw refused
    const why = errors.map((x) => (x instanceof Error ? x.message : String(x)))
    throw new ProtocolError(
      ErrorCode.UNAVAILABLE,
      `cannot reach the inviter's node at ${ref.addresses.join(', ')} (${why[0] ?? 'no answer'}): it must be running (sdmp start) for a short invite to work; or ask for the full invite (sdmp invite --full)`,
    )
  }
  const content = decodeInvite(invite)
  if (content.user !== ref.user)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      "invite: the inviter's node answered with an invite of another user",
    )
  return invite
}

/** Ask one address; resolves with the invite text. */
async function fetchFrom(
  provider: CryptoProvider,
  ref: InviteRef,
  address: string,
  options: InviteFetchOptions,
): Promise<string> {
  let answer: Uint8Array
  try {
    answer = await askNode(provider, address, ref.node, inviteRequest(ref), options)
  } catch (e) {
    if (e instanceof ProtocolError && e.code === ErrorCode.FORBIDDEN)
      throw new ProtocolError(
        ErrorCode.FORBIDDEN,
        "the inviter's node refused this invite's key: ask for a new invite",
      )
    throw e
  }
  const v = parseStrict(fromUtf8(answer), 'answer', MAX_INVITE_CHARS + 64)
  if (!isJsonObject(v) || v['type'] !== 'invite' || typeof v['invite'] !== 'string')
    throw new ProtocolError(ErrorCode.BAD_REQUEST, "invite: the inviter's node answered badly")
  return v['invite']
}

/**
 * One first-contact exchange (sync.md §8.8): dial `address` from a fresh random node key (the
 * node learns nothing of who asks), send `request`, resolve with the one answer. With `node`,
 * any other node answering there fails the handshake.
 * @throws UNAUTHORIZED (another node), FORBIDDEN (the node refused the request), UNAVAILABLE
 *   (closed without an answer), TIMEOUT
 */
export async function askNode(
  provider: CryptoProvider,
  address: string,
  node: string | undefined,
  request: Uint8Array,
  options: InviteFetchOptions,
): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? INVITE_FETCH_TIMEOUT_MS
  const signal = AbortSignal.timeout(timeoutMs)
  const a = parsePeerAddress(address)
  const channelOptions = {
    provider,
    nodeSeed: provider.randomBytes(32),
    fingerprintOf: (pk: Uint8Array) => fingerprintOf(provider, pk),
    authorize: async () => ({ ok: true }) as const,
    ...(node !== undefined && { expectedPeer: node }),
    ...(options.maxAnswerBytes !== undefined && {
      limits: { maxMessageBytes: options.maxAnswerBytes },
    }),
    signal,
  }
  const channel: SecureChannel =
    a.transport === 'websocket'
      ? await connectWebSocket(webSocketUrl(a), channelOptions)
      : await connectTcp({ host: a.host, port: a.port }, channelOptions)
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ProtocolError(ErrorCode.TIMEOUT, `no answer within ${timeoutMs} ms`)),
        timeoutMs,
      )
      channel.onMessage((m) => {
        clearTimeout(timer)
        resolve(m)
      })
      void channel.closed.then((info) => {
        clearTimeout(timer)
        reject(
          info.error instanceof ProtocolError && info.error.code === ErrorCode.FORBIDDEN
            ? new ProtocolError(ErrorCode.FORBIDDEN, 'the node refused the request')
            : new ProtocolError(ErrorCode.UNAVAILABLE, `closed (${info.reason})`),
        )
      })
      void channel.send(request)
    })
  } finally {
    if (channel.isOpen) await channel.close('normal')
  }
}
