/**
 * Opening a SQLite home safely: refuse foreign or corrupt files without writing to them, take
 * the exclusive lock (IN_USE for a second process), then run pending migrations
 * (docs/store.md "Locking", "Migrations").
 * @module
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { writeTransaction } from './sqlite-driver.js'
import type { SqliteDatabase, OpenSqlite } from './sqlite-driver.js'
import type { ResolvedSqliteConfig } from './sqlite-store-config.js'
import { APPLICATION_ID, MIGRATIONS } from './migrations/index.js'
import { reserveWal, walReserveBytes } from './wal-reserve.js'
import type { WritebackFiles } from './wal-writeback.js'
import type { Migration } from './migrations/index.js'

const SQLITE_HEADER = 'SQLite format 3\0'

/**
 * Test seams of `SqliteStore` (its second constructor argument), deliberately outside
 * `SqliteStoreConfig` and not exported from the package root.
 * @internal
 */
export interface SqliteStoreSeams {
  /** Apply only these migrations (tests build an older store with data to migrate). */
  readonly migrations?: readonly Migration[]
  /** The file operations of the WAL's early writeback (wal-writeback.ts). */
  readonly writebackFiles?: WritebackFiles
}

/** File names inside a home. */
export const HOME_FILES = { db: 'store.db', lock: 'store.lock', blobs: 'blobs' } as const

/** Map a driver error to a coded ProtocolError, keeping it as `cause`. */
export function wrapDriverError(e: unknown, what: string): ProtocolError {
  if (e instanceof ProtocolError) return e
  const code = (e as { code?: unknown } | null)?.code
  if (typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')))
    return new ProtocolError(
      ErrorCode.INCOMPATIBLE_STORE,
      `${what}: store file is corrupt or not an sdmp store`,
      { cause: e },
    )
  // The disk (or the file system's quota) is full: the write was rolled back and nothing
  // acknowledged is lost, so it is retryable once space returns (docs/store.md "Faults").
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT')
    return new ProtocolError(
      ErrorCode.UNAVAILABLE,
      `${what}: disk full (no space left for the store; free space and retry)`,
      { cause: e },
    )
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return new ProtocolError(ErrorCode.CONFLICT, `${what}: already exists`, { cause: e })
  return new ProtocolError(ErrorCode.UNAVAILABLE, `${what}: database error`, { cause: e })
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
  )
}

function inUse(dir: string, cause?: unknown): ProtocolError {
  let pid = 'unknown'
  try {
    const text = readFileSync(join(dir, HOME_FILES.lock), 'utf8').trim()
    if (/^\d+$/.test(text)) pid = text
  } catch {
    // no lock file: the holder has not written it yet
  }
  return new ProtocolError(
    ErrorCode.IN_USE,
    `store in use by another process (pid ${pid})`,
    cause === undefined ? undefined : { cause },
  )
}

