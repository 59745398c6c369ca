/**
 * What the mailbox (mailbox.ts) does once a batch of journal lines is indexed and committed:
 * counts and reports what was refused, notes group states, and hands receipts, blobs,
 * forwarding rules and contact sharing on. Rules and rotations run in mailbox-jobs.ts.
 * @module
 */
import type { GroupBook, GroupRejection } from './groups.js'
import type { FellowKeys } from './group-ops.js'
import type { BatchOutcome } from './indexer.js'
import type { ReceiptQueue } from './receipt-queue.js'
import type { MessageRecord } from './records.js'

/** The mailbox state {@link afterBatch} reads and updates. */
export interface BatchState {
  readonly event: (name: string, detail: Record<string, unknown>) => void
  readonly groups: GroupBook
  readonly groupRejections: Map<GroupRejection, number>
  readonly fellowKeys: FellowKeys
  readonly refusedDelegations: string[]
  readonly blobListeners: ReadonlySet<(hashes: readonly string[]) => void>
  readonly delivered: ReceiptQueue
  /** Totals since start: lines skipped, edits and deletes refused. */
  readonly counts: { skipped: number; rejectedChanges: number }
  readonly applyRules: (records: readonly MessageRecord[]) => void
  readonly shareContacts: () => Promise<void>
}

/** What the mailbox does once a batch of lines is indexed and committed. */
export function afterBatch(s: BatchState, outcome: BatchOutcome, position: number): void {
  const { receipts, skipped, blobs, shareContacts, refusedForwards, rejected } = outcome
  for (const reason of outcome.refusedDelegations) {
    s.refusedDelegations.push(reason)
    s.event('mail.delegation-refused', { position, reason })
  }
  s.applyRules(outcome.received)
  // Group states first: the imports below and what peers send next are judged by them.
  for (const state of outcome.groups) s.groups.note(state)
  for (const reason of outcome.groupRejected) {
    s.groupRejections.set(reason, (s.groupRejections.get(reason) ?? 0) + 1)
    s.event('mail.group-rejected', { position, reason })
  }
  s.fellowKeys.learn(outcome.imports)
  for (const reason of rejected) {
    s.counts.rejectedChanges++
    s.event('mail.change-rejected', { position, reason })
  }
  if (skipped > 0) {
    s.counts.skipped += skipped
    s.event('mail.skipped', { position, skipped: s.counts.skipped })
  }
  for (const code of refusedForwards) s.event('mail.forward-refused', { position, code })
  if (blobs.length > 0) for (const l of s.blobListeners) l(blobs)
  // After the commit: a crash before they are sent leaves receipts decided but unsent, never
  // sent twice (docs/messaging.md §4). They wait for a quiet moment to go out as one receipt
  // per author; every batch, even one with no receipts, counts as activity that defers them.
  s.delivered.add(receipts)
  if (shareContacts) void s.shareContacts()
}
