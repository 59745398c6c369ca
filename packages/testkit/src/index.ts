/**
 * Private helpers shared by tests and benchmarks: temporary directories, condition waits,
 * seeded randomness and rate measurement. Never a runtime dependency of a product package.
 * @module
 */
export { tmpDir, waitFor, seedFromEnv } from './test-helpers.js'
export { measureRate, measureLatencies, peakRss, percentile } from './bench.js'
export type { BenchResult, BenchModule, BenchContext } from './bench.js'
export { FaultProxy, NO_FAULTS, seededRandom } from './fault-proxy.js'
export type {
  FaultCounters,
  FaultDirection,
  FaultProxyOptions,
  FaultSettings,
} from './fault-proxy.js'
export {
  MIN_SECRET_CHARS,
  SECRETS_FILE_ENV,
  TEST_LOG_DIR_ENV,
  countSecrets,
  registerSecret,
  scanForSecrets,
} from './secrets.js'
export type { SecretHit } from './secrets.js'
export { startSilentFlood, loopbackRange } from './silent-flood.js'
export type { SilentFlood, SilentFloodOptions } from './silent-flood.js'
export { chunksOf, collect, fileBytes, once } from './byte-streams.js'
export { startHttpProxy } from './http-proxy.js'
export type { HttpProxy } from './http-proxy.js'
