/**
 * What one peer session sends of this node's journal (docs/protocol/sync.md §8.2-§8.5): journal
 * pages and resource batches answering the peer's requests, real-time pushes contiguous with
 * what the peer was sent, offers of lines a new trust made visible, and never an echo of what
 * the peer already holds.
 * @module
 */
import {
  ErrorCode,
  detachedString,
  isProtocolError,
  nextLineId,
  parseJournalLine,
} from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import type { AppendedLine } from '../ingest.js'
import { FrameBatch } from './frame-batch.js'
import type { PeerSession, SessionHost } from './peer-session.js'
import type { SessionRequests } from './session-requests.js'
import { controlMessage, storedResourceFrame } from './wire.js'
import { SerialQueue } from '../serial-queue.js'

/**
 * Most ids remembered per peer as already held by it (~130 bytes each, ~2 MiB per peer: a host
 * holds one set per connected node). Echoes are of what a peer sent just now, so the most recent
 * ids are the ones that matter; an older one forgotten costs a frame, not a wrong answer.
 */
const PEER_HAS_LIMIT = 16_384

/** Lines per offered `broadcast` (sync.md §8.5). */
const OFFER_PAGE = 1000

/** The outgoing journal side of one {@link PeerSession}. */
export class JournalFeed {
  readonly #session: PeerSession
  readonly #host: SessionHost
  readonly #requests: SessionRequests
  /** Last journal line of ours the peer was sent (push or journal page), for contiguity. */
  #lastSentLine: string | undefined
  readonly #pushing = new SerialQueue()
  /**
   * Ids this peer sent us or announced in its journal (bounded, oldest forgotten first): pushing
   * them back would only cost both sides a frame, a decode and a duplicate check.
   */
  readonly #peerHas = new Set<string>()

  constructor(session: PeerSession, host: SessionHost, requests: SessionRequests) {
    this.#session = session
    this.#host = host
    this.#requests = requests
  }

