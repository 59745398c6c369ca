/**
 * A reading device takes the requests its host-only nodes held for it (docs/protocol/requests.md
 * §7.2): over a first-contact channel (fresh random key, as every request exchange), a query
 * signed by this device's node key names the user, this node, the host and the time, the held
 * ids already taken, and those the user decided on (the host deletes them). Each request
 * returned is opened, verified and stored here as one that arrived directly.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { RecipientSecret } from '@sdmp/core'
import { formatPeerAddress } from '@sdmp/node'
import type { Account } from '../account/account.js'
import { peerAddresses } from '../account/address-book.js'
import { MAX_HELD_ANSWER_BYTES, decodeHeldAnswer, encodeHeldQuery } from '../account/held-codec.js'
import { readHeldState, updateHeldState } from '../account/held-requests.js'
import { decodeRequestMessage } from '../account/request-codec.js'
import { receiveRequest } from '../account/request-open.js'
import { askNode } from '../service/invite-fetch.js'
import type { InviteFetchOptions } from '../service/invite-fetch.js'

/** Pages one pull reads at most (each up to 1 MiB; a host holds 100 requests by default). */
const MAX_PAGES = 32

/** Whether `node` is a host-only node of our user that we, a reading device, should ask. */
export function isOurHost(account: Account, node: string): boolean {
  const me = account.user
  if (me === undefined || node === account.node) return false
  const now = account.now()
  const graph = account.ingestor.graph
  const readers = graph.readersOf(me, now)
  return readers.includes(account.node) && graph.isNodeOf(node, me, now) && !readers.includes(node)
}

/**
 * Take the requests the host `node` holds for us; resolves with how many were new here.
 * @throws UNAVAILABLE (no address of the host answered), FORBIDDEN (it refused the query),
 *   BAD_REQUEST (a malformed answer)
 */
export async function pullHeld(
  account: Account,
  node: string,
  secrets: readonly RecipientSecret[],
  limits: { readonly maxAgeMs: number; readonly maxPending: number; readonly maxPerSender: number },
  options: InviteFetchOptions = {},
): Promise<number> {
  const me = account.requireUser()
  const addresses = (await peerAddresses(account))
    .filter((a) => a.fingerprint === node)
    .map(formatPeerAddress)
  if (addresses.length === 0)
    throw new ProtocolError(ErrorCode.UNAVAILABLE, 'held requests: no address of the host')
  let stored = 0
  for (let page = 0; page < MAX_PAGES; page++) {
    const state = await readHeldState(account)
    const query = encodeHeldQuery(account.provider, account.nodeKey.seed, {
      user: me,
      node: account.node,
      host: node,
      time: account.now(),
      known: state.seen,
      drop: state.drops,
    })
    const bytes = await Promise.any(
      addresses.map((a) =>
        askNode(account.provider, a, node, query, {
          ...options,
          maxAnswerBytes: MAX_HELD_ANSWER_BYTES,
        }),
      ),
    ).catch((e: unknown) => {
      const first = (e as AggregateError).errors?.[0] as unknown
      throw first instanceof ProtocolError
        ? first
        : new ProtocolError(ErrorCode.UNAVAILABLE, 'held requests: no answer')
    })
    const answer = decodeHeldAnswer(bytes)
    if ('refused' in answer)
      throw new ProtocolError(ErrorCode.FORBIDDEN, 'held requests: the host refused the query')
    const seen: string[] = []
    const drops: string[] = []
    for (const item of answer.items) {
      seen.push(item.id)
      let message
      try {
        message = decodeRequestMessage(item.bytes)
      } catch {
        drops.push(item.id)
        continue
      }
      if (message.type !== 'request' || message.user !== me) {
        drops.push(item.id)
        continue
      }
      const outcome = await receiveRequest(account, message.sealed, secrets, me, limits, item.id)
      if (outcome.outcome === 'delivered') stored++
      // What every device of ours would decide alike is dropped at the host. `undecryptable`
      // is not: a device added after the request was sealed cannot open what the others can.
      else if (
        outcome.outcome === 'rejected' &&
        outcome.reason !== 'undecryptable' &&
        outcome.reason !== 'over-quota'
      )
        drops.push(item.id)
    }
    await updateHeldState(account, { seen, drops, dropped: state.drops })
    if (!answer.more) break
  }
  return stored
}
