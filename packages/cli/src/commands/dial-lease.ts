/**
 * The dial lease of a node whose home is a PostgreSQL schema (docs/scale.md §8 "Instances as
 * daemon processes"): several `sdmp start` processes of one node over one schema would each
 * dial the same peers, and each would replace the other's session there. Only the holder of
 * this lease (a PostgreSQL advisory lock, store-postgres `PgLease`) dials and publishes the
 * node's addresses; every instance accepts. The driver is imported only for such homes
 * (test/lazy-pg.test.ts).
 * @module
 */
import type { DialLease, HomeStore } from '@sdmp/daemon'

/** A lease with the one-connection pool it holds its lock on. */
export interface NodeDialLease {
  readonly lease: DialLease
  /** Give the lease up and end its pool. */
  close(): Promise<void>
}

/** The lease of the node in `store`'s schema; undefined for an SQLite home (one process). */
export async function nodeDialLease(
  store: HomeStore | undefined,
): Promise<NodeDialLease | undefined> {
  if (store === undefined) return undefined
  const { createPgPool, PgLease } = await import('@sdmp/store-postgres')
  const pool = createPgPool({ url: store.url, maxConnections: 1, applicationName: 'sdmp-lease' })
  const lease = new PgLease({ acquire: () => pool.connect(), name: `dial:${store.schema}` })
  return {
    lease,
    close: async () => {
      await lease.close()
      await pool.end().catch(() => undefined)
    },
  }
}
