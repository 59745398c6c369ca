/**
 * First contact (docs/protocol/sync.md §8.8): a node this node does not know may open a channel
 * for one request and its answer, then the channel closes. It is how a short invite
 * (`sdmp-invite:3:`) is resolved: the inviter's node answers with its full invite when the
 * request holds the invite key. Nothing else is served to such a node; it gets no sync session
 * and no peer event, and at most {@link FIRST_CONTACT_DEFAULTS}.maxGuests are open at once.
 * @module
 */
import type { SecureChannel } from '@sdmp/transport'

/** How a node answers first contact. */
export interface FirstContactOptions {
  /**
   * The answer to one request (its bytes as received), or undefined to refuse it: the channel
   * is then rejected with `forbidden`. Must not throw for bad input (a throw counts as refusal).
   * `source` says where the channel comes from (not authenticated), so that a contact request
   * can be rate limited per source (docs/protocol/requests.md §4).
   */
  readonly answer: (
    request: Uint8Array,
    source: FirstContactSource,
  ) => Promise<Uint8Array | undefined>
  /** Open first-contact channels at most (default 8); more are refused at the trust gate. */
  readonly maxGuests?: number
  /** Deadline for the request and its answer, ms (default 10 s). */
  readonly timeoutMs?: number
}

/** Where a first-contact channel comes from, as the listener saw it. */
export interface FirstContactSource {
  /** The remote IP address of the connection (unauthenticated; for limits only). */
  readonly remoteAddress: string
}

/** Defaults of {@link FirstContactOptions}. */
export const FIRST_CONTACT_DEFAULTS = Object.freeze({ maxGuests: 8, timeoutMs: 10_000 })

/**
 * Serve one first-contact channel: wait for one message, answer it (or reject the channel),
 * close. Never throws; the channel is closed when this resolves.
 */
export async function serveFirstContact(
  channel: SecureChannel,
  options: FirstContactOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? FIRST_CONTACT_DEFAULTS.timeoutMs
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  try {
    const request = await Promise.race([
      new Promise<Uint8Array | undefined>((resolve) => {
        channel.onMessage((m) => {
          channel.onMessage(null)
          resolve(m)
        })
        void channel.closed.then(() => resolve(undefined))
      }),
      deadline,
    ])
    if (request === undefined || request === 'timeout') return
    const answer = await Promise.race([
      options.answer(request, { remoteAddress: channel.peer.remoteAddress }).catch(() => undefined),
      deadline,
    ])
    if (answer === 'timeout') return
    if (answer === undefined) {
      await channel.revoke('forbidden')
      return
    }
    await channel.send(answer)
  } catch {
    // a failed send: the channel has ended; nothing to report to a stranger
  } finally {
    clearTimeout(timer)
    if (channel.isOpen) await channel.close('normal')
  }
}
