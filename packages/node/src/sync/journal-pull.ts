/**
 * Pulling a peer's journal (docs/protocol/sync.md §8.4): incrementally from the last line seen
 * (the peer's position is stored in the peer state), with set reconciliation on first contact or
 * when the peer no longer knows the position. Its counterpart, what we send of our journal, is
 * journal-feed.ts.
 * @module
 */
import { ErrorCode, ProtocolError, parseJournalLine } from '@sdmp/core'
import type { Json } from '@sdmp/core'
import { SerialQueue } from '../serial-queue.js'
import type { PeerSession, SessionHost } from './peer-session.js'
import type { SessionRequests } from './session-requests.js'
import { nextRequestId } from './wire.js'

/** The pulling side of one session. */
export class JournalPull {
  readonly #session: PeerSession
  readonly #host: SessionHost
  readonly #requests: SessionRequests
  /** Last journal line of the peer we have seen (full text), for contiguity of broadcasts. */
  #lastLine: string | undefined
  /** Position saves, in order (see {@link JournalPull.#savePosition}). */
  readonly #saving = new SerialQueue()

  constructor(session: PeerSession, host: SessionHost, requests: SessionRequests) {
    this.#session = session
    this.#host = host
    this.#requests = requests
  }

  /** The last journal line of the peer seen so far (full text), if any. */
  get lastLine(): string | undefined {
    return this.#lastLine
  }

  /** The peer's lines up to `line` were seen (a pulled page, a contiguous broadcast). */
  seen(line: string): void {
    this.#lastLine = line
    this.#savePosition(lineIdOf(line))
  }

  /** Incremental pull from the stored position; falls back to reconciliation (sync.md §8.4). */
  async pull(): Promise<void> {
    const state = await this.#host.store.getPeerState(this.#session.key)
    let since = state?.lastKnown
    let first = since === undefined
    for (;;) {
      const data: Record<string, Json> = {
        identifier: nextRequestId(),
        limit: this.#host.limits.journalBatch,
      }
      if (since !== undefined) data['since'] = since
      const r = await this.#requests.request('request_journal', data)
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
          // No reconciler: read the peer's whole journal, from after its line 1 (sync.md §8.4).
          since = this.#session.key
          continue
        }
        // First contact: positions mean nothing yet; compare sets instead, then follow from the head.
        await this.#host.reconcile(this.#session)
      } else {
        await this.#host.fetcher.announce(
          this.#session,
          page.entries.map((l) => parseJournalLine(l).resourceId),
        )
      }
      if (page.last !== undefined) {
        this.seen(page.last)
        since = lineIdOf(page.last)
      }
      if (!page.more) break
    }
    await this.#saving.idle()
    if (!this.#session.channel.isOpen)
      throw new ProtocolError(ErrorCode.CLOSED, 'sync: channel closed')
  }

  /**
   * Persist `lineId` as the last line seen from the peer, but only once every id wanted so far
   * has been fetched (or given up) and the channel is still open: a connection that drops
   * before its announced resources arrived keeps the old position, so the next connection asks
   * for those lines again instead of skipping them for good (sync.md §8.4). Never blocks the
   * inbox (fetches need it to make progress).
   */
  #savePosition(lineId: string): void {
    void this.#saving
      .run(async () => {
        await this.#host.fetcher.idle()
        if (!this.#session.channel.isOpen) return
        const state = await this.#host.store.getPeerState(this.#session.key)
        await this.#host.store.setPeerState(this.#session.key, {
          ...state,
          lastKnown: lineId,
          updatedAt: Date.now(),
        })
      })
      .catch((e: unknown) =>
        this.#host.event?.('sync-error', {
          peer: this.#session.key,
          code: (e as ProtocolError).code,
        }),
      )
  }
}

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
