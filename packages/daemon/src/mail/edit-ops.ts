/**
 * Editing and deleting one's own messages (docs/protocol/edits.md), on the sending side: the
 * author rule checked before anything is signed (readers check it again, edits.ts), the update
 * or delete sealed to the same readers as the original, and the result once indexed here.
 * @module
 */
import { SHORT_ID_CHARS } from '@sdmp/client/ids'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import type { Account } from '../account/account.js'
import type { PrekeyBook } from './prekeys.js'
import type { MessageRecord } from './records.js'
import { publishSealed, signChange } from './sender.js'
import type { EditContent } from './sender.js'

/** What a change needs of the mailbox. */
export interface ChangeContext {
  readonly account: Account
  readonly book: PrekeyBook
  /** The indexed message `ref` names (inner id, outer id or unique prefix). */
  find(ref: string): Promise<MessageRecord | undefined>
  waitProcessed(position: number): Promise<void>
}

/**
 * Publish an update (`edit` given) or a delete of message `ref`, and wait until it is indexed.
 * @returns the message's inner id
 * @throws NOT_FOUND, FORBIDDEN (not our message, or this node may not publish), CONFLICT
 *   (already deleted), SCHEMA_VIOLATION
 */
export async function changeMessage(
  ctx: ChangeContext,
  ref: string,
  edit: EditContent | undefined,
  notFound: (ref: string) => ProtocolError,
): Promise<string> {
  const me = ctx.account.requireUser()
  const record = await ctx.find(ref)
  if (!record) throw notFound(ref)
  const verb = edit === undefined ? 'delete' : 'edit'
  if (record.from !== me)
    throw new ProtocolError(
      ErrorCode.FORBIDDEN,
      `message ${record.id.slice(0, SHORT_ID_CHARS)} is not yours: only its author may ${verb} it`,
    )
  if (record.deleted)
    throw new ProtocolError(
      ErrorCode.CONFLICT,
      `message ${record.id.slice(0, SHORT_ID_CHARS)} was deleted: it cannot be ${verb}ed`,
    )
  const inner = signChange(ctx.account, record, edit)
  // The same readers as the original: its recipients and our own devices.
  const readers = [...new Set([...record.to, me])]
  // Best effort per reader (like receipts): a recipient without a usable prekey now never
  // could open the original either; our own devices always get it.
  const { keys } = await ctx.book.recipientsOf(readers)
  // A delete's envelope also names the original's, so that hosts drop its sealed bytes.
  const { position } = await publishSealed(ctx.account, inner, keys, readers, {
    sessions: ctx.book.sessions,
    ...(edit === undefined && { replaces: record.outer }),
  })
  await ctx.waitProcessed(position)
  return record.id
}
