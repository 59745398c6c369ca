/**
 * Partial blob downloads on disk (docs/protocol/attachments.md §2 "Resuming"): the bytes of a
 * blob received so far, in order from offset 0, one file `<hash>.part` per blob, so that a
 * broken transfer resumes from the offset held, after a restart too. The bytes are checked
 * only by the whole blob's SHA-256 at the end; a file that fails it is discarded.
 * @module
 */
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rm } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode, ProtocolError, isBlobHash } from '@sdmp/core'

/** The directory of partial files, next to the store's `blobs/` (attachments.md §2). */
export const PARTIAL_BLOB_DIR = 'blobs-partial'

/** Suffix of a partial blob's file: `<hash>.part`. */
const PART = '.part'

/** A partial blob opened by the one download of its hash. */
export interface PartialFile {
  /** Bytes held when opened: where the download resumes. */
  readonly offset: number
  /** The held bytes `[0, offset)`. */
  read(): AsyncIterable<Uint8Array>
  /** Write the next bytes after those held or written before. @throws UNAVAILABLE */
  write(data: Uint8Array): Promise<void>
  close(): Promise<void>
}

/** The partial files of one node, in one directory the node owns. */
export class PartialBlobs {
  readonly #dir: string

  constructor(dir: string) {
    this.#dir = dir
  }

  #path(hash: string): string {
    // Hashes are checked before any path is built (no traversal; store.md §6 does the same).
    if (!isBlobHash(hash)) throw new TypeError('partial blob: expected a 64-hex hash')
    return join(this.#dir, `${hash}${PART}`)
  }

  /**
   * Create the directory and remove every file in it that is not the partial file of a blob
   * `keep` accepts (blobs no longer wanted, or names we did not write).
   * @throws UNAVAILABLE when the directory cannot be created or read
   */
  async init(keep: (hash: string) => boolean): Promise<void> {
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 })
      for (const name of await readdir(this.#dir)) {
        const hash = name.endsWith(PART) ? name.slice(0, -PART.length) : ''
        if (!isBlobHash(hash) || !keep(hash))
          await rm(join(this.#dir, name), { recursive: true, force: true })
      }
    } catch (e) {
      throw new ProtocolError(ErrorCode.UNAVAILABLE, 'partial blobs: cannot prepare directory', {
        cause: e,
      })
    }
  }

  /**
   * Open (or create) the partial file of `hash`. A file longer than `maxBytes` cannot be a
   * prefix of a blob we would fetch: it is emptied and the download starts at 0.
   * @throws UNAVAILABLE
   */
  async open(hash: string, maxBytes: number): Promise<PartialFile> {
    const path = this.#path(hash)
    let handle: FileHandle
    try {
      handle = await open(path, 'r+').catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e
        return open(path, 'w+', 0o600)
      })
    } catch (e) {
      throw new ProtocolError(ErrorCode.UNAVAILABLE, 'partial blob: cannot open', { cause: e })
    }
    try {
      let size = (await handle.stat()).size
      if (size > maxBytes) {
        await handle.truncate(0)
        size = 0
      }
      return partialFile(path, handle, size)
    } catch (e) {
      // Closing after the write failed or finished: a close error adds nothing to report.
      await handle.close().catch(() => undefined)
      throw new ProtocolError(ErrorCode.UNAVAILABLE, 'partial blob: cannot open', { cause: e })
    }
  }

  /** Remove the partial file of `hash`; a missing one is fine. */
  async remove(hash: string): Promise<void> {
    await rm(this.#path(hash), { force: true })
  }
}

function partialFile(path: string, handle: FileHandle, offset: number): PartialFile {
  // Positional writes from the held size: the file is only ever a prefix written in order.
  let position = offset
  let closed = false
  return {
    offset,
    read: () =>
      offset === 0
        ? (async function* () {})()
        : createReadStream(path, { start: 0, end: offset - 1, highWaterMark: 65_536 }),
    async write(data) {
      try {
        let done = 0
        while (done < data.length) {
          const { bytesWritten } = await handle.write(data, done, data.length - done, position)
          done += bytesWritten
          position += bytesWritten
        }
      } catch (e) {
        throw new ProtocolError(ErrorCode.UNAVAILABLE, 'partial blob: write failed', { cause: e })
      }
    },
    async close() {
      if (closed) return
      closed = true
      // Not fsynced: a crash may leave a damaged tail, which the final hash check catches.
      // Closing after the write failed or finished: a close error adds nothing to report.
      await handle.close().catch(() => undefined)
    },
  }
}
