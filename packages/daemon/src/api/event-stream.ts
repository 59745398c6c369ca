/**
 * The `GET /v1/events` Server-Sent Events stream (docs/api.md §Events): replay from the journal
 * position the client names, then live events, with no loss and no duplicate across the
 * hand-over, because one serialized pump per connection reads everything through `eventsAfter`.
 * @module
 */
import type { Contact, ContactRequest, Peer, SdmpEvent } from '@sdmp/client'
import { toErrorResponse } from './http-errors.js'

/** What the stream needs from the node: journal-derived events and live peer status. */
export interface EventFeed {
  /** Newest journal position whose events have been derived. */
  readonly processed: number
  /** Journal events with positions in (after, processed], in order, at most `limit`. */
  eventsAfter(after: number, limit: number): Promise<SdmpEvent[]>
  /** Called with the new `processed` position; returns an unsubscribe function. */
  onProcessed(listener: (position: number) => void): () => void
  /** Called on each peer status change; returns an unsubscribe function. */
  onPeer(listener: (peer: Peer) => void): () => void
  /** Called when a contact's standing changes (their nodes refused or accepted us). */
  onContactStatus?(listener: (contact: Contact) => void): () => void
  /** Called when a message request is stored (docs/protocol/requests.md §6). */
  onRequest?(listener: (request: ContactRequest) => void): () => void
}

/** Replay page size: events read per `eventsAfter` call. */
export const EVENT_PAGE = 500
/** Chunks queued for a slow client before the replay pauses (each up to one page of events). */
const SSE_QUEUED_CHUNKS = 4
/** Default interval of the `: keepalive` comment, which keeps proxies and idle timers quiet. */
export const KEEPALIVE_MS = 15_000

const encoder = new TextEncoder()

/** Format one SSE frame; `data` is JSON, so it holds no newline. */
export function formatFrame(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * Open an event stream starting after journal position `after`. The returned `close` ends the
 * stream (used when the server shuts down); the stream also ends itself when the client goes.
 */
export function openEventStream(
  feed: EventFeed,
  after: number,
  keepaliveMs: number,
): { stream: ReadableStream<Uint8Array>; close: () => void; closed: Promise<void> } {
  let cursor = after
  let running = false
  let again = false
  let done = false
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const cleanups: (() => void)[] = []
  let resumePump: (() => void) | undefined
  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve))

  const write = (text: string): void => {
    if (!done) controller.enqueue(encoder.encode(text))
  }
  const finish = (): void => {
    if (done) return
    done = true
    for (const cleanup of cleanups.splice(0)) cleanup()
    resumePump?.()
    try {
      controller.close()
    } catch {
      // already closed or cancelled by the client
    }
    resolveClosed()
  }

  // One pump at a time per connection: a trigger while it runs sets `again`, so positions are
  // read in order and each event is written once (replay and live use the same path).
  const pump = async (): Promise<void> => {
    if (running) {
      again = true
      return
    }
    running = true
    try {
      do {
        again = false
        while (!done && cursor < feed.processed) {
          const target = feed.processed
          const page = await feed.eventsAfter(cursor, EVENT_PAGE)
          // The page's frames go out as one chunk (one socket write) rather than one each: an
          // index batch of many messages is many events at once (issue 14 "batching").
          let frames = ''
          for (const event of page) {
            if (!('position' in event) || event.position <= cursor) continue
            frames += formatFrame(event.type, event, event.position)
            cursor = event.position
          }
          if (frames !== '') write(frames)
          // A short page covers everything up to the `processed` seen before the call.
          if (page.length < EVENT_PAGE) cursor = Math.max(cursor, target)
          // Backpressure: a slow client pauses the replay instead of growing the queue.
          while (!done && (controller.desiredSize ?? 1) <= 0) {
            await new Promise<void>((resolve) => (resumePump = resolve))
          }
        }
      } while (again && !done)
    } catch (error) {
      // docs/api.md §Events: a failure is an `event: error` frame, then the stream closes.
      write(formatFrame('error', toErrorResponse(error).body))
      finish()
    } finally {
      running = false
    }
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
        // A first frame flushes the headers through proxies; its bare `id:` (no data, so nothing
        // is dispatched) sets the client's resume point even before the first event.
        write(`: ok\nid: ${after}\n\n`)
        cleanups.push(feed.onProcessed(() => void pump()))
        cleanups.push(feed.onPeer((peer) => write(formatFrame('peer', { type: 'peer', peer }))))
        const status = (contact: Contact) =>
          write(formatFrame('contact-status', { type: 'contact-status', contact }))
        if (feed.onContactStatus) cleanups.push(feed.onContactStatus(status))
        const request = (r: ContactRequest) =>
          write(formatFrame('request', { type: 'request', request: r }))
        if (feed.onRequest) cleanups.push(feed.onRequest(request))
        const timer = setInterval(() => write(': keepalive\n\n'), keepaliveMs)
        cleanups.push(() => clearInterval(timer))
        void pump()
      },
      pull() {
        resumePump?.()
        resumePump = undefined
      },
      cancel() {
        finish()
      },
    },
    // Chunks are pages of frames (or single live peer frames): a few queued chunks are enough.
    new CountQueuingStrategy({ highWaterMark: SSE_QUEUED_CHUNKS }),
  )
  return { stream, close: finish, closed }
}
