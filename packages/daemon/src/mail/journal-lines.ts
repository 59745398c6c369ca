/**
 * Journal lines as the mailbox reads them (docs/architecture.md "One path for a message"): live
 * from the ingestor, with the verified resource (and, for an envelope this node sealed, its
 * inner resource) in hand; or read back from the store when the mailbox catches up, with only
 * the stored metadata. The indexer and the event stream take both through one shape.
 * @module
 */
import { parseJournalLine } from '@sdmp/core'
import type { Verified } from '@sdmp/core'
import type { JournalRow, Store } from '@sdmp/store'
import type { AppendedLine } from '@sdmp/node'

/** One journal line to index or to derive an event from. */
export interface IndexLine {
  readonly position: number
  /** The resource id; absent for line 1 (the node's fingerprint). */
  readonly id?: string
  /** The resource kind; absent when the line names no stored resource. */
  readonly kind?: string
  /** The resource's user (its author). */
  readonly user?: string
  /** The verified resource, when the line came live from the ingestor. */
  readonly resource?: Verified
  /** The inner resource of an envelope this node sealed ({@link AppendedLine.inner}). */
  readonly inner?: Verified
}

/** A line the ingestor has just appended: everything is in hand, nothing is read back. */
export function lineOfAppended(l: AppendedLine): IndexLine {
  return {
    position: l.position,
    id: l.resource.id,
    kind: l.resource.kind,
    user: l.resource.header.user,
    resource: l.resource,
    ...(l.inner && { inner: l.inner }),
  }
}

/** Journal rows read back from the store, with their resources' stored metadata. */
export async function linesOfRows(store: Store, rows: readonly JournalRow[]): Promise<IndexLine[]> {
  const out: IndexLine[] = []
  for (const row of rows) {
    const id = resourceIdOf(row.line)
    const meta = id === undefined ? undefined : await store.getMeta(id)
    out.push({
      position: row.position,
      ...(id !== undefined && { id }),
      ...(meta && { kind: meta.kind, user: meta.user }),
    })
  }
  return out
}

/** The resource id of a journal line, or undefined for line 1 (the node fingerprint). */
export function resourceIdOf(line: string): string | undefined {
  try {
    return parseJournalLine(line).resourceId
  } catch {
    return undefined
  }
}
