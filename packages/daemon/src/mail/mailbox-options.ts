/**
 * Options of the mailbox (mailbox.ts): operational events, receipt and index lingering, and
 * how to fetch resources from connected peers.
 * @module
 */
import type { IndexLinger } from './journal-index.js'
import type { ReceiptLinger } from './receipt-queue.js'

/** Options of the Mailbox (mailbox.ts). */
export interface MailboxOptions {
  /**
   * Operational events (`mail.skipped`, `mail.forward-refused`, `mail.receipt-missing`,
   * `mail.receipt-failed`, `mail.error`), for logs and metrics. Never carries plaintext or keys.
   */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
  /**
   * When delivered receipts go out: after a quiet moment without indexed batches, or with the
   * first batch once the oldest waited `maxMs` (default RECEIPT_LINGER in receipt-queue.ts:
   * 100 ms quiet, 2 s; docs/messaging.md §4). Replaces `receiptLingerMs` (a fixed wait).
   */
  readonly receiptLinger?: ReceiptLinger
  /**
   * How an index commit waits for more lines while lines keep coming (default
   * INDEX_LINGER in journal-index.ts; docs/store.md §3 "Write amplification").
   */
  readonly indexLinger?: IndexLinger
  /**
   * Ask connected peers for these resources; resolves once they arrived, were refused or a
   * timeout passed (the daemon's network; groups.md §5: fellow members' proofs). Without it
   * they arrive with the next sync.
   */
  readonly fetch?: (ids: readonly string[]) => Promise<void>
}
