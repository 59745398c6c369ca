/**
 * Listening for the client API over HTTP with @hono/node-server; the only place it binds a port.
 * @module
 */
import type { Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { closeEventStreams } from './api-app.js'

/** A running API server. */
export interface ApiServer {
  readonly host: string
  readonly port: number
  /** `http://HOST:PORT`. */
  readonly url: string
  /** End open SSE streams, stop accepting connections and wait until all are closed. */
  close(): Promise<void>
}

/**
 * Listen on `host:port` (port 0 picks a free port) and resolve once bound.
 * @example
 * const server = await startApiServer(app, { host: '127.0.0.1', port: 0 })
 * console.log(`listening ${server.url}`)
 */
export function startApiServer(
  app: Hono,
  options: { readonly host: string; readonly port: number },
): Promise<ApiServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, hostname: options.host, port: options.port },
      (info: AddressInfo) => {
        server.off('error', reject)
        const host = info.address
        const urlHost = info.family === 'IPv6' ? `[${host}]` : host
        let closing: Promise<void> | undefined
        resolve({
          host,
          port: info.port,
          url: `http://${urlHost}:${info.port}`,
          close: () => (closing ??= closeServer(app, server, sockets)),
        })
      },
    ) as Server
    const sockets = trackSockets(server)
    server.once('error', reject)
  })
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
