/**
 * SQLite store figures for `npm run bench`, through the shared store benchmark
 * (@sdmp/store/bench-kit) so PostgreSQL reports the same rows. Targets from issue 3:
 * >= 50,000 journal appends/s batched, peak RSS growth < 100 MB across 1M resources.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStoreBench } from '@sdmp/store/bench-kit'
import type { Store } from '@sdmp/store'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { SqliteStore } from '../src/sqlite-store.js'
import { createNodeProvider } from '@sdmp/crypto-node'

// The product's hash (the daemon passes its provider's sha512 to the store): one SHA-512 per line.
const { sha512 } = createNodeProvider()

/** Run the store benchmark against file-backed SQLite homes (synchronous=FULL). */
export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const homes = new WeakMap<Store, string>()
  return runStoreBench(
    'sqlite',
    {
      async create() {
        const dir = mkdtempSync(join(tmpdir(), 'sdmp-sqlite-bench-'))
        const store = new SqliteStore({ dir, sha512 })
        homes.set(store, dir)
        return store
      },
      async destroy(store) {
        await store.close()
        rmSync(homes.get(store)!, { recursive: true, force: true })
      },
    },
    ctx,
    { targets: { journalAppendsPerSec: 50_000, rssGrowthMB: 100 } },
  )
}
