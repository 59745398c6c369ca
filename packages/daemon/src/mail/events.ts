/**
 * The events of a mailbox (docs/messaging.md "Events"): every event is derived from one journal
 * line (and, for sealed lines, from the index of that line), carries the line's position, and is
 * shown only once the index of that position is committed, so a client that resumes from a
 * position misses nothing and sees nothing twice. The indexer derives each line's event once,
 * as it commits the line (event-log.ts keeps the recent ones); {@link readEvents} derives them
 * again from the store only for a replay from before what the log holds.
 * @module
 */
import { decodeResource } from '@sdmp/core'
import type { ContentData, DecodedResource } from '@sdmp/core'
import type { Post, SdmpEvent } from '@sdmp/client'
import type { Account } from '../account/account.js'
import { linesOfRows } from './journal-lines.js'
import type { IndexLine } from './journal-lines.js'
import type { JournalEvent } from './event-log.js'
import { isExpired, toMessage } from './receipts.js'
import { contactStandings } from '../account/standing.js'
import type { Standing } from '../account/standing.js'
import { MailBatch, messageKey, outerKey, receiptsKey } from './records.js'
import type { MailRecords, MessageRecord, OuterEntry, ReceiptMap } from './records.js'

/** Where index records are read: the committed records, or a batch with its own writes. */
export type RecordReader = Pick<MailRecords, 'get'>

/** Kinds whose lines may produce an event. */
export const EVENT_KINDS: ReadonlySet<string> = new Set([
  'encrypted',
  'post',
  'trust',
  'revoke',
  'node',
  'prekey',
])

/** Journal rows read per store call while scanning for events. */
const SCAN_CHUNK = 500

/**
 * Events for journal positions in (after, upTo], in order, at most `limit`, derived again from
 * the store and the committed index. Every line gives at most one event; lines that concern
 * neither us nor our contacts give none.
 */
export async function readEvents(
  account: Account,
  records: MailRecords,
  after: number,
  upTo: number,
  limit: number,
): Promise<SdmpEvent[]> {
  const out: SdmpEvent[] = []
  let position = after
  while (out.length < limit && position < upTo) {
    const rows = await account.store.readJournal(position, Math.min(SCAN_CHUNK, upTo - position))
    if (rows.length === 0) break
    for (const line of await linesOfRows(account.store, rows)) {
      if (line.position > upTo) return out
      const event = await eventOfLine(account, records, line)
      if (event) out.push(event)
      position = line.position
      if (out.length >= limit) break
    }
  }
  return out
}

/**
 * The event of one journal line, or undefined. `records` must already hold the line's index
 * (the committed records, or the batch that indexes it).
 */
export async function eventOfLine(
  account: Account,
  records: RecordReader,
  line: IndexLine,
): Promise<JournalEvent | undefined> {
  const me = account.user
  const { id, kind, position } = line
  if (me === undefined || id === undefined || kind === undefined || !EVENT_KINDS.has(kind))
    return undefined
  if (kind === 'encrypted') return sealedEvent(account, records, position, me)
  const r = line.resource ?? (await storedResource(account, id))
  if (!r) return undefined
  const signer = r.signatures[0]?.kid
  switch (r.kind) {
    case 'post': {
      if (r.header.action === 'create') return { type: 'post', position, post: postOf(r) }
      // An update or delete (edits.md §4): the post as it changed, from its own author only.
      const original = await storedResource(account, r.header.replaces!)
      if (original?.kind !== 'post' || original.header.user !== r.header.user) return undefined
      const changed = postOf(r)
      const deleted = r.header.action === 'delete'
      return {
        type: 'post',
        position,
        post: {
          ...postOf(original),
          ...(deleted
            ? { body: '', subject: null, deleted }
            : { body: changed.body, type: changed.type, subject: changed.subject }),
          edited: deleted ? null : changed.created,
        },
      }
    }
    case 'trust':
      return trustEvent(account, r, position, me, 'trusted')
    case 'revoke': {
      if (r.header.user !== me) return undefined
      const target = await storedResource(account, (r.data as ContentData<'revoke'>).resource)
      return target?.kind === 'trust'
        ? trustEvent(account, target, position, me, 'revoked')
        : undefined
    }
    case 'node':
    case 'prekey':
      if (r.header.user !== me || signer === undefined) return undefined
      return {
        type: 'device',
        position,
        node: signer,
        change: r.kind === 'node' ? 'address' : 'prekey',
      }
    default:
      return undefined
  }
}

