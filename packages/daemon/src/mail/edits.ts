/**
 * Edits and deletes of messages in the mailbox index (docs/protocol/edits.md): an inner
 * `message` with `action: update` or `delete` and `replaces` = the original's inner id. It is
 * applied only when its author (the user, whichever of its devices signed) is the original's
 * author; anything else is refused with a coded reason and never shown. A change that arrives
 * before its original waits under `p:<original>` (bounded) and is applied when the original is
 * indexed. An update keeps the shown version in the history (bounded); a delete erases body,
 * subject, attachments and the history from the index, leaving a `deleted` record.
 * @module
 */
import { toMessageAttachment } from '@sdmp/core'
import type { ContentData, Verified } from '@sdmp/core'
import { historyKey, messageKey, outerKey, pendingKey } from './records.js'
import type { MailBatch, MessageRecord, OuterEntry } from './records.js'
import type { AttachmentData } from './sender.js'

/** Earlier versions kept per message (the oldest go first). */
export const MAX_HISTORY = 50
/** Changes kept per message not indexed yet (more are refused: `TOO_MANY_PENDING`). */
export const MAX_PENDING = 50
/** Messages not indexed yet that changes may wait for, in all (more: `TOO_MANY_PENDING`). */
export const MAX_PENDING_MESSAGES = 10_000
/** Key of the number of messages with waiting changes (bounded by MAX_PENDING_MESSAGES). */
export const PENDING_COUNT_KEY = 'pending-count'

/** Why a change was refused (the `mail.change-rejected` event's `reason`). */
export type ChangeRejection =
  /** Signed for another user than the original's author. */
  | 'NOT_AUTHOR'
  /** The original was deleted: nothing changes it any more. */
  | 'DELETED'
  /** Too many changes wait for one message that is not indexed. */
  | 'TOO_MANY_PENDING'

/** One version of a message, as the history keeps it. */
export interface Version {
  /** Inner id of the resource of this version (the original's id for the first). */
  readonly id: string
  /** Creation time of this version, ms. */
  readonly at: number
  readonly body: string
  readonly type: MessageRecord['type']
  readonly subject?: string
}

/** A verified update or delete, as it waits or is applied. */
export interface Change {
  readonly id: string
  readonly action: 'update' | 'delete'
  /** The original's inner id. */
  readonly replaces: string
  /** The user it was signed for (verified by openResource). */
  readonly user: string
  readonly created: number
  readonly body: string
  readonly type: MessageRecord['type']
  readonly subject?: string
  readonly attachments?: readonly AttachmentData[]
}

/** True when an opened message is an update or delete (not a create). */
export function isChange(inner: Verified): boolean {
  return inner.header.action !== 'create' && inner.header.replaces !== undefined
}

/** The change an opened update/delete `message` carries. */
export function changeOf(inner: Verified): Change {
  const d = inner.data as ContentData<'message'>
  return {
    id: inner.id,
    action: inner.header.action === 'delete' ? 'delete' : 'update',
    replaces: inner.header.replaces!,
    user: inner.header.user,
    created: inner.created,
    body: d.body,
    type: d.type,
    ...(d.subject !== undefined && { subject: d.subject }),
    ...(d.attachments !== undefined &&
      d.attachments.length > 0 && { attachments: d.attachments.map(toMessageAttachment) }),
  }
}

/** What indexing a change did. */
export type ChangeOutcome =
  | { readonly kind: 'applied'; readonly record: MessageRecord }
  | { readonly kind: 'pending' }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'rejected'; readonly reason: ChangeRejection }

/**
 * Index the change carried by the encrypted resource at journal `position`: applied to its
 * original when indexed, else kept pending. Re-indexing the same change changes nothing.
 */
export async function indexChange(
  batch: MailBatch,
  position: number,
  change: Change,
): Promise<ChangeOutcome> {
  const record = await batch.get<MessageRecord>(messageKey(change.replaces))
  let outcome: ChangeOutcome
  if (record) {
    outcome = await applyChange(batch, record, change)
  } else {
    const pending = (await batch.get<Change[]>(pendingKey(change.replaces))) ?? []
    const waiting = (await batch.get<number>(PENDING_COUNT_KEY)) ?? 0
    if (pending.some((c) => c.id === change.id)) outcome = { kind: 'ignored' }
    else if (
      pending.length >= MAX_PENDING ||
      (pending.length === 0 && waiting >= MAX_PENDING_MESSAGES)
    )
      outcome = { kind: 'rejected', reason: 'TOO_MANY_PENDING' }
    else {
      batch.set(pendingKey(change.replaces), [...pending, change])
      if (pending.length === 0) batch.set(PENDING_COUNT_KEY, waiting + 1)
      outcome = { kind: 'pending' }
    }
  }
  const entry: OuterEntry = {
    kind: 'change',
    id: change.replaces,
    applied: outcome.kind === 'applied',
  }
  batch.set(outerKey(position), entry)
  return outcome
}

