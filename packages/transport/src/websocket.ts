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
  // Duplex contract: what arrived before `attach` is delivered first. A server may send right
  // after the upgrade (a relay flushing a splice: relays.md §3), and ws can emit that message
  // before the promise that hands this duplex on has run its callbacks, so listen from now on.
  let early: ((h: NonNullable<typeof handlers>) => void)[] | null = []
  const emit = (event: (h: NonNullable<typeof handlers>) => void) => {
    if (handlers) event(handlers)
    else early?.push(event)
  }
  let ended = false
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!isBinary) {
      // Close with the reason first: the channel's failure that follows closes with 1008.
      refuse(ws, WEBSOCKET_CLOSE.unsupportedData)
      emit((h) =>
        h.error(new ProtocolError(ErrorCode.BAD_REQUEST, 'websocket: expected binary messages')),
      )
      return
    }
    const bytes = toBytes(data)
    emit((h) => h.data(bytes))
  })
  ws.on('close', () => {
    if (ended) return
    ended = true
    emit((h) => h.end())
  })
  ws.on('error', (error) => emit((h) => h.error(error)))
  return {
    remoteAddress,
    attach(h) {
      if (handlers) throw new Error('duplex already attached')
      handlers = h
      const queued = early ?? []
      early = null
      for (const event of queued) event(h)
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
  upgrade(
    request: IncomingMessage,
    socket: StreamDuplex,
    head: Buffer,
    remoteAddress: string,
    accept?: (duplex: Duplex) => void,
  ): void
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
    upgrade(request, socket, head, remoteAddress, accept = options.accept) {
      if (closed) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n')
        return
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.on('error', () => {}) // reported through the channel
        accept(webSocketDuplex(ws, remoteAddress))
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

/** The codes a refusal before the upgrade may carry in its JSON body (relays.md §5). */
const REFUSAL_CODES: ReadonlySet<string> = new Set([
  ErrorCode.NOT_FOUND,
  ErrorCode.LIMIT_EXCEEDED,
  ErrorCode.BAD_REQUEST,
  ErrorCode.FORBIDDEN,
  ErrorCode.UNAVAILABLE,
])
/** The largest refusal body read: anything longer is not a coded error of ours. */
const MAX_REFUSAL_BYTES = 1024

/**
 * Open a WebSocket to `url` as a raw {@link Duplex} (no channel yet): what a dialler runs the
 * channel over, and what a relayed node hands back to its relay (relays.md §3). A server that
 * refuses the upgrade with a coded JSON body (`{"error":{"code","message"}}`) rejects with that
 * code (a relay's "target not connected" is NOT_FOUND); any other failure is UNAVAILABLE.
 * @throws (rejects) UNAVAILABLE, or the refusal's code
 */
export function openWebSocket(
  url: string,
  options: { limits?: Partial<TransportLimits> } = {},
): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: maxPayloadFor(options), perMessageDeflate: false })
    const onError = (cause: Error) =>
      reject(new ProtocolError(ErrorCode.UNAVAILABLE, 'websocket: cannot connect', { cause }))
    ws.once('error', onError)
    ws.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (c: Buffer) => {
        size += c.length
        if (size <= MAX_REFUSAL_BYTES) chunks.push(c)
      })
      response.on('error', () => {}) // the status alone still answers
      response.on('end', () => {
        ws.off('error', onError)
        ws.on('error', () => {})
        ws.terminate()
        const status = response.statusCode ?? 0
        reject(refusalError(status, size <= MAX_REFUSAL_BYTES ? Buffer.concat(chunks) : undefined))
      })
    })
    ws.once('open', () => {
      ws.off('error', onError)
      ws.on('error', () => {}) // reported through the channel
      // ws sets TCP_NODELAY on its socket itself.
      resolve(webSocketDuplex(ws, new URL(url).hostname))
    })
  })
}

/** The coded error of a refused upgrade: the body's code when it is one we know. */
function refusalError(status: number, body: Uint8Array | undefined): ProtocolError {
  let code: string | undefined
  let message = `websocket: upgrade refused with ${status}`
  try {
    const parsed = JSON.parse(Buffer.from(body ?? []).toString('utf8')) as {
      error?: { code?: unknown; message?: unknown }
    }
    if (typeof parsed.error?.code === 'string' && REFUSAL_CODES.has(parsed.error.code)) {
      code = parsed.error.code
      if (typeof parsed.error.message === 'string' && parsed.error.message.length <= 200)
        message = parsed.error.message
    }
  } catch {
    // Not JSON: the status is all the server said.
  }
  return new ProtocolError((code as ErrorCode | undefined) ?? ErrorCode.UNAVAILABLE, message)
}

/**
 * Dial a peer over WebSocket and run the initiator side of the channel.
 * @throws (rejects) UNAVAILABLE when the connection fails (or the code of a coded refusal), and
 *   every code of secureChannel
 */
export function connectWebSocket(
  url: string,
  options: Omit<SecureChannelOptions, 'role'>,
): Promise<SecureChannel> {
  return openWebSocket(url, options).then((duplex) =>
    secureChannel(duplex, { ...options, role: 'initiator' }),
  )
}
