/**
 * This node's public inbox for message requests (docs/protocol/requests.md): what it answers a
 * stranger's first-contact channel that carries an inbox query or a sealed contact request.
 * Every request is rate limited per source address and in all, bounded in size and in how many
 * wait to be processed, opened with this node's prekey secrets, verified against the invite it
 * carries, checked against the user's block list, policy and quotas, stored apart from the
 * inbox, and only then acknowledged (verify, store, then acknowledge).
 * @module
 */
import { ProtocolError } from '@sdmp/core'
import type { RecipientSecret } from '@sdmp/core'
import { TokenBucket } from '@sdmp/node'
import type { FirstContactSource } from '@sdmp/node'
import type { Account } from '../account/account.js'
import { sourceAddressKey } from '../account/address-book.js'
import { createInvite } from '../account/contacts.js'
import {
  HELD_QUERY_SKEW_MS,
  decodeHeldQuery,
  encodeHeldAnswer,
  verifyHeldQuery,
} from '../account/held-codec.js'
import { heldPage, holdRequest } from '../account/held-requests.js'
import { decodeRequestMessage, encodeInboxAnswer, encodeOutcome } from '../account/request-codec.js'
import type { RejectReason, RequestMessage, RequestOutcome } from '../account/request-codec.js'
import { isHeldQuery, receiveRequest } from '../account/request-open.js'
import { isOurHost, pullHeld } from './held-pull.js'
import { readSettings } from '../account/settings.js'

/** Limits of the public inbox (requests.md §4); every one is a documented default. */
export interface RequestLimits {
  /** Inbox queries and requests one source address may make per minute (burst: that many). */
  readonly perSourcePerMinute: number
  /** Inbox queries and requests from all sources per minute (burst: that many). */
  readonly globalPerMinute: number
  /** Source addresses whose rate is tracked; past it the least recent is forgotten. */
  readonly maxSources: number
  /** Requests being opened and checked at once; more are refused `over-quota`. */
  readonly maxInFlight: number
  /** Requests stored for the user at once (pending acceptance). */
  readonly maxPending: number
  /** Requests stored from one sender at once. */
  readonly maxPerSender: number
  /** How old a request's signed message may be, ms (a replay window). */
  readonly maxAgeMs: number
  /** Requests a host-only node holds from one source address at once (it cannot see senders). */
  readonly maxHeldPerSource: number
  /** How long a host-only node holds a request no device decided on, ms. */
  readonly maxHeldAgeMs: number
}

/** Defaults of {@link RequestLimits} (docs/protocol/requests.md §4, docs/security.md). */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = Object.freeze({
  perSourcePerMinute: 6,
  globalPerMinute: 120,
  maxSources: 10_000,
  maxInFlight: 4,
  maxPending: 100,
  maxPerSender: 1,
  maxAgeMs: 24 * 60 * 60 * 1000,
  maxHeldPerSource: 4,
  maxHeldAgeMs: 30 * 24 * 60 * 60 * 1000,
})

/** Options of {@link RequestInbox}. */
export interface RequestInboxOptions {
  /** This node's prekey secrets (the mailbox's, so a rotation is seen at once). */
  readonly secrets: () => Promise<readonly RecipientSecret[]>
  readonly limits?: Partial<RequestLimits>
  /** Notable events (never the sender or the text: a log is not the place for them). */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
}

const rejected = (reason: RejectReason) => ({ outcome: 'rejected', reason }) as const

/** Answers first-contact messages about requests for one account. */
export class RequestInbox {
  readonly #account: Account
  readonly #options: RequestInboxOptions
  readonly #limits: RequestLimits
  readonly #sources = new Map<string, TokenBucket>()
  readonly #global: TokenBucket
  #inFlight = 0
  readonly #pulls = new Map<string, Promise<void>>()

  constructor(account: Account, options: RequestInboxOptions) {
    this.#account = account
    this.#options = options
    this.#limits = Object.freeze({ ...DEFAULT_REQUEST_LIMITS, ...options.limits })
    this.#global = new TokenBucket(this.#limits.globalPerMinute, account.now())
  }

