/**
 * Listening for the client API over HTTP with @hono/node-server: on TCP (the web client) and on
 * a Unix domain socket inside the home (the CLI; docs/cli.md §1). The only place it binds.
 * @module
 */
import { chmodSync, lstatSync, rmSync } from 'node:fs'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { AddressInfo, Socket } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import type { Hono } from 'hono'
import { closeEventStreams } from './api-app.js'
import { API_SERVER_LIMITS, guardConnections, serverOptionsFor } from './api-limits.js'
import type { ApiServerLimits } from './api-limits.js'

/** A running API server. */
export interface ApiServer {
  readonly host: string
  readonly port: number
  /** `http://HOST:PORT`. */
  readonly url: string
  /** The Unix domain socket it also listens on, when one was asked for. */
  readonly socket: string | undefined
  /** End open SSE streams, stop accepting connections and wait until all are closed. */
  close(): Promise<void>
}

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  readonly host: string
  readonly port: number
  /** Also listen on this Unix domain socket path (made 0600; a stale socket there is removed). */
  readonly socketPath?: string
  readonly limits?: Partial<ApiServerLimits>
  /**
   * The HTTP `upgrade` handler of the TCP listener (peers on the API port: peer-upgrade.ts).
   * Without one, Node refuses every upgrade.
   */
  readonly upgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void
  /**
   * Source addresses the per-client connection cap does not count: a reverse proxy on this
   * machine carries every client through one address (docs/daemon.md "One port").
   */
  readonly uncapped?: (address: string) => boolean
}

/**
 * Listen on `host:port` (port 0 picks a free port), and on `socketPath` when given, and resolve
 * once bound.
 * @example
 * const server = await startApiServer(app, { host: '127.0.0.1', port: 0 })
 * console.log(`listening ${server.url}`)
 */
export async function startApiServer(app: Hono, options: ApiServerOptions): Promise<ApiServer> {
  const limits = { ...API_SERVER_LIMITS, ...options.limits }
  const tcp = newServer(app, limits, options.uncapped)
  if (options.upgrade) tcp.server.on('upgrade', options.upgrade)
  const info = await listen(tcp.server, () => tcp.server.listen(options.port, options.host))
  const unix =
    options.socketPath === undefined ? undefined : await listenUnix(app, limits, options.socketPath)
  const { address: host, port, family } = info as AddressInfo
  const urlHost = family === 'IPv6' ? `[${host}]` : host
  let closing: Promise<void> | undefined
  return {
    host,
    port,
    url: `http://${urlHost}:${port}`,
    socket: options.socketPath,
    close: () =>
      (closing ??= (async () => {
        await Promise.all([
          closeServer(app, tcp.server, tcp.sockets),
          unix && closeServer(app, unix.server, unix.sockets),
        ])
        if (options.socketPath !== undefined) rmSync(options.socketPath, { force: true })
      })()),
  }
}

function newServer(
  app: Hono,
  limits: ApiServerLimits,
  uncapped?: (address: string) => boolean,
): { server: Server; sockets: SocketTracker } {
  const server = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: serverOptionsFor(limits),
  }) as Server
  server.maxConnections = limits.maxConnections
  guardConnections(server, limits, uncapped)
  return { server, sockets: trackSockets(server) }
}

function listen(server: Server, start: () => void): Promise<AddressInfo | string | null> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.once('listening', () => {
      server.off('error', reject)
      resolve(server.address())
    })
    start()
  })
}

/**
 * The CLI's socket: a file left by a daemon killed with -9 is removed first (the store lock,
 * held by the caller, says no other daemon runs here), then the socket is made 0600; the home
 * around it is 0700 as well.
 */
async function listenUnix(
  app: Hono,
  limits: ApiServerLimits,
  path: string,
): Promise<{ server: Server; sockets: SocketTracker }> {
  try {
    if (lstatSync(path).isSocket()) rmSync(path)
  } catch {
    // nothing there
  }
  const unix = newServer(app, limits)
  await listen(unix.server, () => unix.server.listen(path))
  chmodSync(path, 0o600)
  return unix
}

/** Open sockets and how many requests each is serving, with a hook for "became idle". */
interface SocketTracker {
  readonly inFlight: Map<Socket, number>
  onIdle: ((socket: Socket) => void) | undefined
}

/**
 * Node's closeIdleConnections() leaves sockets that were opened but never sent a request (fetch
 * clients open spare ones), and close() then waits for the client's keep-alive timeout. Tracking
 * requests per socket lets close() end every socket that is not serving one, at once.
 */
function trackSockets(server: Server): SocketTracker {
  const tracker: SocketTracker = { inFlight: new Map(), onIdle: undefined }
  server.on('connection', (socket: Socket) => {
    tracker.inFlight.set(socket, 0)
    socket.once('close', () => tracker.inFlight.delete(socket))
  })
  server.on(
    'request',
    (request: { socket: Socket }, response: { once(e: 'close', f: () => void): void }) => {
      const socket = request.socket
      tracker.inFlight.set(socket, (tracker.inFlight.get(socket) ?? 0) + 1)
      response.once('close', () => {
        const left = (tracker.inFlight.get(socket) ?? 1) - 1
        if (tracker.inFlight.has(socket)) tracker.inFlight.set(socket, left)
        if (left === 0) tracker.onIdle?.(socket)
      })
    },
  )
  return tracker
}

async function closeServer(app: Hono, server: Server, sockets: SocketTracker): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
  })
  // From now on a socket is ended as soon as it serves no request; requests in flight finish.
  sockets.onIdle = (socket) => socket.destroy()
  for (const [socket, count] of sockets.inFlight) if (count === 0) socket.destroy()
  await closeEventStreams(app)
  await closed
}
