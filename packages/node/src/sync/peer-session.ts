/**
 * One sync session with one peer over an open secure channel (docs/protocol/sync.md §8): the
 * inbox that dispatches every channel message in order, ingest of pushed resources, and
 * penalties for invalid data. The pull from the last line seen lives in journal-pull.ts,
 * requests and responses in session-requests.ts, what we send of our journal in
 * journal-feed.ts, and attachment blobs in session-blobs.ts.
 * @module
 */
import { SerialQueue } from '../serial-queue.js'
import {
  ErrorCode,
  ProtocolError,
  decodeResource,
  isProtocolError,
  nextLineId,
  parseJournalLine,
  peekResourceId,
} from '@sdmp/core'
import type { ContentData, DecodedResource, Json, Verified } from '@sdmp/core'
import type { Store } from '@sdmp/store'
import type { SecureChannel } from '@sdmp/transport'
import { NO_BLOBS } from './session-blobs.js'
import type { BlobPeer, SessionBlobs } from './session-blobs.js'
import { FAULT_CODES } from '../ingest.js'
import type { AppendedLine, Ingestor } from '../ingest.js'
import { compactReceived } from '../ingest-authorize.js'
import type { CompactReceived } from '../ingest-authorize.js'
import type { FetchPeer, Fetcher } from './fetcher.js'
import { JournalFeed } from './journal-feed.js'
import { JournalPull } from './journal-pull.js'
import { PushGate } from './peer-rates.js'
import type { PushLimits } from './peer-rates.js'
import { SessionRequests } from './session-requests.js'
import type { ResponseStatus, SessionResponse } from './session-requests.js'
import { MessageType, decodeMessage, nextRequestId, resourceFrameBytes } from './wire.js'
import type { ResourceRef } from './visibility.js'
import type { ControlSigner } from './wire.js'

/** Limits of a session (defaults in sync-engine.ts). */
export interface SessionLimits extends PushLimits {
  /** Journal lines per request_journal response. */
  readonly journalBatch: number
  /** Penalty points after which the peer is disconnected. */
  readonly maxPenalty: number
  /** Wait for a response before the request fails with TIMEOUT, ms. */
  readonly requestTimeoutMs: number
}

/** What a session needs from its node. */
export interface SessionHost {
  readonly store: Store
  readonly ingestor: Ingestor
  readonly signer: ControlSigner
  readonly fetcher: Fetcher
  readonly limits: SessionLimits
  /**
   * May this stored resource be offered or served to a node of `peerUser`? (sync.md §8.5, §10:
   * the user rule, and for envelopes their readers only.)
   */
  mayShow(peerUser: string, ref: ResourceRef): Promise<boolean>
  /** Run set reconciliation with this peer (first contact or lost position); resolves when done. */
  reconcile?(session: PeerSession): Promise<void>
  /** The peer asked for our journal without a position (its first contact); must not block. */
  peerFirstContact?(session: PeerSession): void
  /** Report a notable event (for logs and status; never secrets). */
  event?(name: string, detail: Record<string, unknown>): void
  /** Attachment blob transfer (docs/protocol/attachments.md §2); without it blobs are refused. */
  readonly blobs?: SessionBlobs
}

/** Broadcasts queued behind their resources' ingest before the inbox waits for them. */
const MAX_QUEUED_BROADCASTS = 64

/** A sync session; create it once the channel passed the trust gate. */
export class PeerSession implements FetchPeer, BlobPeer {
  readonly key: string
  readonly channel: SecureChannel
  /** The peer node's user. */
  readonly peerUser: string
  readonly #host: SessionHost
  readonly #requests: SessionRequests
  readonly #feed: JournalFeed
  /** Incoming messages are handled one at a time, in order. */
  readonly #inbox = new SerialQueue()
  #penalty = 0
  #synced = false
  #syncedWaiters: (() => void)[] = []
  readonly #pull: JournalPull
  /** The last resource ingest started (the Ingestor completes them in order). */
  #ingesting: Promise<void> = Promise.resolve()
  /** Push rate and ingest backpressure (peer-rates.ts, sync.md §9). */
  readonly #gate: PushGate
  /**
   * Broadcasts, one at a time in arrival order, each once the resources pushed before it are
   * ingested. Not on the inbox: the resource frames behind a broadcast are taken at once and join
   * the ingest batch being committed, instead of waiting for it (one commit for many pushes).
   */
  readonly #broadcasts = new SerialQueue()
  #broadcastsQueued = 0