/**
 * Apply the changes that waited for `record` (just indexed), oldest first.
 * @returns the record as it ends, and the refusals
 */
export async function applyPending(
  batch: MailBatch,
  record: MessageRecord,
): Promise<{ record: MessageRecord; rejected: ChangeRejection[] }> {
  const pending = await batch.get<Change[]>(pendingKey(record.id))
  if (!pending || pending.length === 0) return { record, rejected: [] }
  batch.set(pendingKey(record.id), [])
  const waiting = (await batch.get<number>(PENDING_COUNT_KEY)) ?? 1
  batch.set(PENDING_COUNT_KEY, Math.max(0, waiting - 1))
  const rejected: ChangeRejection[] = []
  let current = record
  for (const change of [...pending].sort((a, b) => a.created - b.created)) {
    const outcome = await applyChange(batch, current, change)
    if (outcome.kind === 'rejected') rejected.push(outcome.reason)
    if (outcome.kind === 'applied') current = outcome.record
  }
  return { record: current, rejected }
}

/**
 * Apply one change to an indexed message, after checking its author. An update older than the
 * version shown goes to the history only (changes may arrive in any order); the newest wins.
 */
export async function applyChange(
  batch: MailBatch,
  record: MessageRecord,
  change: Change,
): Promise<ChangeOutcome> {
  // The rule that matters (docs/protocol/edits.md §2): only the original's author changes it.
  if (change.user !== record.from) return { kind: 'rejected', reason: 'NOT_AUTHOR' }
  if (record.deleted) return { kind: 'rejected', reason: 'DELETED' }
  const history = (await batch.get<Version[]>(historyKey(record.id))) ?? []
  if (change.id === record.revision || history.some((v) => v.id === change.id))
    return { kind: 'ignored' }
  let next: MessageRecord
  if (change.action === 'delete') {
    // Erase the content: the record stays (a "deleted" placeholder keeps threads and chats).
    // The signed form kept for forwarding and a forward's embedded original hold it too.
    const { subject: _s, attachments: _a, signed: _g, forwarded: _f, ...rest } = record
    next = { ...rest, body: '', deleted: true }
    batch.set(historyKey(record.id), [])
  } else {
    const shown = versionOf(record)
    const candidate: Version = {
      id: change.id,
      at: change.created,
      body: change.body,
      type: change.type,
      ...(change.subject !== undefined && { subject: change.subject }),
    }
    if (isLater(candidate, shown)) {
      const { subject: _s, attachments: _a, ...rest } = record
      next = {
        ...rest,
        body: change.body,
        type: change.type,
        ...(change.subject !== undefined && { subject: change.subject }),
        ...(change.attachments !== undefined && { attachments: change.attachments }),
        edited: change.created,
        revision: change.id,
      }
      batch.set(historyKey(record.id), bounded([...history, shown]))
    } else {
      next = record
      batch.set(historyKey(record.id), bounded([...history, candidate]))
    }
  }
  batch.set(messageKey(record.id), next)
  return { kind: 'applied', record: next }
}

/** The version a record shows now. */
function versionOf(record: MessageRecord): Version {
  return {
    id: record.revision ?? record.id,
    at: record.edited ?? record.created,
    body: record.body,
    type: record.type,
    ...(record.subject !== undefined && { subject: record.subject }),
  }
}

/** Time order of versions, ties broken by id (every node picks the same newest). */
function isLater(a: Version, b: Version): boolean {
  return a.at !== b.at ? a.at > b.at : a.id > b.id
}

/** Versions in time order, at most {@link MAX_HISTORY} (the newest kept). */
function bounded(versions: Version[]): Version[] {
  const sorted = versions.sort((a, b) => (isLater(a, b) ? 1 : isLater(b, a) ? -1 : 0))
  return sorted.slice(Math.max(0, sorted.length - MAX_HISTORY))
}

/** The versions of a message, oldest first, ending with the one shown (empty when deleted). */
export async function historyOf(
  read: { get<T>(key: string): Promise<T | undefined> },
  record: MessageRecord,
): Promise<Version[]> {
  if (record.deleted) return []
  const history = (await read.get<Version[]>(historyKey(record.id))) ?? []
  return [...history, versionOf(record)]
}