/** Refuse a non-SQLite file before SQLite ever opens it (opening could write to it). */
function checkHeader(path: string): void {
  if (!existsSync(path) || statSync(path).size === 0) return
  const fd = openSync(path, 'r')
  const head = Buffer.alloc(16)
  try {
    readSync(fd, head, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  if (head.toString('latin1') !== SQLITE_HEADER)
    throw new ProtocolError(
      ErrorCode.INCOMPATIBLE_STORE,
      `${path}: not an sdmp store (not a SQLite database); the file was left untouched`,
    )
}

async function defaultOpener(): Promise<OpenSqlite> {
  const { default: Database } = await import('better-sqlite3')
  return (path, options) =>
    new Database(path, { timeout: options.timeout }) as unknown as SqliteDatabase
}

/**
 * Open, classify, lock and migrate. Returns a connection that holds the home exclusively until
 * it is closed (SQLite `locking_mode=EXCLUSIVE`: the kernel drops the lock if the process dies,
 * so a kill -9 never leaves a stale lock).
 * @param migrations the schema steps to apply; only tests pass fewer than {@link MIGRATIONS}
 *   (to build an older store), never the public config
 * @throws IN_USE, INCOMPATIBLE_STORE, UNAVAILABLE
 */
export async function openSqliteHome(
  config: ResolvedSqliteConfig,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<SqliteDatabase> {
  const opener = config.openDatabase ?? (await defaultOpener())
  const path = config.memory ? ':memory:' : join(config.dir, HOME_FILES.db)
  if (!config.memory) {
    checkHeader(path)
    // Create the file 0600 before SQLite does (it would use 0644 & ~umask): SQLite gives the
    // -wal and -shm files the mode of the database file, so all three stay private.
    closeSync(openSync(path, 'a', 0o600))
  }
  let db: SqliteDatabase
  try {
    db = opener(path, { timeout: 0 })
  } catch (e) {
    throw wrapDriverError(e, 'open')
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE')
    const state = classify(db, path, migrations.at(-1)!.version)
    if (state === 'new') {
      // 8 KiB pages (set before the first write; docs/store.md §3 "Bytes at rest"). Rows of a
      // short message are ~1.6 KB since schema version 4: a 4 KiB page holds two (2,124 B of
      // file per message in the wire bench), an 8 KiB page five (1,708 B). Every WAL commit
      // writes whole pages, so the daemon writes more per message: disk probe, 1,000 messages,
      // sender: stored 8,686 -> 7,331 B, written 54,886 -> 59,187 B, fsyncs unchanged. Homes
      // made with other page sizes keep theirs.
      db.pragma('page_size = 8192')
      db.pragma('journal_mode = WAL')
    } else if (db.pragma('journal_mode', { simple: true }) !== 'wal' && !config.memory)
      db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${config.synchronous}`)
    // A bounded page cache keeps memory flat however big the store grows (issue 3: < 100 MB RSS
    // growth across 1M resources) while holding the hot index pages.
    db.pragma(`cache_size = -${config.cacheMiB * 1024}`)
    // Checkpoint every 10000 pages (~80 MB of WAL) instead of 1000: each checkpoint rewrites
    // the pages of the random-key indexes, so fewer, larger checkpoints cut write amplification.
    db.pragma(`wal_autocheckpoint = ${config.walAutocheckpointPages}`)
    db.pragma('foreign_keys = OFF')
    // The key merges sort up to a run of keys (~2 MB; docs/store.md §3 "Keys appended"): in
    // memory, not in a temporary file written to disk (~0.3 KB per message otherwise).
    db.pragma('temp_store = MEMORY')
    migrate(db, migrations, state === 'new' ? 0 : (state as number))
    // A write takes the exclusive lock and keeps it until close (locking_mode=EXCLUSIVE).
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_by_pid', ?)").run(
      String(process.pid),
    )
    // That write made the WAL. Reserved only where commits are fsync'd one by one (FULL).
    if (config.reserveWal && !config.memory && config.synchronous === 'FULL') {
      const pageSize = Number(db.pragma('page_size', { simple: true }))
      // Best effort (a full disk): without the reserve the WAL grows as it always did.
      void reserveWal(`${path}-wal`, walReserveBytes(pageSize, config.walAutocheckpointPages))
    }
  } catch (e) {
    try {
      db.close()
    } catch {
      // already failing; the first error is the one to report
    }
    if (isBusy(e) && !config.memory) throw inUse(config.dir, e)
    throw wrapDriverError(e, path)
  }
  if (!config.memory) {
    try {
      writeFileSync(join(config.dir, HOME_FILES.lock), `${process.pid}\n`, { mode: 0o600 })
    } catch (e) {
      db.close()
      throw new ProtocolError(ErrorCode.UNAVAILABLE, `${config.dir}: cannot write the lock file`, {
        cause: e,
      })
    }
  }
  return db
}

/** 'new' for an empty database, else its schema version. Reads only. */
function classify(db: SqliteDatabase, path: string, latest: number): 'new' | number {
  const appId = Number(db.pragma('application_id', { simple: true }))
  const version = Number(db.pragma('user_version', { simple: true }))
  const tables = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n
  if (appId === 0 && version === 0 && tables === 0) return 'new'
  if (appId !== APPLICATION_ID)
    throw new ProtocolError(
      ErrorCode.INCOMPATIBLE_STORE,
      `${path}: not an sdmp store (application id ${appId}); the file was left untouched`,
    )
  if (version > latest)
    throw new ProtocolError(
      ErrorCode.INCOMPATIBLE_STORE,
      `${path}: written by a newer sdmp (schema version ${version}, this version reads up to ${latest}); upgrade sdmp to open it`,
    )
  return version
}

/** Apply every migration above `from`, each in its own transaction. */
function migrate(db: SqliteDatabase, migrations: readonly Migration[], from: number): void {
  for (const m of migrations) {
    if (m.version <= from) continue
    writeTransaction(db, () => {
      db.exec(m.sql)
      m.run?.(db)
      if (m.version === 1) db.pragma(`application_id = ${APPLICATION_ID}`)
      db.pragma(`user_version = ${m.version}`)
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(
        String(m.version),
      )
    })
  }
}