  /** Whether this node dialled the peer. */
  readonly role: 'initiator' | 'responder'

  /** Reconciliation frames are routed by the node's reconciler (sync.md §4). */
  reconcileHandler: ((body: Uint8Array) => Promise<void>) | undefined

  constructor(
    channel: SecureChannel,
    peerUser: string,
    role: 'initiator' | 'responder',
    host: SessionHost,
  ) {
    this.role = role
    this.channel = channel
    this.key = channel.peer.fingerprint
    this.peerUser = peerUser
    this.#host = host
    this.#requests = new SessionRequests(channel, host)
    this.#feed = new JournalFeed(this, host, this.#requests)
    this.#pull = new JournalPull(this, host, this.#requests)
    this.#gate = new PushGate(host.limits, peerUser === host.signer.user)
    channel.onMessage((m) => {
      // #fail handles every failure of a message (it closes the session), inside the task so
      // that idle() covers it.
      void this.#inbox.run(() => this.#handle(m).catch((e: unknown) => this.#fail(e)))
    })
    void channel.closed.then(() => {
      this.#requests.closeAll()
      host.fetcher.forget(this)
    })
  }

  get isOpen(): boolean {
    return this.channel.isOpen
  }

  /** Penalty points so far. */
  get penalty(): number {
    return this.#penalty
  }

  /** Resolves when the first pull (and reconciliation, if needed) has finished. */
  synced(): Promise<void> {
    return this.#synced ? Promise.resolve() : new Promise((r) => this.#syncedWaiters.push(r))
  }

