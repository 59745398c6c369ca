/**
 * One sync session with one peer over an open secure channel (docs/protocol/sync.md §3-§6):
 * incremental pull from the last line seen, real-time push, resource requests in both
 * directions, penalties for invalid data. Every request gets exactly one response.
 * @module
 */
import {
  ErrorCode,
  ProtocolError,
  isProtocolError,
  nextLineId,
  parseJournalLine,
  peekResourceId,
} from '@sdmp/core'
import type { ContentData, Json, Verified } from '@sdmp/core'
import type { Store } from '@sdmp/store'
import type { SecureChannel } from '@sdmp/transport'
import { FAULT_CODES } from '../ingest.js'
import type { AppendedLine, Ingestor } from '../ingest.js'
import type { FetchPeer, Fetcher } from './fetcher.js'
import {
  MessageType,
  controlMessage,
  decodeMessage,
  nextRequestId,
  resourceMessage,
} from './wire.js'
import type { ControlSigner } from './wire.js'

/** Limits of a session (defaults in sync-engine.ts). */
export interface SessionLimits {
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
  /** May resources published for `resourceUser` be sent to a node of `peerUser`? */
  visibleTo(peerUser: string, resourceUser: string): boolean
  /** Run set reconciliation with this peer (first contact or lost position); resolves when done. */
  reconcile?(session: PeerSession): Promise<void>
  /** The peer asked for our journal without a position (its first contact); must not block. */
  peerFirstContact?(session: PeerSession): void
  /** Report a notable event (for logs and status; never secrets). */
  event?(name: string, detail: Record<string, unknown>): void
  /** Attachment blob transfer (docs/protocol/attachments.md §2); without it blobs are refused. */
  readonly blobs?: SessionBlobs
}

/** What a session hands to the node's blob transfer (attachments.md §2). */
export interface SessionBlobs {
  /** Answer a request_blob (exactly one response); must not block the inbox for the upload. */
  onRequest(session: PeerSession, q: ContentData<'request_blob'>): Promise<void>
  /** The peer holds these blobs. Must not block. */
  onOffer(session: PeerSession, q: ContentData<'offer_blobs'>): void
  /** A BLOB frame body; may wait (backpressure). @throws BAD_REQUEST (a fault of the peer) */
  onFrame(session: PeerSession, body: Uint8Array): Promise<void>
}

interface Waiter {
  resolve(v: ReturnType<typeof responseOf>): void
  reject(e: Error): void
  timer: ReturnType<typeof setTimeout>
}

const responseOf = (v: Verified) => v.data as ContentData<'response'>

/** A sync session; create it once the channel passed the trust gate. */
export class PeerSession implements FetchPeer {
  readonly key: string
  readonly channel: SecureChannel
  /** The peer node's user. */
  readonly peerUser: string
  readonly #host: SessionHost
  readonly #waiters = new Map<string, Waiter>()
  /** Incoming messages are handled one at a time, in order. */
  #inbox: Promise<void> = Promise.resolve()
  #penalty = 0
  /** Last journal line of the peer we have seen (full text), for contiguity of broadcasts. */
  #lastLine: string | undefined
  /** Last journal line of ours the peer was sent (push or journal page), for the same. */
  #lastSentLine: string | undefined
  #pushing: Promise<void> = Promise.resolve()
  #synced = false
  #syncedWaiters: (() => void)[] = []

