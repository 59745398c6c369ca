/** Runs the Store conformance suite against MemoryStore. @module */
import { createHash } from 'node:crypto'
import { runStoreConformance } from '../src/conformance.js'
import { MemoryStore } from '../src/memory-store.js'

const sha512 = (d: Uint8Array) => new Uint8Array(createHash('sha512').update(d).digest())
const stores = process.env['STORES']

if (stores === undefined || stores.split(',').includes('memory')) {
  runStoreConformance({ name: 'memory', create: async () => new MemoryStore({ sha512 }), sha512 })
}
