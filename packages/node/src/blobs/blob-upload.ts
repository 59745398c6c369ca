/**
 * Serving `request_blob` (docs/protocol/attachments.md §2): one `response` with the blob's
 * size, then BLOB frames covering `[offset, size)` in order, at most `uploadsPerPeer` at once
 * to one peer (more are answered `rejected(busy)`).
 * @module
 */
import { ErrorCode, isProtocolError } from '@sdmp/core'
import type { ContentData } from '@sdmp/core'
import type { Store } from '@sdmp/store'
import type { BlobPeer } from '../sync/session-blobs.js'
import { BLOB_FRAME_DATA_BYTES, encodeBlobFrame } from './blob-frame.js'

/** Sizes of held blobs remembered, so a request does not stream the blob twice. */
const SIZE_CACHE = 1024

/** The serving side of a node's blob transfer. */
export class BlobUploads {
  readonly #store: Store
  readonly #perPeer: number
  readonly #onError: (e: unknown) => void
  readonly #uploads = new Map<BlobPeer, number>()
  readonly #sizes = new Map<string, number>()

  constructor(store: Store, uploadsPerPeer: number, onError: (e: unknown) => void) {
    this.#store = store
    this.#perPeer = uploadsPerPeer
    this.#onError = onError
  }

  /** Answer one request; the frames go out afterwards without blocking the inbox. */
  async onRequest(session: BlobPeer, q: ContentData<'request_blob'>): Promise<void> {
    const uploads = this.#uploads.get(session) ?? 0
    if (uploads >= this.#perPeer) return session.answer(q.identifier, 'rejected', 'busy')
    const size = await this.#sizeOf(q.hash)
    if (size === undefined) return session.answer(q.identifier, 'not_found')
    if (q.offset > size) return session.answer(q.identifier, 'bad_request', 'offset')
    this.#uploads.set(session, uploads + 1)
    await session.answer(q.identifier, 'ok', undefined, { size })
    // The frames go out after the response (channel order) without blocking the inbox.
    void this.#upload(session, q.hash, q.offset)
      .catch((e: unknown) => {
        if (!isProtocolError(e, ErrorCode.CLOSED)) this.#onError(e)
      })
      .finally(() => {
        const n = (this.#uploads.get(session) ?? 1) - 1
        if (n > 0) this.#uploads.set(session, n)
        else this.#uploads.delete(session)
      })
  }

  /** The session closed: its uploads stop at their next frame. */
  forget(session: BlobPeer): void {
    this.#uploads.delete(session)
  }

  /** The size of a held blob (streamed once, then remembered), or undefined. */
  async #sizeOf(hash: string): Promise<number | undefined> {
    const known = this.#sizes.get(hash)
    if (known !== undefined) return known
    const data = await this.#store.getBlob(hash)
    if (!data) return undefined
    let size = 0
    for await (const part of data) size += part.length
    if (this.#sizes.size >= SIZE_CACHE) this.#sizes.delete(this.#sizes.keys().next().value!)
    this.#sizes.set(hash, size)
    return size
  }

  async #upload(session: BlobPeer, hash: string, offset: number): Promise<void> {
    const data = await this.#store.getBlob(hash)
    if (!data) return
    let at = 0
    for await (const part of data) {
      let from = 0
      if (at + part.length <= offset) {
        at += part.length
        continue
      }
      if (at < offset) from = offset - at
      while (from < part.length) {
        if (!session.isOpen) return
        const slice = part.subarray(from, from + BLOB_FRAME_DATA_BYTES)
        await session.channel.send(encodeBlobFrame(hash, at + from, slice))
        from += slice.length
      }
      at += part.length
    }
  }
}
