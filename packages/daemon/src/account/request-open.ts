/**
 * Opening and checking one sealed contact request (docs/protocol/requests.md §3.3), then
 * storing it: what a reading node does with a request that reached it directly, and what a
 * reading device does with one its host-only node held for it (§7). Verify, then store.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  checkResource,
  decodeResource,
  openEnvelope,
  openResource,
  validateResource,
} from '@sdmp/core'
import type { ContentData, EncryptedData, RecipientSecret } from '@sdmp/core'
import type { Account } from './account.js'
import { checkInvite } from './contacts.js'
import { MAX_REQUEST_TEXT_CHARS, decodeRequestPlaintext } from './request-codec.js'
import type { RejectReason, RequestOutcome } from './request-codec.js'
import { storeRequest } from './requests.js'

/** Whether first-contact bytes are a held query (requests.md §7.2), cheaply. */
export function isHeldQuery(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 24))
  return /^\{\s*"type"\s*:\s*"held"/.test(head)
}

const rejected = (reason: RejectReason) => ({ outcome: 'rejected', reason }) as const

/**
 * Open `sealed` with `secrets`, check it (invite, signed message, addressee, age, the envelope
 * when it carries one), refuse a blocked sender, and store it within the quotas.
 * @param held the held id, when the request came from a host-only node
 * @returns the outcome a sender is (or would be) told; `undecryptable` when it does not open
 *   with these secrets, `bad-signature` when it opens but does not verify
 */
export async function receiveRequest(
  account: Account,
  sealed: EncryptedData,
  secrets: readonly RecipientSecret[],
  me: string,
  limits: { readonly maxAgeMs: number; readonly maxPending: number; readonly maxPerSender: number },
  held?: string,
): Promise<RequestOutcome> {
  const { provider } = account
  const now = account.now()
  let plain
  try {
    plain = decodeRequestPlaintext(openEnvelope(provider, sealed, secrets))
  } catch {
    return rejected('undecryptable')
  }
  let checked: ReturnType<typeof checkInvite>
  let id: string
  let text: string
  try {
    checked = checkInvite(account, plain.invite)
    // requests.md §3.3: the signed message names the sender (its user), is signed by one of
    // the sender's devices (the invite's graph), and is addressed to this user alone.
    const v = checkResource(provider, decodeResource(provider, plain.message), checked.graph, {
      now,
    })
    const data = v.data as ContentData<'message'>
    if (v.kind !== 'message' || v.header.user !== checked.user)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'request: not a message of its sender')
    if (data.to.length !== 1 || data.to[0] !== me)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'request: addressed to another user')
    if (data.body.length > MAX_REQUEST_TEXT_CHARS || data.attachments !== undefined)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, 'request: text too long or attachments')
    if (v.created < now - limits.maxAgeMs)
      throw new ProtocolError(ErrorCode.EXPIRED, 'request: too old')
    // The envelope must be the sender's and carry this very message (§3.3).
    if (plain.envelope !== undefined) {
      const outer = validateResource(provider, plain.envelope, checked.graph, { now })
      const inner = openResource(provider, outer, secrets, checked.graph, { now, reader: me })
      if (inner.id !== v.id)
        throw new ProtocolError(ErrorCode.BAD_REQUEST, 'request: envelope of another message')
    }
    id = v.id
    text = data.body
  } catch {
    return rejected('bad-signature')
  }
  if (checked.user === me) return rejected('policy')
  if (account.ingestor.blocked?.().has(checked.user)) return rejected('blocked')
  const verdict = await storeRequest(
    account,
    {
      id,
      user: checked.user,
      name: checked.name ?? null,
      text,
      received: new Date(now).toISOString(),
      ...(held !== undefined && { held }),
    },
    plain.invite,
    limits,
    plain.envelope,
  )
  // A duplicate was delivered before: the same answer again (a retry after a lost answer).
  return verdict === 'over-quota' ? rejected('over-quota') : { outcome: 'delivered' }
}
