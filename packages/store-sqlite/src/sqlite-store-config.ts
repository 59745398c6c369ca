/**
 * Configuration of the SQLite store: where the home is, the fsync mode and the injected driver
 * and hash. Validated and frozen once (HOUSE-STYLE "Config handling").
 * @module
 */
import type { Sha512 } from '@sdmp/core'
import type { OpenSqlite } from './sqlite-driver.js'

/**
 * How hard each commit is pushed to disk. `FULL` (default) fsyncs the WAL on every commit, so
 * an acknowledged write survives kill -9 and power loss. `NORMAL` fsyncs only at checkpoints:
 * it survives kill -9 but may lose the last commits on power loss (docs/store.md).
 */
export type SqliteSynchronous = 'FULL' | 'NORMAL'

/** Configuration of {@link SqliteStore} (sqlite-store.ts). */
export interface SqliteStoreConfig {
  /**
   * The store home: `store.db` (+ WAL), `store.lock` and `blobs/` live here. Created on open.
   */
  readonly dir: string
  /** SHA-512 used to chain journal lines (e.g. `createNodeProvider().sha512`). */
  readonly sha512: Sha512
  /** Keep the database in memory (tests); blobs still go to `dir/blobs`. Default false. */
  readonly memory?: boolean
  /** fsync mode; default `FULL`. */
  readonly synchronous?: SqliteSynchronous
  /** The driver; defaults to better-sqlite3. */
  readonly openDatabase?: OpenSqlite
  /**
   * Concurrent single puts are coalesced into one transaction; a group never holds more than
   * this many items (default 5000) so one commit never blocks the event loop for long.
   */
  readonly maxGroupItems?: number
  /** SQLite page cache per connection in MiB (default 16): bounded memory at any store size. */
  readonly cacheMiB?: number
  /**
   * Write the WAL out to its checkpoint size with zeros when the home opens (only with `FULL`):
   * durable commits then overwrite the file instead of growing it, which syncs faster (docs/
   * store.md §3 "WAL reserved at open"). Costs one write of the whole size at each open
   * (`walAutocheckpointPages` frames: 80 MiB with 8 KiB pages) and that much disk while open,
   * so it is for long-running processes (the daemon), not for one-shot commands. Default false.
   */
  readonly reserveWal?: boolean
  /**
   * WAL frames after which a commit checkpoints (SQLite `wal_autocheckpoint`), default 10000;
   * tests use small values to make the WAL wrap. Also the size of the reserve.
   */
  readonly walAutocheckpointPages?: number
  /**
   * Rows whose keys are held in memory before they are merged into their key tables in one
   * run (docs/store.md §3 "Keys appended"): resource rows (id, line id) and local record rows
   * each, default 16384. Each merge rewrites the leaves it touches once for all of them; memory
   * ~0.1-0.2 KB per row. Tests make it small.
   */
  readonly keyMergeRows?: number
}

/** The validated, frozen form of {@link SqliteStoreConfig}. */
export interface ResolvedSqliteConfig {
  readonly dir: string
  readonly sha512: Sha512
  readonly memory: boolean
  readonly synchronous: SqliteSynchronous
  readonly openDatabase: OpenSqlite | undefined
  readonly maxGroupItems: number
  readonly cacheMiB: number
  readonly reserveWal: boolean
  readonly walAutocheckpointPages: number
  readonly keyMergeRows: number
}

/** Check and freeze a config; misuse by our own code, so plain errors. @throws TypeError */
export function resolveSqliteConfig(config: SqliteStoreConfig): ResolvedSqliteConfig {
  if (typeof config?.dir !== 'string' || config.dir === '')
    throw new TypeError('sqlite store: dir must be a non-empty path')
  if (typeof config.sha512 !== 'function') throw new TypeError('sqlite store: sha512 required')
  const synchronous = config.synchronous ?? 'FULL'
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL')
    throw new TypeError('sqlite store: synchronous must be FULL or NORMAL')
  const maxGroupItems = config.maxGroupItems ?? 5000
  if (!Number.isSafeInteger(maxGroupItems) || maxGroupItems < 1)
    throw new TypeError('sqlite store: maxGroupItems must be a positive integer')
  const cacheMiB = config.cacheMiB ?? 16
  if (!Number.isSafeInteger(cacheMiB) || cacheMiB < 1 || cacheMiB > 4096)
    throw new TypeError('sqlite store: cacheMiB must be an integer in 1..4096')
  const walAutocheckpointPages = config.walAutocheckpointPages ?? 10_000
  if (
    !Number.isSafeInteger(walAutocheckpointPages) ||
    walAutocheckpointPages < 16 ||
    walAutocheckpointPages > 1_000_000
  )
    throw new TypeError('sqlite store: walAutocheckpointPages must be an integer in 16..1000000')
  const keyMergeRows = config.keyMergeRows ?? 16_384
  if (!Number.isSafeInteger(keyMergeRows) || keyMergeRows < 1 || keyMergeRows > 1_000_000)
    throw new TypeError('sqlite store: keyMergeRows must be an integer in 1..1000000')
  return Object.freeze({
    keyMergeRows,
    cacheMiB,
    reserveWal: config.reserveWal ?? false,
    walAutocheckpointPages,
    dir: config.dir,
    sha512: config.sha512,
    memory: config.memory ?? false,
    synchronous,
    openDatabase: config.openDatabase,
    maxGroupItems,
  })
}
