/**
 * Schema version 3: fewer pages written per message (docs/store.md §3 "Write amplification").
 * @module
 */
import type { Migration } from './index.js'

/**
 * - `local` becomes a rowid table with a unique `(ns, key)` index. As a WITHOUT ROWID table its
 *   rows sat at their keys, which for the mailbox index are random ids (`m:<inner id>`,
 *   `o:<outer id>`, `r:<inner id>`), and a sealed message record (~1.9 KB) is more than a
 *   4 KiB index page keeps in its leaf, so each one took a leaf page at a random place plus an
 *   overflow page of its own, half of both left empty. Now rows are appended in insertion
 *   order (at the time a record rewritten with INSERT OR REPLACE moved to the end; since then
 *   `putLocal` upserts, so a rewritten record keeps its row: docs/store.md §3)
 *   and only the index entries (~100 bytes) go to random pages. The rows are copied in key
 *   order.
 * - The `(created, id)` index and the `outbox` table go: nothing has read them since issue 13,
 *   and the index cost a page write per few messages. `peers.last_sent_position` stays (an
 *   unused column costs nothing to write).
 *
 * A home at version 3 is refused by releases that read up to version 2 (docs/store.md §5).
 */
export const migration003: Migration = {
  version: 3,
  sql: `
CREATE TABLE local_rows (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL
) STRICT;
INSERT INTO local_rows (ns, key, value) SELECT ns, key, value FROM local ORDER BY ns, key;
DROP TABLE local;
ALTER TABLE local_rows RENAME TO local;
CREATE UNIQUE INDEX local_key ON local (ns, key);
DROP INDEX resources_sync_key;
DROP TABLE outbox;
`,
}
