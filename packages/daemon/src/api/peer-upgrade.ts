/**
 * Peer channels on the client API's port (issue 17 "One port", docs/daemon.md "One port"): a
 * WebSocket upgrade on {@link PEER_WEBSOCKET_PATH} becomes a peer connection, so one port behind
 * an ordinary reverse proxy on 443 serves the web client, the API and the peers. The path needs
 * no bearer token: the channel's own handshake authenticates the node and its trust gate decides
 * (transport.md §4-§5). Browsers are refused (docs/security.md "Peers on the API port").
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import type { Duplex as StreamDuplex } from 'node:stream'
import type { WebSocketAcceptor } from '@sdmp/transport'

/** The path peers dial under the API port (`wss://HOST/v1/peer`). */
export const PEER_WEBSOCKET_PATH = '/v1/peer'

/** Options of {@link peerUpgradeHandler}. */
export interface PeerUpgradeOptions {
  readonly acceptor: WebSocketAcceptor
  /**
   * A connection from a loopback address is a reverse proxy on this machine: admission counts
   * the client address of its `X-Forwarded-For` (the last entry, the one the proxy added)
   * instead of the proxy's own. Default false: the socket's address.
   */
  readonly trustProxy?: boolean
}

/** The HTTP `upgrade` handler of the API server: peers on the path, a coded refusal otherwise. */
export function peerUpgradeHandler(
  options: PeerUpgradeOptions,
): (request: IncomingMessage, socket: StreamDuplex, head: Buffer) => void {
  return (request, socket, head) => {
    socket.on('error', () => {}) // a peer that vanishes mid-upgrade is not our error
    const path = new URL(request.url ?? '/', 'http://peer.invalid').pathname
    if (path !== PEER_WEBSOCKET_PATH) return refuse(socket, 404, 'Not Found')
    if ((request.headers.upgrade ?? '').toLowerCase() !== 'websocket')
      return refuse(socket, 400, 'Bad Request')
    // Every browser sends Origin on a WebSocket handshake and nodes never do: a web page (any
    // origin, or one reaching 127.0.0.1 by DNS rebinding) gets nothing from the peer path.
    if (request.headers.origin !== undefined) return refuse(socket, 403, 'Forbidden')
    // The API's idle timer is for HTTP; the channel has its own keepalive and idle timeout.
    if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0)
    options.acceptor.upgrade(request, socket, head, clientAddress(request, options.trustProxy))
  }
}

/** The address admission counts: the socket's, or the proxy's `X-Forwarded-For` when trusted. */
export function clientAddress(request: IncomingMessage, trustProxy = false): string {
  const direct = request.socket.remoteAddress ?? 'unknown'
  if (!trustProxy || !isLoopback(direct)) return direct
  const header = request.headers['x-forwarded-for']
  const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')
  const last = list[list.length - 1]!.trim()
  return isIP(last) !== 0 ? last : direct
}

/** Whether `address` is a loopback address (127.0.0.0/8, ::1, IPv4-mapped or not). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '')
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)
}

function refuse(socket: StreamDuplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}
