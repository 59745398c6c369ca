/**
 * The structural subset of a synchronous SQLite driver this adapter uses (HOUSE-STYLE: declare
 * the driver surface, do not leak driver types). better-sqlite3 12 satisfies it; a later move
 * to `node:sqlite` only needs a small shim.
 * @module
 */

/** Outcome of a write statement. */
export interface SqliteRunResult {
  readonly changes: number
  readonly lastInsertRowid: number | bigint
}

/** A prepared statement. Parameters are positional. */
export interface SqliteStatement {
  run(...params: unknown[]): SqliteRunResult
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
}

/** An open database connection. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement
  exec(sql: string): unknown
  pragma(source: string, options?: { simple?: boolean }): unknown
  close(): unknown
}

/** Options the adapter passes when opening a connection. */
export interface SqliteOpenOptions {
  /** Milliseconds to wait on a locked database; the adapter uses 0 to detect IN_USE at once. */
  readonly timeout: number
}

/** Opens a connection to `path` (a file path or `:memory:`). */
export type OpenSqlite = (path: string, options: SqliteOpenOptions) => SqliteDatabase

/**
 * Run `fn` in one write transaction (`BEGIN IMMEDIATE` ... `COMMIT`) and return what it
 * returns. On any error it rolls back and rethrows that error: a failed statement or COMMIT
 * (SQLITE_FULL, an I/O error) may already have rolled back, so a failing ROLLBACK must not hide
 * the first error.
 */
export function writeTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE')
  try {
    const out = fn()
    db.exec('COMMIT')
    return out
  } catch (e) {
    try {
      db.exec('ROLLBACK')
    } catch {
      // already rolled back by SQLite; the first error is the one to report
    }
    throw e
  }
}
