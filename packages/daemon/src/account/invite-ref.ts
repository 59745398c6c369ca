/**
 * The short invite, `sdmp-invite:3:USER.NODE.KEY.ADDRESS[,ADDRESS...]` (issue 15 item 6,
 * docs/cli.md "Invites", docs/protocol/sync.md §8.8): a reference of about 250 characters, small
 * enough for a QR code that fits an 80-column terminal. It names the user (whose identity
 * key's fingerprint every resource must chain to), the inviter's node (the only node whose
 * answer is accepted: the handshake proves its key), the invite key (so that only holders of
 * the invite can fetch it) and where that node listens. `contact add` and `device join` fetch
 * the full invite from that node by first contact and check it exactly like a full invite.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { ErrorCode, ProtocolError, fromUtf8, isJsonObject, parseStrict, utf8 } from '@sdmp/core'
import { parsePeerAddress } from '@sdmp/node'
import type { Account } from './account.js'
import { nodeRecordsOf } from './address-book.js'
import { createInvite } from './contacts.js'

/** Prefix of a short invite (version 3). */
export const INVITE_REF_PREFIX = 'sdmp-invite:3:'
/** Longest short invite made, in characters: it must fit a QR code 80 columns wide. */
export const MAX_INVITE_REF_CHARS = 400
/** Domain of the invite key: HMAC-SHA-256(node seed, this), first 16 bytes. */
const INVITE_KEY_DOMAIN = 'sdmp/invite-key/v1'

/** What a short invite says. */
export interface InviteRef {
  readonly user: string
  readonly node: string
  readonly key: string
  readonly addresses: readonly string[]
}

const REF = /^sdmp-invite:3:([A-Za-z0-9_-]{86})\.([A-Za-z0-9_-]{86})\.([A-Za-z0-9_-]{22})\.(.+)$/

/** Whether `text` is a short invite (by its prefix; decoding checks the rest). */
export const isInviteRef = (text: string): boolean => text.trim().startsWith(INVITE_REF_PREFIX)

/**
 * This node's invite key. Derived from the node key, so it needs no storage and changes only
 * with the node key: a short invite stays usable like a full one (both hold public data only).
 */
export function inviteKey(account: Account): string {
  return createHmac('sha256', account.nodeKey.seed)
    .update(INVITE_KEY_DOMAIN, 'utf8')
    .digest()
    .subarray(0, 16)
    .toString('base64url')
}

const isLoopback = (address: string): boolean =>
  /^(127\.|\[::1\]|localhost:)/.test(address.replace(/^[a-z]+:\/\//, ''))

/**
 * The short invite of this node's user, or undefined when this node has published no address
 * yet (it never ran `sdmp start`): then only the full invite works. Addresses other than
 * loopback come first; as many as fit {@link MAX_INVITE_REF_CHARS}.
 */
export async function createInviteRef(account: Account): Promise<string | undefined> {
  const user = account.requireUser()
  const record = (await nodeRecordsOf(account, user)).get(account.node)
  const listed = (record?.data as { addresses?: string[] } | undefined)?.addresses ?? []
  const ordered = [...listed.filter((a) => !isLoopback(a)), ...listed.filter(isLoopback)]
  let text = `${INVITE_REF_PREFIX}${user}.${account.node}.${inviteKey(account)}.`
  let count = 0
  for (const a of ordered) {
    if (a.includes(',') || text.length + a.length + 1 > MAX_INVITE_REF_CHARS) continue
    text += (count++ === 0 ? '' : ',') + a
  }
  return count === 0 ? undefined : text
}

/**
 * Decode a short invite strictly.
 * @throws BAD_REQUEST (messages start with `invite:`, so the CLI calls it damaged)
 */
export function decodeInviteRef(text: string): InviteRef {
  const trimmed = typeof text === 'string' ? text.trim() : ''
  if (trimmed.length > MAX_INVITE_REF_CHARS)
    throw new ProtocolError(
      ErrorCode.LIMIT_EXCEEDED,
      `invite: ${trimmed.length} characters exceeds ${MAX_INVITE_REF_CHARS}`,
    )
  const m = REF.exec(trimmed)
  if (!m)
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      `invite: expected ${INVITE_REF_PREFIX}USER.NODE.KEY.ADDRESSES`,
    )
  const addresses = m[4]!.split(',')
  if (addresses.length > 16)
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'invite: at most 16 addresses')
  for (const a of addresses) {
    try {
      parsePeerAddress(a)
    } catch {
      throw new ProtocolError(ErrorCode.BAD_REQUEST, `invite: bad address ${JSON.stringify(a)}`)
    }
  }
  return { user: m[1]!, node: m[2]!, key: m[3]!, addresses }
}

/** The first-contact request for a short invite (sync.md §8.8). */
export function inviteRequest(ref: InviteRef): Uint8Array {
  return utf8(JSON.stringify({ type: 'invite', key: ref.key }))
}

/**
 * This node's answer to a first-contact request: the full invite of its user when the request
 * holds this node's invite key, else undefined (the channel is then rejected). Never throws.
 */
export async function answerInviteRequest(
  account: Account,
  request: Uint8Array,
): Promise<Uint8Array | undefined> {
  try {
    if (request.length > 256) return undefined
    const v = parseStrict(fromUtf8(request), 'request', 256)
    if (!isJsonObject(v) || v['type'] !== 'invite' || typeof v['key'] !== 'string') return undefined
    const given = Buffer.from(v['key'], 'utf8')
    const mine = Buffer.from(inviteKey(account), 'utf8')
    if (given.length !== mine.length || !timingSafeEqual(given, mine)) return undefined
    if (account.user === undefined) return undefined
    return utf8(JSON.stringify({ type: 'invite', invite: await createInvite(account) }))
  } catch {
    return undefined
  }
}
