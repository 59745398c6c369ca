/**
 * The one Store conformance suite (HOUSE-STYLE "one conformance suite per interface"): every
 * backend's test file calls {@link runStoreConformance} with a factory, and the same node:test
 * cases run against memory, SQLite and PostgreSQL. fast-check and testkit are loaded lazily
 * inside the property case, so importing this module pulls in no test-only dependency.
 * @module
 */
import type { StoreConformanceOptions, Harness } from './conformance-kit.js'
import { NODE_FP, nodeSha512 } from './conformance-kit.js'
import { registerJournalCases } from './conformance-journal.js'
import { registerLocalCases } from './conformance-local.js'
import { registerQueryCases } from './conformance-query.js'
import { registerStateCases } from './conformance-state.js'
import { registerStoredCases } from './conformance-stored.js'
import { registerWatchCases } from './conformance-watch.js'
import type { Store } from './store.js'

export type { StoreConformanceOptions } from './conformance-kit.js'
export { signedItems } from './conformance-stored.js'

/**
 * Register the Store conformance cases (node:test `describe`/`it`) for one backend. Call it at
 * the top level of a test file. Test names are prefixed with `options.name`.
 * @example
 * runStoreConformance({ name: 'memory', create: async () => new MemoryStore({ sha512 }) })
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  if (options.persistent && !options.reopen) throw new Error('persistent stores must give reopen')
  const sha512 = options.sha512 ?? nodeSha512
  const dispose = async (store: Store) => {
    if (options.destroy) await options.destroy(store)
    else await store.close()
  }
  const fresh = async (init = true) => {
    const store = await options.create()
    await store.open()
    if (init) await store.initJournal(NODE_FP)
    return store
  }
  const harness: Harness = {
    name: options.name,
    options,
    sha512,
    fresh,
    dispose,
    async with(fn, init = true) {
      let store = await fresh(init)
      try {
        store = (await fn(store)) ?? store
      } finally {
        await dispose(store)
      }
    },
  }
  registerJournalCases(harness)
  registerQueryCases(harness)
  registerStateCases(harness)
  registerLocalCases(harness)
  registerWatchCases(harness)
  registerStoredCases(harness)
}