/** A stored resource, decoded (it was verified at ingest; decoding is enough to read it). */
async function storedResource(account: Account, id: string): Promise<DecodedResource | undefined> {
  const bytes = await account.store.getResource(id)
  return bytes && decodeResource(account.provider, bytes)
}

/** A contact or device event for a trust (created, or revoked by our user). */
function trustEvent(
  account: Account,
  trust: DecodedResource,
  position: number,
  me: string,
  change: 'trusted' | 'revoked',
): JournalEvent | undefined {
  const trustee = (trust.data as ContentData<'trust'>).trustee
  if (trust.header.user === me) {
    const type = account.ingestor.graph.identity(trustee)?.type
    if (type === 'user') return { type: 'contact', position, user: trustee, change }
    if (type === 'node')
      return {
        type: 'device',
        position,
        node: trustee,
        change: change === 'trusted' ? 'authorized' : 'revoked',
      }
    return undefined
  }
  if (change === 'trusted' && trustee === me)
    return { type: 'contact', position, user: trust.header.user, change: 'trusted-by' }
  return undefined
}

/** The message or receipt event of an encrypted line, from the index of that line. */
async function sealedEvent(
  account: Account,
  records: RecordReader,
  position: number,
  me: string,
): Promise<JournalEvent | undefined> {
  const entry = await records.get<OuterEntry>(outerKey(position))
  if (!entry) return undefined
  if (entry.kind === 'receipt')
    return {
      type: 'receipt',
      position,
      messages: entry.messages,
      receipt: { user: entry.user, status: entry.status, at: new Date(entry.at).toISOString() },
    }
  // An applied edit or delete shows as the message again, as it is now (edited or deleted).
  if (entry.kind === 'change' ? !entry.applied : !entry.first) return undefined
  const record = await records.get<MessageRecord>(messageKey(entry.id))
  if (!record || isExpired(record, account.now())) return undefined
  const receipts = await records.get<ReceiptMap>(receiptsKey(record.position))
  // A message we sent shows whether its recipients can get it now (waiting, rejected).
  const standing = record.direction === 'out' ? await standingsOf(account, records) : undefined
  return { type: 'message', position, message: toMessage(record, receipts, me, standing) }
}

/**
 * The contacts' standings an index batch's events show, read once per batch (`MailBatch`): a
 * batch of sent messages showed each its own read of the contact and refusal tables (two
 * vault reads per message; docs/load.md §5 "Fifteenth pass"). Events read elsewhere (a replay
 * from the committed records) read them each time: that reader lives as long as the mailbox.
 */
const batchStandings = new WeakMap<MailBatch, Promise<Map<string, Standing>>>()

function standingsOf(account: Account, records: RecordReader): Promise<Map<string, Standing>> {
  if (!(records instanceof MailBatch)) return contactStandings(account)
  let standing = batchStandings.get(records)
  if (standing === undefined) batchStandings.set(records, (standing = contactStandings(account)))
  return standing
}

/** A stored `post` resource as the client API shows it. */
export function postOf(r: DecodedResource): Post {
  const d = r.data as ContentData<'post'>
  return {
    id: r.id,
    from: r.header.user,
    body: d.body,
    type: d.type,
    subject: d.subject ?? null,
    created: new Date(r.created).toISOString(),
    edited: null,
    deleted: false,
  }
}
