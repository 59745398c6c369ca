/**
 * @sdmp/client: the contract of the node's client API (docs/api.md) and a typed client for it.
 * Browser-safe: no `node:` imports, only fetch and streams. The request and response schemas
 * themselves are the `@sdmp/client/schemas` subpath, so a bundle that only needs the types and
 * the client does not carry the schema builder.
 * @module
 */
export * from './types.js'
export type * from './schema/requests.js'
export type * from './schema/responses.js'
export {
  API_DEFAULT_PAGE,
  API_PAGE_LIMITS,
  MAX_BATCH_MESSAGES,
  MAX_CHAT_ID_CHARS,
  MAX_PARAM_CHARS,
} from './limits.js'
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
