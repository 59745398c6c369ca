/**
 * WebSocket binding (docs/protocol/transport.md §9) with `ws`: every WebSocket message is binary
 * and carries a chunk of the same byte stream as TCP. Text messages are refused (BAD_REQUEST).
 * The WebSocket message size limit is set to the largest frame, so `ws` never buffers more.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex as StreamDuplex } from 'node:stream'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { WebSocket, WebSocketServer } from 'ws'
import type { RawData } from 'ws'
import { secureChannel } from './channel.js'
import type { SecureChannel, SecureChannelOptions } from './channel-types.js'
import type { Duplex } from './duplex.js'
import { resolveLimits } from './limits.js'
import type { TransportLimits } from './limits.js'
import { createListener } from './listener.js'
import type { Listener, ListenerOptions } from './listener.js'
import { SIZES } from './transport-domain.js'

const END_GRACE_MS = 2000
/** How long a refused WebSocket gets to take its close frame before the socket is dropped. */
const DESTROY_GRACE_MS = 500

/**
 * Close codes (RFC 6455 §7.4.1) a peer sees when this side refuses its WebSocket: a text message
 * (1003), anything the channel or the listener refused, a failed handshake or an admission drop
 * (1008); `ws` itself closes a message above the frame limit with 1009.
 */
export const WEBSOCKET_CLOSE = Object.freeze({ unsupportedData: 1003, refused: 1008 })

/** Send a close frame with `code`, then drop the socket shortly after, answered or not. */
function refuse(ws: WebSocket, code: number): void {
  if (ws.readyState === WebSocket.OPEN) ws.close(code)
  setTimeout(() => ws.terminate(), DESTROY_GRACE_MS).unref()
}

/** The largest WebSocket message we accept: one frame with its prefix. */
function maxPayloadFor(options: { limits?: SecureChannelOptions['limits'] }): number {
  const max = resolveLimits(options.limits).maxMessageBytes
  return Math.max(max + 1 + SIZES.tag, SIZES.maxHandshakeMessage) + SIZES.lengthPrefix
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}

/** Wrap an open WebSocket as a Duplex. */
export function webSocketDuplex(
  ws: WebSocket,
  remoteAddress: string,
  highWaterMark = 1 << 20,
): Duplex {
  let pending = 0
  let needDrain = false
  let handlers: Parameters<Duplex['attach']>[0] | null = null
  return {
    remoteAddress,
    attach(h) {
      handlers = h
      let ended = false
      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (!isBinary) {
          // Close with the reason first: the channel's failure that follows closes with 1008.
          refuse(ws, WEBSOCKET_CLOSE.unsupportedData)
          h.error(new ProtocolError(ErrorCode.BAD_REQUEST, 'websocket: expected binary messages'))
          return
        }
        h.data(toBytes(data))
      })
      ws.on('close', () => {
        if (ended) return
        ended = true
        h.end()
      })
      ws.on('error', (error) => h.error(error))
    },
    write(chunk) {
      if (ws.readyState !== WebSocket.OPEN) return false
      const n = chunk.length
      pending += n
      ws.send(chunk, { binary: true }, () => {
        pending -= n
        if (needDrain && pending < highWaterMark) {
          needDrain = false
          handlers?.drain()
        }
      })
      if (pending >= highWaterMark) needDrain = true
      return !needDrain
    },
    end() {
      ws.close(1000)
      setTimeout(() => ws.terminate(), END_GRACE_MS).unref()
    },
    destroy: () => refuse(ws, WEBSOCKET_CLOSE.refused),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  }
}

/** A WebSocket listener and the address it actually bound. */
export interface WebSocketListener {
  readonly host: string
  readonly port: number
  /** `ws://host:port/` to dial. */
  readonly url: string
  readonly listener: Listener
  close(): Promise<void>
}

/**
 * Listen for peers on WebSocket. Use port 0 to let the OS pick.
 * @throws (rejects) UNAVAILABLE when the address cannot be bound
 */
