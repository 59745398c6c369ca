/**
 * @sdmp/client: the contract of the node's client API (docs/api.md) and a typed client for it.
 * Browser-safe: no `node:` imports, only fetch and streams.
 * @module
 */
export * from './types.js'
export { SdmpHttpClient } from './http-client.js'
export type { SdmpHttpClientOptions, EventsOptions, FollowEventsOptions } from './http-client.js'
export { SseParser } from './sse-parser.js'
export type { SseMessage } from './sse-parser.js'
export {
  safeFileName,
  numberedFileName,
  FALLBACK_FILE_NAME,
  MAX_FILE_NAME_BYTES,
} from './safe-name.js'