  /** Remember that the peer holds `id` (it sent or announced it), so it is never echoed. */
  notePeerHas(id: string | undefined): void {
    if (id === undefined) return
    if (this.#peerHas.size >= PEER_HAS_LIMIT)
      this.#peerHas.delete(this.#peerHas.values().next().value!)
    // A flat copy: the id is a slice of the frame's or line's text, which it would keep alive.
    this.#peerHas.add(detachedString(id))
  }

  /**
   * Push newly journaled lines the peer may see: the resources first, then the broadcast. Pushes
   * go out one at a time, in journal order (sync.md §8.3).
   */
  push(lines: readonly AppendedLine[]): Promise<void> {
    // Queued as line text and ids only: a peer slower than our publishing must not make us hold
    // every queued resource's bytes in memory (they are read back from the store when sent).
    const queued = lines.map((l) => ({
      id: l.resource.id,
      user: l.resource.header.user,
      kind: l.resource.kind as string,
      line: l.line,
    }))
    return this.#pushing.run(() => this.#push(queued))
  }

  async #push(
    lines: readonly { id: string; user: string; kind: string; line: string }[],
  ): Promise<void> {
    const channel = this.#session.channel
    // Never echo a resource back to the peer that delivered or announced it (sync.md §8.3).
    const visible: (typeof lines)[number][] = []
    for (const l of lines)
      if (!this.#peerHas.has(l.id) && (await this.#host.mayShow(this.#session.peerUser, l)))
        visible.push(l)
    if (visible.length === 0 || !channel.isOpen) return
    try {
      // Frames are read first and written back to back, so the socket coalesces them.
      const batch = new FrameBatch(channel)
      for (const l of visible) {
        const frame = await storedResourceFrame(this.#host.store, l.id, this.#host.signer.provider)
        if (frame) await batch.add(frame)
      }
      await batch.flush()
      const entries = visible.map((l) => l.line)
      // Contiguous with the last line this peer was sent: lines it may not see, or that it sent
      // us, are skipped without looking like a gap it must pull (sync.md §8.3).
      const since =
        this.#lastSentLine === undefined
          ? parseJournalLine(entries[0]!).lineId
          : nextLineId(this.#lastSentLine, this.#host.signer.provider.sha512)
      this.#lastSentLine = entries[entries.length - 1]
      await channel.send(controlMessage(this.#host.signer, 'broadcast', { since, entries }))
    } catch (e) {
      if (!isProtocolError(e, ErrorCode.CLOSED)) throw e
    }
  }

  /** Settles once every push queued so far has been sent (or dropped with its channel). */
  pushed(): Promise<void> {
    return this.#pushing.idle()
  }

  /**
   * Offer older journal lines the peer could not see when they were written (a trust made them
   * visible since; sync.md §8.5): one `broadcast` per 1,000 lines, which the peer fetches from.
   * Not contiguous with the push stream, so the peer also re-pulls from its position. The caller
   * passes only lines the peer may see (sync.md §10).
   */
  async offer(entries: readonly string[]): Promise<void> {
    const channel = this.#session.channel
    const fresh = entries.filter((l) => !this.#peerHas.has(parseJournalLine(l).resourceId))
    try {
      for (let i = 0; i < fresh.length && channel.isOpen; i += OFFER_PAGE) {
        const page = fresh.slice(i, i + OFFER_PAGE)
        await channel.send(
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

  /** Answer `request_journal` with one page of visible lines (sync.md §8.2, §8.4). */
  async answerJournal(q: ContentData<'request_journal'>): Promise<void> {
    const store = this.#host.store
    if (q.since === undefined) {
      // First contact: no position; tell the peer where our head is so it can follow from there.
      this.#host.peerFirstContact?.(this.#session)
      const head = await store.journalHead()
      if (head && head.position > 1) this.#lastSentLine = head.line
      return this.#requests.reply(q.identifier, 'ok', undefined, {
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
    if (!row) return this.#requests.reply(q.identifier, 'not_found', 'unknown_position')
    const limit = Math.min(
      q.limit ?? this.#host.limits.journalBatch,
      this.#host.limits.journalBatch,
    )
    const rows = await store.readJournal(row.position, limit)
    // The same positions' metadata in one query: the kind decides whether routes apply (§10).
    const metas = new Map(
      (await store.queryResources({ afterPosition: row.position, limit })).map((m) => [
        m.position,
        m,
      ]),
    )
    const entries: string[] = []
    for (const r of rows) {
      const meta = metas.get(r.position)
      if (meta && (await this.#host.mayShow(this.#session.peerUser, meta))) entries.push(r.line)
    }
    // `last` is the last line scanned, filtered or not, so the peer advances past hidden lines.
    const last = rows.length > 0 ? rows[rows.length - 1]!.line : undefined
    if (last !== undefined) this.#lastSentLine = last
    return this.#requests.reply(q.identifier, 'ok', undefined, {
      entries,
      more: rows.length === limit,
      ...(last ? { last } : {}),
    })
  }

  /** Answer `request_resource`: RESOURCE frames, then `ok {missing}` (sync.md §8.2). */
  async answerResources(q: ContentData<'request_resource'>): Promise<void> {
    const missing: string[] = []
    const batch = new FrameBatch(this.#session.channel)
    for (const id of q.resources) {
      const meta = await this.#host.store.getMeta(id)
      const frame =
        meta && (await this.#host.mayShow(this.#session.peerUser, meta))
          ? await storedResourceFrame(this.#host.store, id, this.#host.signer.provider)
          : undefined
      // An id the peer may not see is answered exactly like one we do not hold (no oracle).
      if (!frame) missing.push(id)
      else await batch.add(frame)
    }
    await batch.flush()
    return this.#requests.reply(q.identifier, 'ok', undefined, { missing })
  }
}
