/**
 * @sdmp/daemon/api: the node's client API over HTTP/JSON + SSE (docs/api.md).
 * @module
 */
export { createApiApp, closeEventStreams } from './api-app.js'
export type { ApiAppOptions } from './api-app.js'
export { startApiServer } from './api-server.js'
export type { ApiServer, ApiServerOptions } from './api-server.js'
export { API_SERVER_LIMITS } from './api-limits.js'
export type { ApiServerLimits } from './api-limits.js'
export {
  CONTENT_SECURITY_POLICY,
  SECURITY_HEADERS,
  allowedApiHosts,
  hostnameOf,
} from './browser-guard.js'
export type { EventFeed } from './event-stream.js'
export { EVENT_PAGE, KEEPALIVE_MS } from './event-stream.js'
export {
  PEER_WEBSOCKET_PATH,
  clientAddress,
  isLoopback,
  peerUpgradeHandler,
} from './peer-upgrade.js'
export type { PeerUpgradeOptions } from './peer-upgrade.js'
export { OPENAPI_DOCUMENT } from './openapi.js'
export { MAX_BODY_BYTES } from './validate.js'
export { statusOf } from './http-errors.js'
