/**
 * Runs the Store conformance suite against SQLite: a file-backed home (persistent, reopened)
 * whose id keys are merged into their tables every 3 rows, and an in-memory database that keeps
 * them in memory (the default run of 8,192 rows; sqlite-ids.ts). Honours STORES (runs when it
 * includes "sqlite" or is unset).
 * @module
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStoreConformance } from '@sdmp/store/conformance'
import type { Store } from '@sdmp/store'
import { SqliteStore } from '../src/sqlite-store.js'

const sha512 = (d: Uint8Array) => new Uint8Array(createHash('sha512').update(d).digest())
const stores = process.env['STORES']
const homes = new WeakMap<Store, string>()

function create(memory: boolean) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdmp-sqlite-'))
    const store = new SqliteStore({ dir, sha512, memory, ...(!memory && { keyMergeRows: 3 }) })
    homes.set(store, dir)
    return store
  }
}

async function destroy(store: Store): Promise<void> {
  await store.close()
  const dir = homes.get(store)
  if (dir) rmSync(dir, { recursive: true, force: true })
}

if (stores === undefined || stores.split(',').includes('sqlite')) {
  runStoreConformance({
    name: 'sqlite',
    create: create(false),
    destroy,
    sha512,
    persistent: true,
    async reopen(store) {
      await store.close()
      const dir = homes.get(store)!
      const next = new SqliteStore({ dir, sha512, keyMergeRows: 3 })
      homes.set(next, dir)
      return next
    },
  })
  runStoreConformance({ name: 'sqlite-memory', create: create(true), destroy, sha512 })
}
