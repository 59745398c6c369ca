/**
 * Schema version 4: digests as 64-byte BLOBs and users as row numbers (docs/store.md §2, §3
 * "Bytes at rest"; issue 14).
 * @module
 */
import type { SqliteDatabase } from '../sqlite-driver.js'
import type { Migration } from './index.js'

/** Rows copied per statement batch: bounded memory however large the home is. */
const BATCH = 1000

/**
 * Resource ids, line ids and user fingerprints were 86-character base64url TEXT in each row,
 * and the fingerprint again in the `(user, position)` index: ~260 bytes of text per row beside a
 * ~1.5 KB short message, so a 4 KiB page held two rows. Now ids and line ids are their 64 bytes,
 * the user is a small integer into `users` (a home has few users; the `(user, position)` index
 * entry shrinks from ~95 to ~6 bytes) and `ref` is an `ANY` column holding an 86-character
 * base64url name as a digest blob and any other name as text (sqlite-digests.ts). The `id_key`/`line_key`
 * columns go: the id and line id indexes are on the first 6 bytes of the digest (the same 48
 * bits, as an expression index), so the row no longer carries them (14 bytes). Every index is
 * read by a query (EXPLAIN QUERY PLAN in docs/store.md §2), so none is dropped.
 *
 * base64url has no SQL function, so the rows are copied by {@link copyRows} (in position order,
 * in batches), inside the migration's one transaction: a crash anywhere leaves version 3.
 * A home at version 4 is refused by releases that read up to version 3 (docs/store.md §5).
 */
export const migration004: Migration = {
  version: 4,
  sql: `
CREATE TABLE users (n INTEGER PRIMARY KEY, fingerprint BLOB NOT NULL UNIQUE) STRICT;
CREATE TABLE resources_v4 (
  position INTEGER PRIMARY KEY,
  id BLOB NOT NULL,
  line_id BLOB NOT NULL,
  user INTEGER NOT NULL,
  kind TEXT NOT NULL,
  created INTEGER NOT NULL,
  ref ANY,
  bytes BLOB NOT NULL
) STRICT;
`,
  run(db) {
    copyRows(db)
    db.exec(`
DROP TABLE resources;
ALTER TABLE resources_v4 RENAME TO resources;
CREATE INDEX resources_id ON resources (substr(id, 1, 6));
CREATE INDEX resources_line_id ON resources (substr(line_id, 1, 6));
CREATE INDEX resources_user ON resources (user, position);
CREATE INDEX resources_kind ON resources (kind, position);
CREATE INDEX resources_ref ON resources (ref, position) WHERE ref IS NOT NULL;
`)
  },
}

const B64_86 = /^[A-Za-z0-9_-]{86}$/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * The blob of an 86-character digest, as version 4 stores it: its 64 bytes, plus a 65th byte
 * with the last character's 4 unused bits when they are not zero (a spelling only odd input
 * has; sqlite-digests.ts `digestBlob`, copied here so this step never changes). Else undefined.
 */
function blobOf(text: string): Buffer | undefined {
  if (!B64_86.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  const extra = ALPHABET.indexOf(text[85]!) & 15
  return extra === 0 ? bytes : Buffer.concat([bytes, Buffer.of(extra)])
}

/** A stored digest of the old layout as bytes; the store only ever wrote 86-character ones. */
function required(text: string, what: string, position: number): Buffer {
  const blob = blobOf(text)
  if (!blob) throw new Error(`migration 4: ${what} of position ${position} is not a digest`)
  return blob
}

/** Copy every `resources` row into `resources_v4`, decoding digests and numbering users. */
function copyRows(db: SqliteDatabase): void {
  const read = db.prepare(
    'SELECT position, id, line_id, user, kind, created, ref, bytes FROM resources WHERE position > ? ORDER BY position LIMIT ?',
  )
  const write = db.prepare(
    'INSERT INTO resources_v4 (position, id, line_id, user, kind, created, ref, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const addUser = db.prepare('INSERT INTO users (fingerprint) VALUES (?)')
  const users = new Map<string, number>()
  let after = 0
  for (;;) {
    const rows = read.all(after, BATCH) as {
      position: number
      id: string
      line_id: string
      user: string
      kind: string
      created: number
      ref: string | null
      bytes: Buffer
    }[]
    if (rows.length === 0) return
    for (const r of rows) {
      let user = users.get(r.user)
      if (user === undefined) {
        user = Number(addUser.run(required(r.user, 'user', r.position)).lastInsertRowid)
        users.set(r.user, user)
      }
      const ref = r.ref === null ? null : (blobOf(r.ref) ?? r.ref)
      write.run(
        r.position,
        required(r.id, 'id', r.position),
        required(r.line_id, 'line id', r.position),
        user,
        r.kind,
        r.created,
        ref,
        r.bytes,
      )
    }
    after = rows[rows.length - 1]!.position
  }
}
