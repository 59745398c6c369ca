/**
 * fdatasyncs of the WAL on libuv's thread pool, while the event loop goes on (docs/store.md §3).
 * - **Early writeback** ({@link WalWriteback.kick}): after a commit that skipped its fsync (index
 *   records, peer positions, deferred records), so that the next durable commit's fsync finds
 *   those pages on disk already and flushes only its own. Nothing waits for it.
 * - **Committed before durable** ({@link WalWriteback.sync}): a group commit of journal lines
 *   made without its fsync is answered once an fdatasync started after it has returned
 *   (sqlite-durable.ts).
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
 * Kicks: at most one fdatasync in flight, and a kick while one runs asks for exactly one more;
 * their errors are ignored, because since Linux 4.13 a writeback error is reported to every open
 * file description of the file, so the next durable commit's sync still sees it. Syncs: each
 * starts its own fdatasync at once, whatever else runs (one started before the caller's commit
 * does not cover it, and waiting for it to end first measured ~1 ms more per message), and is
 * told of its error. The descriptor is opened once, read-only, and closed after the last
 * operation once {@link close} was called.
 */
export class WalWriteback {
  readonly #path: string
  readonly #files: WritebackFiles
  #fd: number | undefined
  /** Callbacks waiting for the descriptor while it is being opened. */
  #opening: ((err: Error | null, fd: number) => void)[] | undefined
  #busy = false
  #again = false
  /** fdatasyncs of {@link sync} in flight. */
  #syncs = 0
  #closed = false

  /** @param path the home's `store.db-wal`, opened on first use (SQLite creates it) */
  constructor(path: string, files: WritebackFiles = NODE_FILES) {
    this.#path = path
    this.#files = files
  }

  /** Start an fdatasync of the WAL now, or once the running kick returns. Never throws. */
  kick(): void {
    if (this.#closed) return
    if (this.#busy) {
      this.#again = true
      return
    }
    this.#busy = true
    this.#again = false
    this.#withFd((err, fd) => {
      if (err) return this.#kicked()
      this.#files.fdatasync(fd, () => this.#kicked())
    })
  }

  /**
   * Resolves once an fdatasync of the WAL started by this call has returned, so every commit
   * made before the call is on disk; rejects with its error, or when closed first.
   */
  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('wal writeback: closed'))
    this.#syncs++
    return new Promise<void>((resolve, reject) => {
      this.#withFd((err, fd) => {
        if (err) return reject(err)
        this.#files.fdatasync(fd, (e) => (e ? reject(e) : resolve()))
      })
    }).finally(() => {
      this.#syncs--
      if (this.#closed) this.#releaseIfIdle()
    })
  }

  /**
   * Stop kicking; the descriptor is closed once no operation uses it. Called after the
   * connection closed: closing a descriptor of a file drops the process's POSIX locks on it, and
   * SQLite holds none on the WAL, but nothing is left to chance.
   */
  close(): void {
    this.#closed = true
    this.#releaseIfIdle()
  }

  /** The descriptor, opened on first use; an error when it cannot be opened (or closed meanwhile). */
  #withFd(cb: (err: Error | null, fd: number) => void): void {
    if (this.#fd !== undefined) return cb(null, this.#fd)
    if (this.#opening) {
      this.#opening.push(cb)
      return
    }
    const waiting = (this.#opening = [cb])
    this.#files.open(this.#path, 'r', (err, fd) => {
      this.#opening = undefined
      if (!err) this.#fd = fd
      const failure = err ?? (this.#closed ? new Error('wal writeback: closed') : null)
      for (const w of waiting) w(failure, fd)
      if (this.#closed) this.#releaseIfIdle()
    })
  }

  #kicked(): void {
    this.#busy = false
    if (this.#closed) this.#releaseIfIdle()
    else if (this.#again) this.kick()
  }

  #releaseIfIdle(): void {
    if (this.#busy || this.#syncs > 0 || this.#opening) return
    const fd = this.#fd
    this.#fd = undefined
    if (fd !== undefined) this.#files.close(fd, ignore)
  }
}
