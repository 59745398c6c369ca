/**
 * Migration 1: the initial PostgreSQL layout. Ids, fingerprints and refs use the "C" collation so
 * (created, id) order is byte order, the same order as every other backend and as negentropy.
 * @module
 */
import type { PgMigration } from '../postgres-migrator.js'

/**
 * The initial layout: meta, journal with its single-writer head row, resources, state, blobs.
 * Unused since issue 13 (no caller ever used them): the `outbox` table, `peers.last_sent_position`
 * and the `resources_sync` index; they stay because dropping them would need a migration that
 * locks older releases out of every existing schema, for no gain.
 */
export const MIGRATION_001: PgMigration = {
  version: 1,
  name: 'initial',
  up: (s) => [
    `CREATE TABLE ${s}.sdmp_meta (key text PRIMARY KEY, value text NOT NULL)`,
    `CREATE TABLE ${s}.sdmp_migrations (
       version integer PRIMARY KEY,
       name text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now())`,
    // The one row every journal append locks (SELECT ... FOR UPDATE): the single-writer point
    // of the journal across every process sharing this schema (docs/scale.md).
    `CREATE TABLE ${s}.journal_head (
       id smallint PRIMARY KEY CHECK (id = 1),
       position bigint NOT NULL,
       line text)`,
    `INSERT INTO ${s}.journal_head (id, position, line) VALUES (1, 0, NULL)`,
    // Unique position, line id and resource id: a fork or a second line for one resource is
    // refused by the database itself, whatever the code above it does.
    `CREATE TABLE ${s}.journal (
       position bigint PRIMARY KEY,
       line text NOT NULL,
       line_id text COLLATE "C" UNIQUE,
       resource_id text COLLATE "C" UNIQUE)`,
    `CREATE TABLE ${s}.resources (
       id text COLLATE "C" PRIMARY KEY,
       user_fp text COLLATE "C" NOT NULL,
       kind text COLLATE "C" NOT NULL,
       created bigint NOT NULL,
       ref text COLLATE "C",
       position bigint NOT NULL UNIQUE,
       bytes bytea NOT NULL)`,
    `CREATE INDEX resources_sync ON ${s}.resources (created, id)`,
    `CREATE INDEX resources_kind ON ${s}.resources (kind, position)`,
    `CREATE INDEX resources_user ON ${s}.resources (user_fp, position)`,
    `CREATE INDEX resources_ref ON ${s}.resources (ref, position) WHERE ref IS NOT NULL`,
    `CREATE TABLE ${s}.peers (
       peer text PRIMARY KEY,
       last_known text,
       last_sent_position bigint,
       extra text,
       updated_at bigint NOT NULL)`,
    `CREATE TABLE ${s}.secrets (name text PRIMARY KEY, value bytea NOT NULL)`,
    `CREATE TABLE ${s}.outbox (
       seq bigserial PRIMARY KEY,
       id text COLLATE "C" NOT NULL UNIQUE,
       target text NOT NULL,
       payload bytea NOT NULL,
       created_at bigint NOT NULL)`,
    `CREATE INDEX outbox_order ON ${s}.outbox (created_at, id)`,
    // A blob's chunks are written under a random upload id inside one transaction; the blob row
    // that names its hash is inserted last, so a crashed upload leaves nothing behind.
    `CREATE TABLE ${s}.blobs (
       hash text PRIMARY KEY,
       size bigint NOT NULL,
       upload uuid NOT NULL UNIQUE,
       chunks integer NOT NULL)`,
    `CREATE TABLE ${s}.blob_chunks (
       upload uuid NOT NULL,
       seq integer NOT NULL,
       data bytea NOT NULL,
       PRIMARY KEY (upload, seq))`,
  ],
}
