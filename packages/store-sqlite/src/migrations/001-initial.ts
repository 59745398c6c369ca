/** Schema version 1: resources (which also hold the journal), peers, secrets, outbox. @module */
import type { Migration } from './index.js'

/**
 * The journal is not a separate table: a resource's row holds its journal position (the rowid)
 * and its line id, and its line is `lineId@user/id` (docs/protocol/journal.md). Line 1 (the
 * node fingerprint) lives in `meta`. One row per resource makes "one line per resource" a
 * structural fact instead of something two tables must agree on.
 *
 * Ids and line ids are SHA-512 digests, so an index on them takes every insert to a random
 * page. They are indexed through `id_key`/`line_key`, the first 48 bits of the digest as an
 * integer: the index is about 6x smaller, so a commit dirties far fewer pages (2-4x the batched
 * ingest rate measured here). Lookups compare the full text too, so a prefix collision is
 * harmless; uniqueness of `id` is kept by the single writer checking before it inserts.
 *
 * Unused since issue 13 (no caller ever used them): the `outbox` table, `peers.last_sent_position`
 * and the `(created, id)` index. Migration 3 drops the table and the index (a page write per
 * few messages), together with its change to `local`.
 */
export const migration001: Migration = {
  version: 1,
  sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE resources (
  position INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  id_key INTEGER NOT NULL,
  line_id TEXT NOT NULL,
  line_key INTEGER NOT NULL,
  user TEXT NOT NULL,
  kind TEXT NOT NULL,
  created INTEGER NOT NULL,
  ref TEXT,
  bytes BLOB NOT NULL
) STRICT;
CREATE INDEX resources_sync_key ON resources (created, id);
CREATE INDEX resources_id ON resources (id_key);
CREATE INDEX resources_line_id ON resources (line_key);
CREATE INDEX resources_user ON resources (user, position);
CREATE INDEX resources_kind ON resources (kind, position);
CREATE INDEX resources_ref ON resources (ref, position) WHERE ref IS NOT NULL;
CREATE TABLE peers (
  peer TEXT PRIMARY KEY,
  last_known TEXT,
  last_sent_position INTEGER,
  extra TEXT,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  payload BLOB NOT NULL
) STRICT;
CREATE INDEX outbox_order ON outbox (created_at, id);
CREATE INDEX outbox_target ON outbox (target, created_at, id);
`,
}