  /** Start: pull what the peer journaled since the last line we saw. */
  async start(): Promise<void> {
    try {
      await this.pull()
    } catch (e) {
      if (!isProtocolError(e, ErrorCode.CLOSED))
        this.#host.event?.('sync-error', { peer: this.key, code: (e as ProtocolError).code })
    } finally {
      this.#synced = true
      for (const r of this.#syncedWaiters.splice(0)) r()
    }
  }

  /** Incremental pull from the stored position; falls back to reconciliation (sync.md §8.4). */
  pull(): Promise<void> {
    return this.#pull.pull()
  }

  /** Ask the peer for resources; resolves with the ids it did not deliver. */
  async requestResources(ids: readonly string[]): Promise<readonly string[]> {
    // What we asked for is not counted against the peer's push rate (peer-rates.ts).
    this.#gate.expect(ids)
    try {
      const r = await this.#requests.request('request_resource', {
        identifier: nextRequestId(),
        resources: [...ids],
      })
      if (r.status !== 'ok') return ids
      const missing = (r.data as { missing?: unknown } | undefined)?.missing
      // Wait until the frames sent before the response are ingested, then report what is missing.
      await this.#inbox.idle()
      await this.#ingesting
      return Array.isArray(missing) ? missing.filter((x): x is string => typeof x === 'string') : []
    } finally {
      this.#gate.settle(ids)
    }
  }

  /**
   * Push newly journaled lines the peer may see: the resources first, then the broadcast. Pushes
   * go out one at a time, in journal order.
   */
  push(lines: readonly AppendedLine[]): Promise<void> {
    return this.#feed.push(lines)
  }

  /** Settles once every push queued so far has been sent (or dropped with its channel). */
  pushed(): Promise<void> {
    return this.#feed.pushed()
  }

  /**
   * Offer older journal lines the peer could not see when they were written (a trust made them
   * visible since; sync.md §8.5): one `broadcast` per 1,000 lines, which the peer fetches from.
   * Not contiguous with the push stream, so the peer also re-pulls from its position.
   */
  offer(entries: readonly string[]): Promise<void> {
    return this.#feed.offer(entries)
  }

  /**
   * Ask for a blob's bytes from `offset` (attachments.md §2); resolves with the response. The
   * caller registers where the BLOB frames go before calling.
   */
  requestBlob(hash: string, offset: number): Promise<ContentData<'response'>> {
    return this.#requests.request('request_blob', { identifier: nextRequestId(), hash, offset })
  }

  /** Send one response (for handlers outside the session, e.g. the blob transfer). */
  answer(identifier: string, status: ResponseStatus, reason?: string, data?: Json): Promise<void> {
    return this.#requests.reply(identifier, status, reason, data)
  }

  /** Count a fault of the peer (sync.md §8.6), e.g. a blob whose hash does not match. */
  fault(e: ProtocolError): void {
    this.#penalize(e)
  }

  /** Dispatch one channel message by type and control kind (sync.md §8.1-§8.2). */
  async #handle(message: Uint8Array): Promise<void> {
    const blobs = this.#host.blobs ?? NO_BLOBS
    const { type, body } = decodeMessage(message)
    if (type === MessageType.RESOURCE) return this.#onResource(body)
    if (type === MessageType.RECONCILE) return this.#onReconcile(body)
    if (type === MessageType.BLOB) return blobs.onFrame(this, body)
    let bytes: Uint8Array
    let received: CompactReceived | undefined
    try {
      // RESOURCE_COMPACT and CONTROL_COMPACT: the compact form (compact.md §7), decoded first; a
      // resource's compact bytes are kept, to be stored as they came (compact.md §6).
      if (type === MessageType.RESOURCE_COMPACT) {
        received = compactReceived(this.#host.signer.provider, body)
        bytes = received.bytes
      } else bytes = resourceFrameBytes(type, body, this.#host.signer.provider)
    } catch (e) {
      return this.#penalize(e)
    }
    if (received) return this.#onResource(bytes, received)
    let r: DecodedResource
    try {
      r = decodeResource(this.#host.signer.provider, bytes)
    } catch (e) {
      return this.#penalize(e)
    }
    // A broadcast acts only once the resources pushed before it are ingested (sync.md §8.3), so
    // its signature is checked then too: verifying it on arrival held back the commit of those
    // resources on this thread (docs/load.md §5 "Eleventh pass").
    if (r.kind === 'broadcast') return this.#queueBroadcast(r)
    const v = this.#verified(r)
    if (v === undefined) return
    switch (v.kind) {
      case 'request_journal':
        return this.#feed.answerJournal(v.data as ContentData<'request_journal'>)
      case 'request_resource':
        return this.#feed.answerResources(v.data as ContentData<'request_resource'>)
      case 'response':
        return this.#requests.settle(v.data as SessionResponse)
      case 'request_blob':
        return blobs.onRequest(this, v.data as ContentData<'request_blob'>)
      case 'offer_blobs':
        return blobs.onOffer(this, v.data as ContentData<'offer_blobs'>)
      default:
        return this.#requests.reply(nextRequestId(), 'bad_request', 'unexpected_kind')
    }
  }

  /**
   * A control message verified (signatures, authorization) and signed by the node at the other
   * end of the channel; undefined (a penalty counted) otherwise.
   */
  #verified(r: DecodedResource): Verified | undefined {
    let v: Verified
    try {
      v = this.#host.ingestor.verifyControl(r)
    } catch (e) {
      this.#penalize(e)
      return undefined
    }
    if (!v.signers.includes(this.key)) {
      this.#penalize(
        new ProtocolError(ErrorCode.FORBIDDEN, 'sync: control message signed by another node'),
      )
      return undefined
    }
    return v
  }

  async #onReconcile(body: Uint8Array): Promise<void> {
    if (!this.reconcileHandler)
      return this.#penalize(
        new ProtocolError(ErrorCode.BAD_REQUEST, 'sync: unexpected reconcile frame'),
      )
    await this.reconcileHandler(body)
  }

  /** `bytes`: the JSON text; `received`: with the compact form it was decoded from, if any. */
  async #onResource(bytes: Uint8Array, received?: CompactReceived): Promise<void> {
    const id = peekResourceId(bytes)
    this.#feed.notePeerHas(id)
    // sync.md §9: past the push rate a resource is not stored, and costs a point.
    if (this.#gate.check(id, bytes.length) === 'rate')
      return this.#penalize(
        new ProtocolError(ErrorCode.LIMIT_EXCEEDED, 'sync: resources pushed faster than allowed'),
      )
    // Do not wait for the commit: resources arriving meanwhile join the Ingestor's next batch
    // (one commit for many); wait only when too many (or too many bytes) are in flight.
    this.#gate.started(bytes.length)
    const done = this.#host.ingestor.ingest([received ?? bytes], { source: this.key }).then(
      ([outcome]) => {
        this.#gate.finished(bytes.length)
        if (
          outcome!.id !== undefined &&
          (outcome!.status === 'stored' || outcome!.status === 'duplicate')
        )
          this.#host.fetcher.received([outcome!.id])
        // Outside the closure, held, or over its author's quota: an honest peer relays some.
        if (
          outcome!.status === 'pending' ||
          (outcome!.status === 'rejected' &&
            (outcome!.code === ErrorCode.FORBIDDEN || outcome!.overQuota))
        )
          this.#noteRefused()
        else if (outcome!.status === 'rejected' && FAULT_CODES.has(outcome!.code!)) {
          this.#penalize(
            new ProtocolError(outcome!.code as ErrorCode, outcome!.message ?? 'invalid resource'),
          )
        }
      },
      (e) => {
        this.#gate.finished(bytes.length)
        this.#fail(e)
      },
    )
    this.#ingesting = done
    if (this.#gate.full) await done
  }

  /**
   * Queue a broadcast behind the resources pushed before it (sync.md §8.3) without holding the
   * inbox; past {@link MAX_QUEUED_BROADCASTS} the inbox waits too, so a peer's backlog stays in
   * its channel (backpressure), not in memory here.
   */
  #queueBroadcast(r: DecodedResource): Promise<void> {
    const ingested = this.#ingesting
    this.#broadcastsQueued++
    const handled = this.#broadcasts
      .run(async () => {
        await ingested
        const v = this.#verified(r)
        if (v !== undefined) await this.#onBroadcast(v.data as ContentData<'broadcast'>)
      })
      .catch((e: unknown) => this.#fail(e))
      .finally(() => this.#broadcastsQueued--)
    return this.#broadcastsQueued > MAX_QUEUED_BROADCASTS ? handled : Promise.resolve()
  }

  /** A broadcast whose resources (pushed before it) are ingested. */
  async #onBroadcast(b: ContentData<'broadcast'>): Promise<void> {
    const contiguous =
      this.#pull.lastLine !== undefined &&
      nextLineId(this.#pull.lastLine, this.#host.signer.provider.sha512) === b.since
    const ids = b.entries.map((l) => parseJournalLine(l).resourceId)
    for (const id of ids) this.#feed.notePeerHas(id)
    await this.#host.fetcher.announce(this, ids)
    if (contiguous) {
      this.#pull.seen(b.entries[b.entries.length - 1]!)
    } else if (this.#synced) {
      // A gap (lines we never saw): catch up from the stored position.
      // A pull fails only when a request times out or the channel closes: the position is
      // not saved then, so the next broadcast or connection asks for the gap again.
      void this.pull().catch(() => undefined)
    }
  }

  /** Count a refused or held resource; past the allowance of the minute, each costs a point. */
  #noteRefused(): void {
    if (this.#gate.refused())
      this.#penalize(
        new ProtocolError(
          ErrorCode.LIMIT_EXCEEDED,
          'sync: too many resources outside the trust closure or without authorization',
        ),
      )
  }

  #penalize(e: unknown): void {
    this.#penalty++
    this.#host.event?.('penalty', {
      peer: this.key,
      code: (e as ProtocolError).code,
      penalty: this.#penalty,
    })
    if (this.#penalty >= this.#host.limits.maxPenalty) void this.channel.close('penalty')
  }

  #fail(e: unknown): void {
    if (e instanceof ProtocolError) return this.#penalize(e)
    this.#host.event?.('internal-error', { peer: this.key, message: String(e) })
    void this.channel.close('internal_error')
  }
}
