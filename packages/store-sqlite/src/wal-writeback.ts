/**
 * Early writeback of the WAL (docs/store.md §3 "Early writeback"). After a commit that skipped
 * its fsync (index records, peer positions, deferred records), an fdatasync of the WAL runs on
 * libuv's thread pool while the event loop goes on. The next durable commit's fsync then finds
 * those pages on disk already and flushes only its own. It only makes data durable sooner: no
 * commit waits for it and no promise depends on it.
 * @module
 */
import { close, fdatasync, open } from 'node:fs'

/** The three file operations used, as callbacks on libuv's thread pool (a seam for tests). */
export interface WritebackFiles {
  open(path: string, flags: 'r', cb: (err: Error | null, fd: number) => void): void
  fdatasync(fd: number, cb: (err: Error | null) => void): void
  close(fd: number, cb: (err: Error | null) => void): void
}

const NODE_FILES: WritebackFiles = { open, fdatasync, close }
const ignore = (): void => undefined

/**
 * At most one fdatasync of the WAL in flight; a kick while one runs asks for exactly one more.
 * Errors are ignored: since Linux 4.13 a writeback error is reported to every open file
 * description of the file, so SQLite's own fsync of the next durable commit still sees it.
 */
export class WalWriteback {
  readonly #path: string
  readonly #files: WritebackFiles
  #fd: number | undefined
  #busy = false
  #again = false
  #closed = false

  /** @param path the home's `store.db-wal`, opened on the first kick (SQLite creates it) */
  constructor(path: string, files: WritebackFiles = NODE_FILES) {
    this.#path = path
    this.#files = files
  }

  /** Start an fdatasync of the WAL now, or once the running one returns. Never throws. */
  kick(): void {
    if (this.#closed) return
    if (this.#busy) {
      this.#again = true
      return
    }
    this.#busy = true
    this.#again = false
    if (this.#fd !== undefined) return this.#sync(this.#fd)
    this.#files.open(this.#path, 'r', (err, fd) => {
      if (err) return this.#done()
      this.#fd = fd
      if (this.#closed) this.#done()
      else this.#sync(fd)
    })
  }

  /**
   * Stop kicking; the descriptor is closed once no operation uses it. Called after the
   * connection closed: closing a descriptor of a file drops the process's POSIX locks on it, and
   * SQLite holds none on the WAL, but nothing is left to chance.
   */
  close(): void {
    this.#closed = true
    if (!this.#busy) this.#release()
  }

  #sync(fd: number): void {
    this.#files.fdatasync(fd, () => this.#done())
  }

  #done(): void {
    this.#busy = false
    if (this.#closed) this.#release()
    else if (this.#again) this.kick()
  }

  #release(): void {
    const fd = this.#fd
    this.#fd = undefined
    if (fd !== undefined) this.#files.close(fd, ignore)
  }
}
