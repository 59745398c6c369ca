/**
 * Attachments at rest on this node (docs/protocol/attachments.md §1, §4): encrypting an upload
 * into the blob store under a fresh key, and reading a stored blob back decrypted. The key is
 * handed back only to the uploader (who puts it in the sealed message). Also what a send and
 * the network need to know of stored blobs: that a send's attachments were uploaded here, and
 * which blobs of a received message are still missing.
 * @module
 */
import {
  ATTACHMENT_MAX_BYTES,
  ErrorCode,
  ProtocolError,
  fromBase64urlExact,
  generateAttachmentKey,
  openAttachment,
  plainAttachmentSize,
  sealAttachment,
  toBase64url,
  toMessageAttachment,
} from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import type { AttachmentDownload, SendRequest, UploadedBlob } from '@sdmp/client'
import type { Store } from '@sdmp/store'
import type { AttachmentData } from './sender.js'

/**
 * Encrypt a file into the store, streaming (never the whole file in memory).
 * @throws LIMIT_EXCEEDED above 256 MiB, ABORTED when the signal fires, the store's codes
 */
export async function storeAttachment(
  provider: CryptoProvider,
  store: Store,
  source: AsyncIterable<Uint8Array>,
  options: { readonly signal?: AbortSignal } = {},
): Promise<UploadedBlob> {
  const key = generateAttachmentKey(provider)
  const info = await store.putBlob(
    sealAttachment(provider, key, source),
    options.signal ? { signal: options.signal } : {},
  )
  return { hash: info.hash, size: info.size, key: toBase64url(key) }
}

/**
 * A stored attachment, decrypted as it is read; undefined while the blob is not here. The
 * stream fails with DECRYPT_FAILED on any damage, or when it would deliver another size than
 * the message announced.
 */
export async function readAttachment(
  provider: CryptoProvider,
  store: Store,
  a: AttachmentData,
): Promise<AttachmentDownload | undefined> {
  const blob = await store.getBlob(a.hash)
  if (!blob) return undefined
  const key = fromBase64urlExact(a.key, 32, 'attachment.key')
  const size = plainAttachmentSize(a.size)
  async function* data(): AsyncGenerator<Uint8Array> {
    let total = 0
    for await (const plain of openAttachment(provider, key, blob!)) {
      total += plain.length
      if (size === undefined || total > size) break
      yield plain
    }
    if (total !== size)
      throw new ProtocolError(ErrorCode.DECRYPT_FAILED, 'attachment: decryption failed')
  }
  return { name: a.name, type: a.type ?? null, size: size ?? 0, data: data() }
}

/**
 * Attachments of a send (shape checked by the `SendRequest` schema) must name blobs stored
 * here, of a possible size (core's message schema checks the rest when the message is signed).
 * @throws BAD_REQUEST, NOT_FOUND (a blob that was not uploaded)
 */
export async function checkAttachments(
  store: Store,
  list: SendRequest['attachments'],
): Promise<AttachmentData[]> {
  if (list === undefined) return []
  const out: AttachmentData[] = []
  for (const [i, a] of list.entries()) {
    const plain = plainAttachmentSize(a.size)
    if (plain === undefined || plain > ATTACHMENT_MAX_BYTES)
      throw new ProtocolError(ErrorCode.BAD_REQUEST, `attachments[${i}].size: not a blob size`)
    if (!(await store.hasBlob(a.hash)))
      throw new ProtocolError(
        ErrorCode.NOT_FOUND,
        `attachments[${i}]: no such blob here (upload it first)`,
      )
    out.push(toMessageAttachment(a))
  }
  return out
}

/** The blobs among `hashes` that this node does not hold yet (to ask the network for). */
export async function missingBlobs(store: Store, hashes: readonly string[]): Promise<string[]> {
  const missing: string[] = []
  for (const h of hashes) if (!(await store.hasBlob(h))) missing.push(h)
  return missing
}
