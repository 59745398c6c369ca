/**
 * Opening the encrypted journal lines the mailbox indexer (indexer.ts) reads: with this node's
 * sessions and prekey secrets, for our user or, on a second try, for the users who delegated
 * reading to ours. Every failure is the same undefined (uniform decryption failures).
 * @module
 */
import { ProtocolError, openSessionResource, validateResource } from '@sdmp/core'
import type { Verified } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { IndexLine } from './journal-lines.js'
import type { PrekeyBook } from './prekeys.js'
import type { MailBatch } from './records.js'
import { readSessions, storeSession } from './sessions.js'

/** An opened encrypted line. */
export interface OpenedLine {
  readonly inner: Verified
  /**
   * The envelope started a session here (a prekey message): its sealing node sends prekey
   * messages until an answer of ours opens with one of them (sessions.md §6 "Confirmation").
   */
  readonly started: boolean
}

/**
 * The opened inner resource (and whether it started a session), or undefined for any failure
 * (uniform: no reason kept). An envelope is opened with this node's sessions with its sealing
 * node and its prekey secrets (sessions.md §8.3); a session that opening advanced or started
 * goes into `batch`, the same commit as the indexed message (sessions.md §7). A message that
 * names not our user but one who delegated reading to ours is opened on a second try
 * (delegation.md §4); the delegations are read only then, so other lines pay nothing. Opening
 * never changes the sessions it was given, so the second try starts from the same state.
 */
export async function openLine(
  account: Account,
  book: PrekeyBook,
  batch: MailBatch,
  line: IndexLine,
  id: string,
  readFor: () => Promise<string[]>,
): Promise<OpenedLine | undefined> {
  if (account.user === undefined) return undefined
  // An envelope this node sealed: the ingestor verified the inner resource it carries.
  if (line.inner) return { inner: line.inner, started: false }
  const secrets = await book.secrets()
  if (secrets.length === 0) return undefined
  const first = await openWith(account, batch, line, id, secrets)
  if (first !== 'FORBIDDEN') return first
  const principals = await readFor()
  if (principals.length === 0) return undefined
  const second = await openWith(account, batch, line, id, secrets, principals)
  return second === 'FORBIDDEN' ? undefined : second
}

/** One try of {@link openLine}: 'FORBIDDEN' when the envelope names none of the readers. */
async function openWith(
  account: Account,
  batch: MailBatch,
  line: IndexLine,
  id: string,
  secrets: Awaited<ReturnType<PrekeyBook['secrets']>>,
  principals?: readonly string[],
): Promise<OpenedLine | undefined | 'FORBIDDEN'> {
  const reader = account.user!
  const { provider, ingestor, store } = account
  const now = account.now()
  try {
    let outer = line.resource
    if (outer === undefined) {
      const bytes = await store.getResource(id)
      if (!bytes) return undefined
      outer = validateResource(provider, bytes, ingestor.graph, { now })
    }
    if (outer.kind !== 'encrypted') return undefined
    const peer = outer.signers[0]!
    const sessions = await readSessions(batch, peer)
    const opened = openSessionResource(
      provider,
      outer,
      { self: account.node, secrets, sessions },
      ingestor.graph,
      { now, reader, ...(principals && { principals }) },
    )
    const started = opened.session
    if (started) await storeSession(batch, started, started.peer === peer ? sessions : undefined)
    return {
      inner: opened.inner,
      started: started !== undefined && !sessions.some((s) => s.id === started.id),
    }
  } catch (e) {
    return e instanceof ProtocolError && e.code === 'FORBIDDEN' ? 'FORBIDDEN' : undefined
  }
}
