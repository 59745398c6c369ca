/**
 * Options of the mailbox (mailbox.ts): operational events, receipt and index lingering, and
 * how to fetch resources from connected peers.
 * @module
 */
import type { IndexLinger } from './journal-index.js'

/** Options of the Mailbox (mailbox.ts). */
export interface MailboxOptions {
  /**
   * Operational events (`mail.skipped`, `mail.forward-refused`, `mail.receipt-missing`,
   * `mail.receipt-failed`, `mail.error`), for logs and metrics. Never carries plaintext or keys.
   */
  readonly event?: (name: string, detail: Record<string, unknown>) => void
  /**
   * How long a delivered receipt waits for others to the same author before it is sent, in
   * ms (default 250: RECEIPT_LINGER_MS in receipt-queue.ts; docs/messaging.md §4).
   */
  readonly receiptLingerMs?: number
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
