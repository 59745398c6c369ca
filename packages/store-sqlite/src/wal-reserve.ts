/**
 * The WAL written out to its full size when a long-running process opens its home
 * (docs/store.md §3 "WAL reserved at open").
 *
 * Why: a durable commit appends its frames to the WAL and fsyncs it. While the file grows, the
 * fsync also has to commit the file system's journal (the new size and blocks): on this
 * project's machines a two-page commit took 0.24-0.27 ms p50 appending against 0.145 ms
 * overwriting, p99 0.35-0.43 against 0.24 ms. SQLite overwrites its WAL from the start once a
 * checkpoint lets it wrap (at `wal_autocheckpoint` pages), but deletes the file on a clean close,
 * so every start appended again for the first ~80 MB, which a personal node may never reach in a
 * day. Zeros written past the end of the WAL are never read as frames: SQLite's recovery stops
 * at the first frame whose salts and checksum do not match its header, and it writes frames at
 * the positions it counts itself, whatever the file's size.
 * @module
 */
import { closeSync, fdatasyncSync, fstatSync, openSync, writeSync } from 'node:fs'

/** Size of the WAL header and of each frame's header (sqlite.org/fileformat2.html §4.1). */
const WAL_HEADER_BYTES = 32
const FRAME_HEADER_BYTES = 24
const CHUNK = 1024 * 1024

/**
 * Bytes reserved for a WAL that checkpoints after `checkpointPages` frames of `pageSize` bytes.
 * The commit that crosses the checkpoint size is written whole before the checkpoint runs and the
 * WAL restarts at the next write, so the file reaches the checkpoint size plus that commit's
 * frames less one; an eighth more (at least 64 frames) holds the commits of a busy group
 * commit. A larger commit grows the file as SQLite always does.
 */
export const walReserveBytes = (pageSize: number, checkpointPages: number): number =>
  WAL_HEADER_BYTES +
  (checkpointPages + Math.max(64, Math.ceil(checkpointPages / 8))) * (FRAME_HEADER_BYTES + pageSize)

/**
 * Extend the WAL at `walPath` with zeros to `bytes`, then fdatasync it, so that the commits that
 * follow overwrite blocks the file already has. Call only while holding the home's exclusive
 * lock, between statements (no commit may be writing frames meanwhile), after the WAL exists.
 * A file already that large is left as it is. Best effort: the reserve only saves time, so a
 * failure (a full disk) is returned, not thrown, and leaves at most some zeros past the end,
 * which SQLite ignores as it ignores a torn frame.
 * @returns the error that stopped it, or undefined
 */
export function reserveWal(walPath: string, bytes: number): Error | undefined {
  let fd: number | undefined
  try {
    fd = openSync(walPath, 'r+')
    let at = fstatSync(fd).size
    if (at >= bytes) return undefined
    const zeros = Buffer.alloc(CHUNK)
    while (at < bytes) at += writeSync(fd, zeros, 0, Math.min(CHUNK, bytes - at), at)
    fdatasyncSync(fd)
    return undefined
  } catch (e) {
    return e as Error
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
