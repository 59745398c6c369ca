/**
 * The write path of the SQLite store: group commit of queued puts and the sync range clause.
 * @module
 */
import { HASH_B64_LENGTH, formatJournalLine } from '@sdmp/core'
import type { Sha512 } from '@sdmp/core'
import type { IngestItem, PutResult } from '@sdmp/store'
import { writeTransaction } from './sqlite-driver.js'
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js'
import { wrapDriverError } from './sqlite-open.js'
import { digestBlob, digestText, refValue, userNumber } from './sqlite-digests.js'
import type { AppendedIds } from './sqlite-ids.js'
import { mergeKeysIfDue, writeDeferred } from './sqlite-local.js'
import type { LocalKeys } from './sqlite-local-keys.js'
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
  /** Id and line id lookups: key tables plus the rows after them in memory (sqlite-ids.ts). */
  readonly ids: AppendedIds
  /** Local record lookups: `local_keys` plus the rows after it in memory (sqlite-local-keys.ts). */
  readonly local: LocalKeys
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
    results = writeTransaction(o.db, () => {
      // Deferred local records first (the sender's session state rides its envelope's commit).
      writeDeferred(o)
      return group.map((p) =>
        p.items.map((item) => {
          const id = digestBlob(item.id)
          const at = o.ids.positionOfId(o.st, id)
          if (at !== undefined) {
            const existing = o.st.lineAt.get(at) as { line_id: Buffer; user: Buffer }
            const line = `${digestText(existing.line_id)}@${digestText(existing.user)}/${item.id}`
            return { id: item.id, inserted: false, position: at, line }
          }
          // One SHA-512 per line: the line id is the line's first 86 characters.
          const line = formatJournalLine(head.line, item.user, item.id, sha512)
          const lineId = line.slice(0, HASH_B64_LENGTH)
          const position = head.position + 1
          const user = userNumber(o.st.users, o.users, item.user, true)
          const lineBlob = digestBlob(lineId)
          o.st.insert.run(
            position,
            id,
            lineBlob,
            user,
            item.kind,
            item.created,
            item.ref === undefined ? null : refValue(item.ref),
            item.bytes,
          )
          o.ids.add(position, id, lineBlob)
          head = { position, line }
          return { id: item.id, inserted: true, position, line }
        }),
      )
    })
  } catch (e) {
    // Users, rows and local keys added by the rolled-back transaction are gone: forget them.
    o.users.clear()
    o.ids.rollback(o.head!.position)
    o.local.rollback()
    const err = wrapDriverError(e, 'putResources')
    for (const p of group) p.reject(err)
    return
  }
  o.head = head
  o.local.commit()
  o.deferred.clear()
  group.forEach((p, i) => p.resolve(results[i]!))
  mergeKeysIfDue(o)
}
