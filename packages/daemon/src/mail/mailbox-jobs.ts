/**
 * The mailbox's background work (mailbox.ts): forwarding rules on newly received messages
 * (auto-forward.ts) and following identity rotations (rotation.ts). Each kind runs one job at a
 * time on its own queue, after the batch or the journal append that asked for it; a job turns
 * its failure into an event instead of a rejection, does nothing once the mailbox stopped, and
 * the mailbox's stop waits for the queues to drain.
 * @module
 */
import { ProtocolError } from '@sdmp/core'
import { SerialQueue } from '@sdmp/node'
import type { AppendedLine } from '@sdmp/node'
import type { Account } from '../account/account.js'
import { followRotations } from '../account/rotation.js'
import { applyRules } from './auto-forward.js'
import type { ForwardOptions } from './forward.js'
import type { MessageRecord } from './records.js'
import type { SendResult } from './sender.js'

/** What the background jobs need of the mailbox. */
export interface JobHooks {
  readonly account: Account
  readonly event: (name: string, detail: Record<string, unknown>) => void
  /** Whether the mailbox still runs: a job that comes to its turn after stop does nothing. */
  readonly running: () => boolean
  /** The mailbox's forward (forward.ts), which rules send through. */
  readonly forward: (ref: string, options: ForwardOptions) => Promise<SendResult>
  /** The mailbox's best-effort contact sharing (contact-share.ts). */
  readonly shareContacts: () => Promise<void>
}

/** The forwarding-rule and rotation queues of one mailbox. */
export class MailboxJobs {
  readonly #hooks: JobHooks
  /** Forwarding rules run one message at a time, after the batch that indexed it. */
  readonly #rules = new SerialQueue()
  /** The rotation follower (one run at a time; awaited by stop). */
  readonly #following = new SerialQueue()

  constructor(hooks: JobHooks) {
    this.#hooks = hooks
  }

  /** New journal lines: identities or trusts among them may be rotations to follow. */
  onAppended(lines: readonly AppendedLine[]): void {
    if (lines.some((l) => l.resource.kind === 'identity' || l.resource.kind === 'trust'))
      this.#followRotations()
  }

  /**
   * Run the forwarding rules on the messages a batch just received, one batch at a time, in
   * order (auto-forward.ts).
   */
  applyRules(records: readonly MessageRecord[]): void {
    if (records.length === 0) return
    const { account, event, running, forward } = this.#hooks
    void this.#rules
      .run(async () => {
        if (running()) await applyRules(account, records, forward, event)
      })
      // A bug in a rule must not become an unhandled rejection; it is reported like a failure.
      .catch(() => {
        for (const r of records) event('mail.rule-failed', { message: r.id, code: 'INTERNAL' })
      })
  }

  /** Resolves once the forwarding rules queued so far have run. */
  rulesIdle(): Promise<void> {
    return this.#rules.idle()
  }

  /** Resolves once the rotation follower, then the rules queued so far, have run (for stop). */
  async idle(): Promise<void> {
    await this.#following.idle()
    await this.#rules.idle()
  }

  /**
   * Follow identity rotations after new identities or trusts (rotation.ts): this device moves
   * to its user's new identity, contacts move to theirs. One at a time; our other devices then
   * get the contact list again.
   */
  #followRotations(): void {
    const { account, event, running, shareContacts } = this.#hooks
    void this.#following
      .run(async () => {
        if (!running()) return
        await followAndShare(account, event, shareContacts)
      })
      .catch((e: unknown) => {
        event('rotation.error', { code: e instanceof ProtocolError ? e.code : 'INTERNAL' })
      })
  }
}

/**
 * Move this device and the contacts to their new identities (rotation.ts); when any contact
 * moved, our other devices get the contact list again.
 */
async function followAndShare(
  account: Account,
  event: (name: string, detail: Record<string, unknown>) => void,
  shareContacts: () => Promise<void>,
): Promise<void> {
  if (account.user === undefined) return
  const followed = await followRotations(account)
  if (followed.length === 0) return
  event('contacts.rotated', { contacts: followed.length })
  await shareContacts()
}
