/**
 * Content-addressed blob files next to the database: `blobs/<aa>/<sha256>`. A blob is written
 * to a temp file while it is hashed, fsynced, then renamed into place, so a crash leaves either
 * no blob or a whole one, never a partial file under a hash name (docs/store.md "Blobs").
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { assertBlobHash, assertBytes, checkAborted, BLOB_CHUNK } from '@sdmp/store'
import type { BlobInfo } from '@sdmp/store'

/** Blob storage in one directory. Streams in and out; never holds a whole blob in memory. */
export class BlobFiles {
  readonly #dir: string
  readonly #tmp: string

  constructor(dir: string) {
    this.#dir = dir
    this.#tmp = join(dir, 'tmp')
  }

  /** Create the directories and drop temp files a crash left behind. */
  async init(): Promise<void> {
    await rm(this.#tmp, { recursive: true, force: true })
    await mkdir(this.#tmp, { recursive: true, mode: 0o700 })
  }

  #path(hash: string): string {
    return join(this.#dir, hash.slice(0, 2), hash)
  }

  /** Stream `data` in. @throws ABORTED, BAD_REQUEST (non-bytes chunk), UNAVAILABLE (disk) */
  async put(data: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<BlobInfo> {
    checkAborted(signal)
    const tmp = join(this.#tmp, randomBytes(12).toString('hex'))
    const file = await open(tmp, 'wx', 0o600).catch((e: unknown) => {
      throw new ProtocolError(ErrorCode.UNAVAILABLE, 'blob: cannot create temp file', { cause: e })
    })
    const hash = createHash('sha256')
    let size = 0
    let done = false
    try {
      for await (const piece of data) {
        checkAborted(signal)
        assertBytes(piece, 'blob chunk')
        hash.update(piece)
        size += piece.length
        await file.write(piece)
      }
      await file.sync()
      await file.close()
      const info = { hash: hash.digest('hex'), size }
      const final = this.#path(info.hash)
      await mkdir(join(this.#dir, info.hash.slice(0, 2)), { recursive: true, mode: 0o700 })
      await rename(tmp, final)
      done = true
      await this.#syncDir(join(this.#dir, info.hash.slice(0, 2)))
      return info
    } catch (e) {
      if (e instanceof ProtocolError) throw e
      if (isFsError(e))
        throw new ProtocolError(ErrorCode.UNAVAILABLE, 'blob: write failed', { cause: e })
      throw e
    } finally {
      if (!done) {
        await file.close().catch(() => undefined)
        await unlink(tmp).catch(() => undefined)
      }
    }
  }

  /** fsync a directory so a rename in it is durable. */
  async #syncDir(dir: string): Promise<void> {
    const d = await open(dir, 'r')
    try {
      await d.sync()
    } finally {
      await d.close()
    }
  }

  /** A stream of the blob in {@link BLOB_CHUNK}-byte pieces, or undefined. @throws BAD_REQUEST */
  async get(hash: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const path = this.#path(assertBlobHash(hash))
    if (!(await this.has(hash))) return undefined
    return createReadStream(path, { highWaterMark: BLOB_CHUNK })
  }

  /** @throws BAD_REQUEST */
  async has(hash: string): Promise<boolean> {
    try {
      return (await stat(this.#path(assertBlobHash(hash)))).isFile()
    } catch (e) {
      if (isFsError(e) && e.code === 'ENOENT') return false
      throw e
    }
  }

  /** Remove a blob; a missing one is fine. @throws BAD_REQUEST */
  async delete(hash: string): Promise<void> {
    await rm(this.#path(assertBlobHash(hash)), { force: true })
  }
}

function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string'
}