export function listenWebSocket(
  address: { host: string; port: number },
  options: ListenerOptions,
): Promise<WebSocketListener> {
  const listener = createListener(options)
  const wss = new WebSocketServer({
    host: address.host,
    port: address.port,
    maxPayload: maxPayloadFor(options),
    perMessageDeflate: false,
  })
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    ws.on('error', () => {}) // reported through the channel
    listener.accept(webSocketDuplex(ws, req.socket.remoteAddress ?? 'unknown'))
  })
  return new Promise((resolve, reject) => {
    wss.once('error', (cause) =>
      reject(new ProtocolError(ErrorCode.UNAVAILABLE, 'websocket: cannot listen', { cause })),
    )
    wss.once('listening', () => {
      const bound = wss.address()
      if (bound === null || typeof bound === 'string')
        throw new Error('websocket: no bound address')
      resolve({
        host: bound.address,
        port: bound.port,
        url: `ws://${bound.address}:${bound.port}/`,
        listener,
        async close() {
          await listener.close()
          for (const ws of wss.clients) ws.terminate()
          await new Promise<void>((r) => wss.close(() => r()))
        },
      })
    })
  })
}

/** Options of {@link webSocketAcceptor}. */
export interface WebSocketAcceptorOptions {
  /** Takes every accepted WebSocket as a duplex: a listener's `accept` (admission, handshake). */
  readonly accept: (duplex: Duplex) => void
  /** The channel limits of that listener: the WebSocket message size follows `maxMessageBytes`. */
  readonly limits?: Partial<TransportLimits>
}

/** Peer channels as WebSocket upgrades of an HTTP server someone else owns (one port). */
export interface WebSocketAcceptor {
  /**
   * Complete the upgrade of `request` (the caller routed it here: path, origin) and hand the
   * WebSocket to `accept`. `remoteAddress` is the client address admission counts (the socket's,
   * unless the caller trusts a reverse proxy's header).
   */
  upgrade(request: IncomingMessage, socket: StreamDuplex, head: Buffer, remoteAddress: string): void
  /** Refuse further upgrades and close every WebSocket taken (1001 going away). */
  close(): Promise<void>
}

/**
 * Accept peer channels on an existing HTTP server's `upgrade` event (transport.md §9, "One
 * port"): the same binding as {@link listenWebSocket}, without a port of its own.
 */
export function webSocketAcceptor(options: WebSocketAcceptorOptions): WebSocketAcceptor {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxPayloadFor(options),
    perMessageDeflate: false,
  })
  let closed = false
  return {
    upgrade(request, socket, head, remoteAddress) {
      if (closed) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n')
        return
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.on('error', () => {}) // reported through the channel
        options.accept(webSocketDuplex(ws, remoteAddress))
      })
    },
    async close() {
      closed = true
      await Promise.all(
        [...wss.clients].map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve()
              ws.once('close', () => resolve())
              ws.close(1001)
              setTimeout(() => ws.terminate(), END_GRACE_MS).unref()
            }),
        ),
      )
      await new Promise<void>((r) => wss.close(() => r()))
    },
  }
}

/**
 * Dial a peer over WebSocket and run the initiator side of the channel.
 * @throws (rejects) UNAVAILABLE when the connection fails, and every code of secureChannel
 */
export function connectWebSocket(
  url: string,
  options: Omit<SecureChannelOptions, 'role'>,
): Promise<SecureChannel> {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: maxPayloadFor(options), perMessageDeflate: false })
    const onError = (cause: Error) =>
      reject(new ProtocolError(ErrorCode.UNAVAILABLE, 'websocket: cannot connect', { cause }))
    ws.once('error', onError)
    ws.once('open', () => {
      ws.off('error', onError)
      ws.on('error', () => {}) // reported through the channel
      resolve(ws)
    })
  }).then((ws) => {
    // ws sets TCP_NODELAY on its socket itself.
    return secureChannel(webSocketDuplex(ws, new URL(url).hostname), {
      ...options,
      role: 'initiator',
    })
  })
}