  /** Whether this node dialled the peer. */
  readonly role: 'initiator' | 'responder'

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
    channel.onMessage((m) => {
      this.#inbox = this.#inbox.then(() => this.#handle(m)).catch((e) => this.#fail(e))
    })
    void channel.closed.then(() => {
      for (const w of this.#waiters.values()) {
        clearTimeout(w.timer)
        w.reject(new ProtocolError(ErrorCode.CLOSED, 'sync: channel closed'))
      }
      this.#waiters.clear()
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

  /** Incremental pull from the stored position; falls back to reconciliation. */
  async pull(): Promise<void> {
    const state = await this.#host.store.getPeerState(this.key)
    let since = state?.lastKnown
    let first = since === undefined
    for (;;) {
      const data: Record<string, Json> = {
        identifier: nextRequestId(),
        limit: this.#host.limits.journalBatch,
      }
      if (since !== undefined) data['since'] = since
      const r = await this.#request('request_journal', data)
      if (r.status === 'not_found') {
        // The peer does not know our position (new peer, or its journal was replaced).
        first = true
        since = undefined
        continue
      }
      if (r.status !== 'ok')
        throw new ProtocolError(ErrorCode.BAD_REQUEST, `sync: request_journal answered ${r.status}`)
      const page = journalPage(r.data)
      if (first) {
        first = false
        if (!this.#host.reconcile) {
          // No reconciler: read the peer's whole journal, from after its line 1 (sync.md §3.1).
          since = this.key
          continue
        }
        // First contact: positions mean nothing yet; compare sets instead, then follow from the head.
        await this.#host.reconcile(this)
      } else {
        await this.#host.fetcher.announce(
          this,
          page.entries.map((l) => parseJournalLine(l).resourceId),
        )
      }
      if (page.last !== undefined) {
        this.#lastLine = page.last
        since = lineIdOf(page.last)
        this.#savePosition(since)
      }
      if (!page.more) break
    }
    await this.#saving
    if (!this.channel.isOpen) throw new ProtocolError(ErrorCode.CLOSED, 'sync: channel closed')
  }

  /** Position saves, in order (see {@link PeerSession.#savePosition}). */
  #saving: Promise<void> = Promise.resolve()

  /**
   * Persist `lineId` as the last line seen from the peer, but only once every id wanted so far
   * has been fetched (or given up) and the channel is still open: a connection that drops
   * before its announced resources arrived keeps the old position, so the next connection asks
   * for those lines again instead of skipping them for good (sync.md §8.4). Never blocks the
   * inbox (fetches need it to make progress).
   */
  #savePosition(lineId: string): void {
    this.#saving = this.#saving
      .then(async () => {
        await this.#host.fetcher.idle()
        if (!this.channel.isOpen) return
        const state = await this.#host.store.getPeerState(this.key)
        await this.#host.store.setPeerState(this.key, {
          ...state,
          lastKnown: lineId,
          updatedAt: Date.now(),
        })
      })
      .catch((e: unknown) =>
        this.#host.event?.('sync-error', { peer: this.key, code: (e as ProtocolError).code }),
      )
  }

  /** Ask the peer for resources; resolves with the ids it did not deliver. */
  async requestResources(ids: readonly string[]): Promise<readonly string[]> {
    const r = await this.#request('request_resource', {
      identifier: nextRequestId(),
      resources: [...ids],
    })
    if (r.status !== 'ok') return ids
    const missing = (r.data as { missing?: unknown } | undefined)?.missing
    // Wait until the frames sent before the response are ingested, then report what is missing.
    await this.#inbox
    await this.#ingesting
    return Array.isArray(missing) ? missing.filter((x): x is string => typeof x === 'string') : []
  }

  /**
   * Push newly journaled lines the peer may see: the resources first, then the broadcast. Pushes
   * go out one at a time, in journal order.
   */
  push(lines: readonly AppendedLine[]): Promise<void> {
    const run = this.#pushing.then(() => this.#push(lines))
    this.#pushing = run.catch(() => undefined)
    return run
  }

  async #push(lines: readonly AppendedLine[]): Promise<void> {
    // Never echo a resource back to the peer that delivered or announced it (sync.md §8.3).
    const visible = lines.filter(
      (l) =>
        !this.#peerHas.has(l.resource.id) &&
        this.#host.visibleTo(this.peerUser, l.resource.header.user),
    )
    if (visible.length === 0 || !this.channel.isOpen) return
    try {
      for (const l of visible) await this.channel.send(resourceMessage(l.resource.bytes))
      const entries = visible.map((l) => l.line)
      // Contiguous with the last line this peer was sent: lines it may not see, or that it sent
      // us, are skipped without looking like a gap it must pull (sync.md §8.3).
      const since =
        this.#lastSentLine === undefined
          ? parseJournalLine(entries[0]!).lineId
          : nextLineId(this.#lastSentLine, this.#host.signer.provider.sha512)
      this.#lastSentLine = entries[entries.length - 1]
      await this.channel.send(controlMessage(this.#host.signer, 'broadcast', { since, entries }))
    } catch (e) {
      if (!isProtocolError(e, ErrorCode.CLOSED)) throw e
    }
  }

  /**
   * Offer older journal lines the peer could not see when they were written (a trust made them
   * visible since; sync.md §8.5): one `broadcast` per 1,000 lines, which the peer fetches from.
   * Not contiguous with the push stream, so the peer also re-pulls from its position.
   */
  async offer(entries: readonly string[]): Promise<void> {
    const fresh = entries.filter((l) => !this.#peerHas.has(parseJournalLine(l).resourceId))
    try {
      for (let i = 0; i < fresh.length && this.channel.isOpen; i += 1000) {
        const page = fresh.slice(i, i + 1000)
        await this.channel.send(
          controlMessage(this.#host.signer, 'broadcast', {
            since: parseJournalLine(page[0]!).lineId,
            entries: page,
          }),
        )
      }
    } catch (e) {
      if (!isProtocolError(e, ErrorCode.CLOSED)) throw e
    }
  }

  /**
   * Ask for a blob's bytes from `offset` (attachments.md §2); resolves with the response. The
   * caller registers where the BLOB frames go before calling.
   */
  requestBlob(hash: string, offset: number): Promise<ReturnType<typeof responseOf>> {
    return this.#request('request_blob', { identifier: nextRequestId(), hash, offset })
  }

  /** Send one response (for handlers outside the session, e.g. the blob transfer). */
  answer(
    identifier: string,
    status: 'ok' | 'bad_request' | 'not_found' | 'rejected',
    reason?: string,
    data?: Json,
  ): Promise<void> {
    return this.#reply(identifier, status, reason, data)
  }

  /** Count a fault of the peer (sync.md §8.6), e.g. a blob whose hash does not match. */
  fault(e: ProtocolError): void {
    this.#penalize(e)
  }

  async #request(
    kind: 'request_journal' | 'request_resource' | 'request_blob',
    data: Record<string, Json>,
  ) {
    // A waiter registered after the channel ended would never be cleared by the close handler:
    // its timer would keep the process alive and reject an orphan promise (unhandled).
    if (!this.channel.isOpen) throw new ProtocolError(ErrorCode.CLOSED, 'sync: channel closed')
    const id = data['identifier'] as string
    const result = new Promise<ReturnType<typeof responseOf>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id)
        reject(new ProtocolError(ErrorCode.TIMEOUT, `sync: no response to ${kind}`))
      }, this.#host.limits.requestTimeoutMs)
      this.#waiters.set(id, { resolve, reject, timer })
    })
    try {
      await this.channel.send(controlMessage(this.#host.signer, kind, data))
    } catch (e) {
      const w = this.#waiters.get(id)
      if (w) clearTimeout(w.timer)
      this.#waiters.delete(id)
      throw e
    }
    return result
  }

  async #handle(message: Uint8Array): Promise<void> {
    const { type, body } = decodeMessage(message)
    if (type === MessageType.RESOURCE) return this.#onResource(body)
    if (type === MessageType.RECONCILE) return this.#onReconcile(body)
    if (type === MessageType.BLOB) {
      if (this.#host.blobs) return this.#host.blobs.onFrame(this, body)
      return this.#penalize(new ProtocolError(ErrorCode.BAD_REQUEST, 'sync: unexpected blob frame'))
    }
    let v: Verified
    try {
      v = this.#host.ingestor.verifyControl(body)
    } catch (e) {
      return this.#penalize(e)
    }
    // A control message must come from the node at the other end of the channel.
    if (!v.signers.includes(this.key))
      return this.#penalize(
        new ProtocolError(ErrorCode.FORBIDDEN, 'sync: control message signed by another node'),
      )
    switch (v.kind) {
      case 'request_journal':
        return this.#answerJournal(v.data as ContentData<'request_journal'>)
      case 'request_resource':
        return this.#answerResources(v.data as ContentData<'request_resource'>)
      case 'response': {
        const r = responseOf(v)
        const w = this.#waiters.get(r.identifier)
        if (!w) return // late answer to a request that timed out
        this.#waiters.delete(r.identifier)
        clearTimeout(w.timer)
        return w.resolve(r)
      }
      case 'broadcast':
        return this.#onBroadcast(v.data as ContentData<'broadcast'>)
      case 'request_blob': {
        const q = v.data as ContentData<'request_blob'>
        if (this.#host.blobs) return this.#host.blobs.onRequest(this, q)
        return this.#reply(q.identifier, 'not_found')
      }
      case 'offer_blobs':
        return this.#host.blobs?.onOffer(this, v.data as ContentData<'offer_blobs'>)
      default:
        return this.#reply(nextRequestId(), 'bad_request', 'unexpected_kind')
    }
  }

  /** Reconciliation frames are routed by the node's reconciler (sync.md §4). */
  reconcileHandler: ((body: Uint8Array) => Promise<void>) | undefined
  async #onReconcile(body: Uint8Array): Promise<void> {
    if (!this.reconcileHandler)
      return this.#penalize(
        new ProtocolError(ErrorCode.BAD_REQUEST, 'sync: unexpected reconcile frame'),
      )
    await this.reconcileHandler(body)
  }

  /** The last resource ingest started (the Ingestor completes them in order). */
  #ingesting: Promise<void> = Promise.resolve()
  #ingestsInFlight = 0

  /**
   * Ids this peer sent us or announced in its journal (bounded; cleared when full): pushing them
   * back would only cost both sides a frame, a decode and a duplicate check.
   */
  readonly #peerHas = new Set<string>()
  #notePeerHas(id: string | undefined): void {
    if (id === undefined) return
    if (this.#peerHas.size >= PEER_HAS_LIMIT) this.#peerHas.clear()
    this.#peerHas.add(id)
  }

  async #onResource(bytes: Uint8Array): Promise<void> {
    this.#notePeerHas(peekResourceId(bytes))
    // Do not wait for the commit: resources arriving meanwhile join the Ingestor's next batch
    // (one commit for many); wait only when too many are in flight (backpressure).
    this.#ingestsInFlight++
    const done = this.#host.ingestor.ingest([bytes]).then(
      ([outcome]) => {
        this.#ingestsInFlight--
        if (
          outcome!.id !== undefined &&
          (outcome!.status === 'stored' || outcome!.status === 'duplicate')
        )
          this.#host.fetcher.received([outcome!.id])
        if (outcome!.status === 'rejected' && FAULT_CODES.has(outcome!.code!)) {
          this.#penalize(
            new ProtocolError(outcome!.code as ErrorCode, outcome!.message ?? 'invalid resource'),
          )
        }
      },
      (e) => {
        this.#ingestsInFlight--
        this.#fail(e)
      },
    )
    this.#ingesting = done
    if (this.#ingestsInFlight > MAX_INGESTS_IN_FLIGHT) await done
  }

  async #onBroadcast(b: ContentData<'broadcast'>): Promise<void> {
    await this.#ingesting // the resources pushed before this broadcast (sync.md §8.3)
    const contiguous =
      this.#lastLine !== undefined &&
      nextLineId(this.#lastLine, this.#host.signer.provider.sha512) === b.since
    const ids = b.entries.map((l) => parseJournalLine(l).resourceId)
    for (const id of ids) this.#notePeerHas(id)
    await this.#host.fetcher.announce(this, ids)
    if (contiguous) {
      this.#lastLine = b.entries[b.entries.length - 1]!
      this.#savePosition(lineIdOf(this.#lastLine))
    } else if (this.#synced) {
      // A gap (lines we never saw): catch up from the stored position.
      void this.pull().catch(() => undefined)
    }
  }

  async #answerJournal(q: ContentData<'request_journal'>): Promise<void> {
    const store = this.#host.store
    let after: number
    if (q.since === undefined) {
      // First contact: no position; tell the peer where our head is so it can follow from there.
      this.#host.peerFirstContact?.(this)
      const head = await store.journalHead()
      if (head && head.position > 1) this.#lastSentLine = head.line
      return this.#reply(q.identifier, 'ok', undefined, {
        entries: [],
        more: false,
        ...(head && head.position > 1 ? { last: head.line } : {}),
      })
    }
    // `since` is the line id of the last line the peer has seen, or our fingerprint (line 1) to
    // read from the start.
    const row =
      q.since === this.#host.signer.key.fingerprint
        ? { position: 1 }
        : await store.findJournalLine(q.since)
    if (!row) return this.#reply(q.identifier, 'not_found', 'unknown_position')
    after = row.position
    const limit = Math.min(
      q.limit ?? this.#host.limits.journalBatch,
      this.#host.limits.journalBatch,
    )
    const rows = await store.readJournal(after, limit)
    const entries = rows
      .map((r) => r.line)
      .filter((l) => this.#host.visibleTo(this.peerUser, parseJournalLine(l).fingerprint))
    const last = rows.length > 0 ? rows[rows.length - 1]!.line : undefined
    if (last !== undefined) this.#lastSentLine = last
    return this.#reply(q.identifier, 'ok', undefined, {
      entries,
      more: rows.length === limit,
      ...(last ? { last } : {}),
    })
  }

  async #answerResources(q: ContentData<'request_resource'>): Promise<void> {
    const missing: string[] = []
    for (const id of q.resources) {
      const meta = await this.#host.store.getMeta(id)
      const bytes =
        meta && this.#host.visibleTo(this.peerUser, meta.user)
          ? await this.#host.store.getResource(id)
          : undefined
      // An id the peer may not see is answered exactly like one we do not hold (no oracle).
      if (!bytes) missing.push(id)
      else await this.channel.send(resourceMessage(bytes))
    }
    return this.#reply(q.identifier, 'ok', undefined, { missing })
  }

  async #reply(
    identifier: string,
    status: 'ok' | 'bad_request' | 'not_found' | 'rejected',
    reason?: string,
    data?: Json,
  ): Promise<void> {
    const body: Record<string, Json> = { identifier, status }
    if (reason !== undefined) body['reason'] = reason
    if (data !== undefined) body['data'] = data
    await this.channel.send(controlMessage(this.#host.signer, 'response', body))
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

/** Resource ingests a session leaves running before it stops reading (backpressure). */
const MAX_INGESTS_IN_FLIGHT = 2048
/** Most ids remembered per peer as already held by it. */
const PEER_HAS_LIMIT = 100_000

/** Validate the data of a request_journal response. @throws BAD_REQUEST */
function journalPage(data: unknown): { entries: string[]; more: boolean; last?: string } {
  const d = data as { entries?: unknown; more?: unknown; last?: unknown } | undefined
  if (
    !d ||
    !Array.isArray(d.entries) ||
    typeof d.more !== 'boolean' ||
    (d.last !== undefined && typeof d.last !== 'string')
  ) {
    throw new ProtocolError(ErrorCode.BAD_REQUEST, 'sync: malformed journal response')
  }
  for (const e of d.entries) parseJournalLine(e as string)
  if (typeof d.last === 'string' && d.last.includes('@')) parseJournalLine(d.last)
  return {
    entries: d.entries as string[],
    more: d.more,
    ...(typeof d.last === 'string' ? { last: d.last } : {}),
  }
}

/** The line id field of a journal line (line 1, a bare fingerprint, has none: use the text). */
function lineIdOf(line: string): string {
  return line.includes('@') ? parseJournalLine(line).lineId : line
}
