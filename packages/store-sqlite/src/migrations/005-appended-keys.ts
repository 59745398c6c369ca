/**
 * Schema version 5: the indexes keyed at random become tables the store fills in runs, so a
 * message's random-key entries stop costing a page each per commit (docs/store.md §3 "Keys
 * appended"; issue 14).
 * @module
 */
import type { Migration } from './index.js'

/**
 * Ids and line ids are SHA-512 digests, and the mailbox index keys a message by its inner id
 * (`m:<inner id>`) and appends to several lists per message (`a:`, `o:`, `r:`...): each commit
 * of a few messages wrote one page per message into each digest index and several pages into
 * the `(ns, key)` index of `local` (together 70-75% of the WAL's bytes in version 4; docs/load.md
 * §5 "Eighteenth pass"). From version 5 those entries live in tables that hold exactly the rows
 * up to a position kept in `meta`: `resource_ids` and `line_ids` (a digest's first 6 bytes and
 * the row's position, up to `ids_through`) and `local_keys` (`(ns, key)` and the `local` row,
 * up to `local_through`). The keys of later rows are held in memory, rebuilt from the rows at
 * open (sqlite-ids.ts, sqlite-local-keys.ts), and merged into the tables in key order once
 * enough have gathered: a run rewrites each leaf once for thousands of entries.
 *
 * `local_keys` names `local` rows by rowid. `local` has no INTEGER PRIMARY KEY, and SQLite may
 * renumber such rowids only in VACUUM, which sdmp never runs; a later migration that copies
 * `local` must keep them (`INSERT ... SELECT rowid, ...`).
 *
 * This step moves every existing entry into the tables (one statement each); a crash anywhere
 * leaves version 4. A home at version 5 is refused by releases that read up to version 4
 * (docs/store.md §5).
 */
export const migration005: Migration = {
  version: 5,
  sql: `
DROP INDEX resources_id;
DROP INDEX resources_line_id;
CREATE TABLE resource_ids (
  key BLOB NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (key, position)
) STRICT, WITHOUT ROWID;
CREATE TABLE line_ids (
  key BLOB NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (key, position)
) STRICT, WITHOUT ROWID;
INSERT INTO resource_ids (key, position) SELECT substr(id, 1, 6), position FROM resources ORDER BY 1, 2;
INSERT INTO line_ids (key, position) SELECT substr(line_id, 1, 6), position FROM resources ORDER BY 1, 2;
INSERT OR REPLACE INTO meta (key, value)
  VALUES ('ids_through', CAST(coalesce((SELECT max(position) FROM resources), 1) AS TEXT));
DROP INDEX local_key;
CREATE TABLE local_keys (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  row INTEGER NOT NULL,
  PRIMARY KEY (ns, key)
) STRICT, WITHOUT ROWID;
INSERT INTO local_keys (ns, key, row) SELECT ns, key, rowid FROM local ORDER BY ns, key;
INSERT OR REPLACE INTO meta (key, value)
  VALUES ('local_through', CAST(coalesce((SELECT max(rowid) FROM local), 0) AS TEXT));
`,
}
