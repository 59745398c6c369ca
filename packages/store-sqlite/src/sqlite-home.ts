/**
 * Opening a home for SqliteStore (docs/store.md §4): the directory with its modes, the
 * connection (sqlite-open.ts), the blob files, the prepared statements and the cached journal
 * head, gathered into the {@link OpenHome} every other module of the store works on.
 * @module
 */
import { mkdirSync } from 'node:fs'
import type { PeerState } from '@sdmp/store'
import type { BlobFiles } from './blob-files.js'
import type { OpenHome } from './sqlite-ingest.js'
import { AppendedIds } from './sqlite-ids.js'
import { LocalKeys } from './sqlite-local-keys.js'
import { openSqliteHome } from './sqlite-open.js'
import type { SqliteStoreSeams } from './sqlite-open.js'
import { lineOfRow, prepareStatements } from './sqlite-statements.js'
import type { ResolvedSqliteConfig } from './sqlite-store-config.js'

/**
 * Create (0700, whatever the umask: the store holds the keys; docs/security.md), lock and
 * migrate the home, then read its journal head once: this connection is its only writer.
 * @throws IN_USE, INCOMPATIBLE_STORE, UNAVAILABLE
 */
export async function openHome(
  config: ResolvedSqliteConfig,
  blobs: BlobFiles,
  migrations: SqliteStoreSeams['migrations'],
  afterLazyCommit: () => void,
): Promise<OpenHome> {
  mkdirSync(config.dir, { recursive: true, mode: 0o700 })
  const db = await openSqliteHome(config, migrations)
  await blobs.init()
  const st = prepareStatements(db)
  const headRow = st.lastResource.get() as
    | { position: number; line_id: Buffer; user: Buffer; id: Buffer }
    | undefined
  const first = st.getMeta.get('line1') as { value: string } | undefined
  const head = headRow
    ? { position: headRow.position, line: lineOfRow(headRow) }
    : first && { position: 1, line: first.value }
  return {
    db,
    st,
    head,
    ids: AppendedIds.load(st, config.keyMergeRows),
    local: LocalKeys.load(db, st, config.keyMergeRows),
    cache: new Map(),
    users: new Map(),
    synchronous: config.synchronous,
    deferred: new Map(),
    afterLazyCommit,
  }
}

/** A peer's sync state from its row, or undefined (store.ts `getPeerState`). */
export function peerStateOf(o: OpenHome, peer: string): PeerState | undefined {
  const r = o.st.getPeer.get(peer) as
    | { last_known: string | null; extra: string | null; updated_at: number }
    | undefined
  if (!r) return undefined
  return {
    ...(r.last_known === null ? {} : { lastKnown: r.last_known }),
    ...(r.extra === null ? {} : { extra: r.extra }),
    updatedAt: r.updated_at,
  }
}
