/**
 * Attachments as the node service (node-service.ts) serves them: decrypted downloads, and the
 * blobs not here yet asked of the network (docs/protocol/attachments.md §3).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { AttachmentIndex } from '@sdmp/client/schemas'
import type { AttachmentDownload } from '@sdmp/client'
import type { Account } from '../account/account.js'
import type { Mailbox } from '../mail/index.js'
import { missingBlobs, readAttachment } from '../mail/attachment-store.js'
import { assertId } from './messages.js'
import { assertRequest } from './request-check.js'
import type { ServiceBlobs } from './service-options.js'

/**
 * Attachment `index` of a message, decrypted as it streams. A blob not here yet is asked for
 * from the connected peers.
 * @throws BAD_REQUEST, NOT_FOUND
 */
export async function openAttachment(
  account: Account,
  mailbox: Mailbox,
  blobs: () => ServiceBlobs | undefined,
  id: string,
  index: number,
): Promise<AttachmentDownload> {
  assertId(id, 'id')
  assertRequest(AttachmentIndex, index, 'index')
  const a = await mailbox.attachment(id, index)
  if (!a) throw new ProtocolError(ErrorCode.NOT_FOUND, `message ${id} has no attachment ${index}`)
  const download = await readAttachment(account.provider, account.store, a)
  if (download) return download
  blobs()?.want([a.hash])
  throw new ProtocolError(
    ErrorCode.NOT_FOUND,
    `attachment ${index} of ${id} has not arrived yet (fetching it from peers)`,
  )
}
/**
 * Ask the network for those of `hashes` this node does not hold (attachments.md §3); `blobs`
 * is read after the store answered (the network may have restarted meanwhile).
 */
export async function wantMissing(
  account: Account,
  blobs: () => ServiceBlobs | undefined,
  hashes: readonly string[],
): Promise<void> {
  const missing = await missingBlobs(account.store, hashes)
  if (missing.length > 0) blobs()?.want(missing)
}