  /**
   * The answer to one first-contact message about requests. Never throws: malformed input is
   * answered `rejected` (`policy` for a bad shape, `bad-signature` for what does not open or
   * verify), or undefined (the channel is refused) when it is not even a request message.
   */
  async answer(bytes: Uint8Array, source: FirstContactSource): Promise<Uint8Array | undefined> {
    try {
      if (isHeldQuery(bytes)) return await this.#held(bytes, source)
      let message
      try {
        // Bounded (MAX_REQUEST_BYTES, the channel's limit before it) and cheap next to the
        // handshake that came before it, so it runs before the rate limit: the refusal can then
        // be given in the form the asker reads.
        message = decodeRequestMessage(bytes)
      } catch (e) {
        // Counted against the source like any other ask: garbage is no way around the rate.
        this.#admit(source)
        this.#event('request-refused', { reason: 'malformed', code: codeOf(e) })
        return encodeOutcome(rejected('policy'))
      }
      if (!this.#admit(source))
        return message.type === 'inbox'
          ? encodeInboxAnswer(rejected('over-quota'))
          : encodeOutcome(rejected('over-quota'))
      const me = this.#account.user
      const settings = await readSettings(this.#account)
      if (message.type === 'inbox') {
        if (me === undefined || message.user !== me)
          return encodeInboxAnswer(rejected('unknown-user'))
        if (settings.requests === 'closed') return encodeInboxAnswer(rejected('policy'))
        return encodeInboxAnswer({ invite: await createInvite(this.#account) })
      }
      if (me === undefined || message.user !== me) return encodeOutcome(rejected('unknown-user'))
      if (settings.requests === 'closed') return encodeOutcome(rejected('policy'))
      if (this.#inFlight >= this.#limits.maxInFlight) return encodeOutcome(rejected('over-quota'))
      this.#inFlight++
      try {
        const outcome = await this.#receive(message, bytes, source, me)
        // A user who chose `silent` tells senders nothing of its choices (requests.md §5).
        const shown =
          settings.requests === 'silent' && outcome.outcome === 'delivered'
            ? ({ outcome: 'silent' } as const)
            : settings.requests === 'silent' &&
                outcome.outcome === 'rejected' &&
                (outcome.reason === 'blocked' || outcome.reason === 'over-quota')
              ? ({ outcome: 'silent' } as const)
              : outcome
        this.#event('request', {
          outcome: outcome.outcome,
          ...(outcome.outcome === 'rejected' && { reason: outcome.reason }),
        })
        return encodeOutcome(shown)
      } finally {
        this.#inFlight--
      }
    } catch (e) {
      // A failure of ours (the store): the sender learns only that it was not delivered.
      this.#event('request-error', { code: codeOf(e) })
      return encodeOutcome(rejected('policy'))
    }
  }

  /** Rate limits per source and in all (requests.md §4). */
  #admit(source: FirstContactSource): boolean {
    const now = this.#account.now()
    const key = sourceAddressKey(source.remoteAddress)
    let bucket = this.#sources.get(key)
    if (bucket)
      this.#sources.delete(key) // re-inserted below: the map stays in recency order
    else {
      bucket = new TokenBucket(this.#limits.perSourcePerMinute, now)
      while (this.#sources.size >= this.#limits.maxSources) {
        const oldest = this.#sources.keys().next().value
        if (oldest === undefined) break
        this.#sources.delete(oldest)
      }
    }
    this.#sources.set(key, bucket)
    if (bucket.available(now) < 1 || this.#global.available(now) < 1) return false
    bucket.take(1)
    this.#global.take(1)
    return true
  }

  /**
   * Open, verify, check and store one request; a host-only node (no prekey secrets) holds it
   * for the user's reading devices instead (requests.md §7).
   */
  async #receive(
    message: Extract<RequestMessage, { type: 'request' }>,
    bytes: Uint8Array,
    source: FirstContactSource,
    me: string,
  ): Promise<RequestOutcome> {
    const secrets = await this.#options.secrets()
    if (secrets.length === 0) {
      const verdict = await holdRequest(
        this.#account,
        bytes,
        sourceAddressKey(source.remoteAddress),
        {
          maxPending: this.#limits.maxPending,
          maxPerSource: this.#limits.maxHeldPerSource,
        },
      )
      return verdict === 'over-quota' ? rejected('over-quota') : { outcome: 'delivered' }
    }
    const outcome = await receiveRequest(this.#account, message.sealed, secrets, me, this.#limits)
    if (outcome.outcome === 'rejected') this.#event('request-refused', { reason: outcome.reason })
    return outcome
  }

  /**
   * A reading device of our user asks for the requests held here (requests.md §7.2): the
   * query must be signed by a node of our user that may read, for this node, recently.
   */
  async #held(bytes: Uint8Array, source: FirstContactSource): Promise<Uint8Array> {
    const account = this.#account
    const now = account.now()
    const graph = account.ingestor.graph
    let ok = false
    let q
    try {
      q = decodeHeldQuery(bytes)
      const { user, node, host, time } = q.query
      const key = graph.identity(node)?.publicKey
      ok =
        user === account.user &&
        host === account.nodeKey.fingerprint &&
        Math.abs(now - time) <= HELD_QUERY_SKEW_MS &&
        key !== undefined &&
        graph.readersOf(user, now).includes(node) &&
        verifyHeldQuery(account.provider, q, key)
    } catch (e) {
      this.#event('held-refused', { code: codeOf(e) })
    }
    // Only refusals count against the source: a user's own devices are not strangers.
    if (!ok || q === undefined) {
      this.#admit(source)
      return encodeHeldAnswer({ refused: true })
    }
    const page = await heldPage(account, q.query.known, q.query.drop, this.#limits.maxHeldAgeMs)
    return encodeHeldAnswer(page)
  }

  /**
   * Take the requests our host-only node `node` holds (requests.md §7.2), when we are a reading
   * device and it is such a host; one pull per host at a time. Never throws (logged).
   */
  pullHeld(node: string): Promise<void> {
    if (!isOurHost(this.#account, node)) return Promise.resolve()
    const running = this.#pulls.get(node)
    if (running) return running
    const pull = (async () => {
      try {
        const stored = await pullHeld(
          this.#account,
          node,
          await this.#options.secrets(),
          this.#limits,
        )
        this.#event('held-pulled', { stored })
      } catch (e) {
        this.#event('held-error', { code: codeOf(e) })
      } finally {
        this.#pulls.delete(node)
      }
    })()
    this.#pulls.set(node, pull)
    return pull
  }

  #event(name: string, detail: Record<string, unknown>): void {
    this.#options.event?.(name, detail)
  }
}

function codeOf(e: unknown): string {
  return e instanceof ProtocolError ? e.code : 'error'
}
