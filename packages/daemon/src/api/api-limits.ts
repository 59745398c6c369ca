/**
 * The limits of the client API's listeners (docs/api.md §6, docs/security.md "client API"):
 * what anyone who can reach the API port can hold without a token.
 * @module
 */
import type { Server, ServerOptions } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Limits of the API listener (docs/api.md §6, docs/security.md). Nothing here needs the token, so
 * they bound what anyone who can reach the port can hold: file descriptors, sockets that never
 * send a request, requests whose headers or body trickle in.
 */
export interface ApiServerLimits {
  /** Open connections in all; more are closed at once (Node's `server.maxConnections`). */
  readonly maxConnections: number
  /** Open connections from one client address; more from it are closed at once. */
  readonly maxConnectionsPerClient: number
  /** Time to receive a request's headers. */
  readonly headersTimeoutMs: number
  /** Time to receive a whole request, body included (uploads of attachments count). */
  readonly requestTimeoutMs: number
  /** How long a keep-alive connection waits for its next request. */
  readonly keepAliveTimeoutMs: number
  /**
   * A connection with no byte in either direction for this long is closed. The event stream
   * (`GET /v1/events`) writes a keepalive comment every 15 s and is exempt.
   */
  readonly idleTimeoutMs: number
}

/** The defaults (docs/api.md §6). */
export const API_SERVER_LIMITS: ApiServerLimits = {
  maxConnections: 512,
  maxConnectionsPerClient: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
}

/**
 * The per-client cap and the idle timer, on every accepted socket. `uncapped` addresses (a
 * trusted reverse proxy) are not held to the per-client cap; `maxConnections` still bounds all.
 */
export function guardConnections(
  server: Server,
  limits: ApiServerLimits,
  uncapped: (address: string) => boolean = () => false,
): void {
  const perClient = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    const from = socket.remoteAddress ?? ''
    const n = (perClient.get(from) ?? 0) + 1
    if (n > limits.maxConnectionsPerClient && !uncapped(from)) {
      socket.destroy()
      return
    }
    perClient.set(from, n)
    socket.once('close', () => {
      const left = (perClient.get(from) ?? 1) - 1
      if (left <= 0) perClient.delete(from)
      else perClient.set(from, left)
    })
    socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy())
  })
  // The event stream is long-lived by design and writes its own keepalive.
  // Only while that response lasts: a refused request (401) ends at once and the timer returns.
  server.on(
    'request',
    (
      request: { url?: string; socket: Socket },
      response: { once(e: 'close', f: () => void): void },
    ) => {
      if (!request.url?.startsWith('/v1/events')) return
      const socket = request.socket
      socket.setTimeout(0)
      response.once('close', () => {
        if (!socket.destroyed) socket.setTimeout(limits.idleTimeoutMs)
      })
    },
  )
}

/** Node's own request timers, from the limits. */
export function serverOptionsFor(limits: ApiServerLimits): ServerOptions {
  return {
    // Node requires headersTimeout <= requestTimeout.
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the two timeouts above on this interval (default 30 s).
    connectionsCheckingInterval: Math.max(
      50,
      Math.min(1_000, limits.headersTimeoutMs / 4, limits.requestTimeoutMs / 4),
    ),
  }
}
