/**
 * The lines an ingest appends, as its listeners are told of them (ingest.ts): the line with its
 * verified resource, built once per batch from the store's results.
 * @module
 */
import type { DecodedResource, Verified } from '@sdmp/core'
import type { PutResult } from '@sdmp/store'
import type { Accepted } from './ingest-authorize.js'

/** A line appended by an ingest, for push to peers and for events. */
export interface AppendedLine {
  readonly position: number
  readonly line: string
  readonly resource: Verified
  /**
   * For an `encrypted` resource this node sealed itself: the inner resource it carries,
   * verified with the same trust graph, so that no subscriber has to open the envelope
   * (docs/architecture.md "One path for a message").
   */
  readonly inner?: Verified
}

/**
 * A resource this node publishes itself: already decoded (it is not encoded and decoded again),
 * and, for an envelope it sealed, the inner resource the envelope carries.
 */
export interface Publication {
  readonly resource: DecodedResource
  readonly inner?: DecodedResource
}

/** The journal lines of the newly inserted resources of a batch, in order. */
export function appendedLines(
  accepted: readonly Accepted[],
  results: readonly PutResult[],
): AppendedLine[] {
  const lines: AppendedLine[] = []
  results.forEach((r, k) => {
    if (!r.inserted) return
    const { v, inner } = accepted[k]!
    lines.push({ position: r.position, line: r.line, resource: v, ...(inner && { inner }) })
  })
  return lines
}

/** A listener of early lines: its failure is its own (the lines are told again when durable). */
export function tell(
  listener: (lines: readonly AppendedLine[]) => void,
  lines: readonly AppendedLine[],
): void {
  try {
    listener(lines)
  } catch {
    // nothing to undo: onAppended follows
  }
}
