/**
 * The recent events of a mailbox, as the indexer derived them once when it committed their lines
 * (docs/messaging.md "Events", docs/architecture.md "One path for a message"). Every event
 * stream reads them from here instead of deriving them again; a replay from before what the log
 * holds falls back to deriving from the store (events.ts). Bounded by count and by size.
 * @module
 */
import type { SdmpEvent } from '@sdmp/client'
import { detachedString } from '@sdmp/core'

/** Journal events (every type but the live ones, `peer`, `contact-status` and `request`, which have no position). */
export type JournalEvent = Exclude<
  SdmpEvent,
  { type: 'peer' } | { type: 'contact-status' } | { type: 'request' }
>

/** Bounds of an {@link EventLog}. */
export interface EventLogLimits {
  /** Most events held (default 4,096). */
  readonly maxEvents: number
  /** Most bytes held, estimated from message bodies (default 8 MiB). */
  readonly maxBytes: number
}

const DEFAULT_LIMITS: EventLogLimits = { maxEvents: 4096, maxBytes: 8 * 1024 * 1024 }
/** What an event costs besides its message text (ids, names, times): a generous estimate. */
const EVENT_OVERHEAD = 512

/** Events of journal positions in (floor, head], in position order. */
export class EventLog {
  readonly #limits: EventLogLimits
  /** Held events from `#start` on; the slots before it are emptied as events are dropped. */
  readonly #events: ({ event: JournalEvent; size: number } | undefined)[] = []
  /** Index of the oldest event still held (the array is compacted lazily). */
  #start = 0
  #bytes = 0
  #floor: number
  #head: number

  /** A log that holds nothing yet and covers positions after `head`. */
  constructor(head: number, limits: Partial<EventLogLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits }
    this.#floor = head
    this.#head = head
  }

  /** Every event of a position after this one is held (up to {@link head}). */
  get floor(): number {
    return this.#floor
  }

  /** The position up to which events were appended. */
  get head(): number {
    return this.#head
  }

  /**
   * Add the events of positions in (head, upTo] (in order; positions with no event simply have
   * none) and move the head to `upTo`. Drops the oldest events beyond the bounds.
   */
  append(events: readonly JournalEvent[], upTo: number): void {
    for (const event of events) {
      if (event.position <= this.#head || event.position > upTo)
        throw new RangeError('event log: events must follow the head, in order')
      const size = sizeOf(event)
      this.#events.push({ event: held(event), size })
      this.#bytes += size
    }
    this.#head = upTo
    while (
      this.#events.length - this.#start > this.#limits.maxEvents ||
      (this.#bytes > this.#limits.maxBytes && this.#events.length > this.#start)
    ) {
      const dropped = this.#events[this.#start]!
      // Emptied at once: a dropped event must not stay reachable until the next compaction
      // (up to as many events again as the log holds).
      this.#events[this.#start++] = undefined
      this.#bytes -= dropped.size
      this.#floor = dropped.event.position
    }
    // Compact now and then, so dropping stays O(1) amortized.
    if (this.#start > 1024 && this.#start * 2 > this.#events.length) {
      this.#events.splice(0, this.#start)
      this.#start = 0
    }
  }

  /** Whether every event after `after` is held. */
  covers(after: number): boolean {
    return after >= this.#floor
  }

  /**
   * Held events after `after`, in order, at most `limit`; messages expired by `now` are left
   * out, as a replay from the store leaves them out.
   */
  after(after: number, limit: number, now: number): JournalEvent[] {
    const out: JournalEvent[] = []
    let i = this.#firstAfter(after)
    for (; i < this.#events.length && out.length < limit; i++) {
      const { event } = this.#events[i]!
      if (event.type === 'message' && isExpiredAt(event.message.expires, now)) continue
      out.push(event)
    }
    return out
  }

  /** Index of the first held event with a position after `after` (binary search). */
  #firstAfter(after: number): number {
    let lo = this.#start
    let hi = this.#events.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.#events[mid]!.event.position <= after) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/**
 * The event as held: a message's id, and the conversation and chat ids made from it, are slices
 * of its resource's whole JSON text (~1.2 KB for a short message: 8.6 MiB for a log of 4,096
 * messages in a heap snapshot), so the log keeps flat copies of them. The other strings of a
 * message event are its own.
 */
function held(event: JournalEvent): JournalEvent {
  if (event.type !== 'message') return event
  const m = event.message
  return {
    ...event,
    message: {
      ...m,
      id: detachedString(m.id),
      conversation: detachedString(m.conversation),
      chat: detachedString(m.chat),
      replyTo: m.replyTo === null ? null : detachedString(m.replyTo),
    },
  }
}

function sizeOf(event: JournalEvent): number {
  if (event.type !== 'message') return EVENT_OVERHEAD
  const m = event.message
  return EVENT_OVERHEAD + 2 * (m.body.length + (m.subject?.length ?? 0)) + 200 * m.to.length
}

function isExpiredAt(expires: string | null, now: number): boolean {
  return expires !== null && Date.parse(expires) <= now
}
