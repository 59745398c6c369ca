/**
 * The write path of the SQLite store: group commit of queued puts and the sync range clause.
 * @module
 */
import { HASH_B64_LENGTH, formatJournalLine } from '@sdmp/core'
import type { Sha512 } from '@sdmp/core'
import type { IngestItem, PutResult } from '@sdmp/store'
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js'
import { wrapDriverError } from './sqlite-open.js'
import { digestBlob, digestText, refValue, userNumber } from './sqlite-digests.js'
import { writeDeferred } from './sqlite-local.js'
import { keyOf } from './sqlite-statements.js'
import type { Statements } from './sqlite-statements.js'

/** A putResources call waiting for the next group commit. */
export interface PendingPut {
  readonly items: readonly IngestItem[]
  readonly resolve: (r: PutResult[]) => void
  readonly reject: (e: unknown) => void
}

/** An open home: the exclusive connection, its statements and the cached journal head. */
export interface OpenHome {
  readonly db: SqliteDatabase
  readonly st: Statements
  readonly cache: Map<string, SqliteStatement>
  /** The connection's configured `PRAGMA synchronous`. */
  readonly synchronous: 'FULL' | 'NORMAL'
  /** User fingerprint -> `users` row number, committed rows only (sqlite-digests.ts). */
  readonly users: Map<string, number>
  /** Last journal line (cached: this connection is the only writer of the home). */
  head: { position: number; line: string } | undefined
  /**
   * Deferred local records (namespace -> key -> value) not written yet: the next transaction
   * writes them first and clears them once it commits (sqlite-local.ts `writeDeferred`).
   */
  readonly deferred: Map<string, Map<string, Uint8Array>>
  /** Called after each commit that skipped its fsync (wal-writeback.ts). */
  readonly afterLazyCommit: () => void
}

/**
 * Commit one group of queued puts in a single transaction: look each id up, append a journal
 * line for each new one (chained from the cached head), COMMIT (durable under
 * synchronous=FULL), and only then resolve the callers. On any failure the whole group rolls
 * back, every caller is rejected and the cached head is left unchanged.
 */
export function commitGroup(o: OpenHome, group: readonly PendingPut[], sha512: Sha512): void {
  let head = o.head!
  let results: PutResult[][]
  try {
    o.db.exec('BEGIN IMMEDIATE')
    try {
      // Deferred local records first (the sender's session state rides its envelope's commit).
      writeDeferred(o)
      results = group.map((p) =>
        p.items.map((item) => {
          const id = digestBlob(item.id)
          const existing = o.st.lineOf.get(keyOf(id), id) as
            | { position: number; line_id: Buffer; user: Buffer }
            | undefined
          if (existing) {
            const line = `${digestText(existing.line_id)}@${digestText(existing.user)}/${item.id}`
            return { id: item.id, inserted: false, position: existing.position, line }
          }
          // One SHA-512 per line: the line id is the line's first 86 characters.
          const line = formatJournalLine(head.line, item.user, item.id, sha512)
          const lineId = line.slice(0, HASH_B64_LENGTH)
          const position = head.position + 1
          const user = userNumber(o.st.users, o.users, item.user, true)
          o.st.insert.run(
            position,
            id,
            digestBlob(lineId),
            user,
            item.kind,
            item.created,
            item.ref === undefined ? null : refValue(item.ref),
            item.bytes,
          )
          head = { position, line }
          return { id: item.id, inserted: true, position, line }
        }),
      )
      o.db.exec('COMMIT')
    } catch (e) {
      try {
        o.db.exec('ROLLBACK')
      } catch {
        // a failed COMMIT may already have rolled back; the first error is the one to report
      }
      throw e
    }
  } catch (e) {
    // Users added by the rolled-back transaction are gone: forget every cached number.
    o.users.clear()
    const err = wrapDriverError(e, 'putResources')
    for (const p of group) p.reject(err)
    return
  }
  o.head = head
  o.deferred.clear()
  group.forEach((p, i) => p.resolve(results[i]!))
}
