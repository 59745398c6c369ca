/**
 * Private helpers shared by tests and benchmarks: temporary directories, condition waits,
 * seeded randomness and rate measurement. Never a runtime dependency of a product package.
 * @module
 */
export { tmpDir, waitFor, seedFromEnv } from './test-helpers.js'
export { measureRate, measureLatencies, percentile } from './bench.js'
export type { BenchResult, BenchModule, BenchContext } from './bench.js'
