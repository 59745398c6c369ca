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
import { ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import type { Duplex, Relay, WebSocketAcceptor } from '@sdmp/transport'
import { errorBody, statusOf } from './http-errors.js'

/** The path peers dial under the API port (`wss://HOST/v1/peer`). */
export const PEER_WEBSOCKET_PATH = '/v1/peer'

/** The relay's paths (docs/protocol/relays.md §3): control, a splice's take, a dialler's ask. */
export const RELAY_WEBSOCKET_PATH = '/v1/relay'
const RELAY_TAKE = /^\/v1\/relay\/accept\/([A-Za-z0-9_-]{22})$/
const RELAY_TARGET = /^\/v1\/relay\/([A-Za-z0-9_-]{16,128})$/
/**
 * A host's per-tenant paths (docs/scale.md "A host for many users"): `/v1/peer/<node>`, and
 * under it that tenant's relay (`/v1/peer/<node>/v1/relay…`: relay endpoints nest under the
 * relay's peer address, peer-address.ts `relayEndpoints`).
 */
const PEER_TENANT = /^\/v1\/peer\/([A-Za-z0-9_-]{16,128})(\/v1\/relay(?:\/.*)?)?$/

/** Options of {@link peerUpgradeHandler}. */
export interface PeerUpgradeOptions {
  /** Takes the WebSocket upgrades of the peer path; absent: the path is not served (404). */
  readonly acceptor?: WebSocketAcceptor
  /**
   * The relay this node runs (relays.md), served under {@link RELAY_WEBSOCKET_PATH} with the
   * acceptor's WebSocket settings; absent: not served (404).
   */
  readonly relay?: { readonly relay: Relay; readonly acceptor: WebSocketAcceptor }
  /**
   * A connection from a loopback address is a reverse proxy on this machine: admission counts
   * the client address of its `X-Forwarded-For` (the last entry, the one the proxy added)
   * instead of the proxy's own. Default false: the socket's address.
   */
  readonly trustProxy?: boolean
  /**
   * A host for many users: the hosted node `fingerprint` (its peers dial `/v1/peer/<fingerprint>`)
   * with its relay for its user's NAT'd devices, undefined when no such node is hosted here (a
   * coded NOT_FOUND before the upgrade).
   */
  readonly tenant?: (fingerprint: string) => TenantUpgrades | undefined
}

/** What a hosted node serves on the host's port. */
export interface TenantUpgrades {
  readonly acceptor: WebSocketAcceptor
  readonly relay?: { readonly relay: Relay; readonly acceptor: WebSocketAcceptor }
}

/** The HTTP `upgrade` handler of the API server: peers on the path, a coded refusal otherwise. */
export function peerUpgradeHandler(
  options: PeerUpgradeOptions,
): (request: IncomingMessage, socket: StreamDuplex, head: Buffer) => void {
  return (request, socket, head) => {
    socket.on('error', () => {}) // a peer that vanishes mid-upgrade is not our error
    const path = new URL(request.url ?? '/', 'http://peer.invalid').pathname
    const relay = options.relay
    const route =
      path === PEER_WEBSOCKET_PATH && options.acceptor
        ? { acceptor: options.acceptor, accept: undefined }
        : relay && path.startsWith(RELAY_WEBSOCKET_PATH)
          ? relayRoute(relay.relay, path)
          : options.tenant
            ? tenantRoute(options.tenant, path)
            : undefined
    if (route === undefined) return refuse(socket, 404, 'Not Found')
    if ('error' in route) return refuseCoded(socket, route.error)
    if ((request.headers.upgrade ?? '').toLowerCase() !== 'websocket')
      return refuse(socket, 400, 'Bad Request')
    // Every browser sends Origin on a WebSocket handshake and nodes never do: a web page (any
    // origin, or one reaching 127.0.0.1 by DNS rebinding) gets nothing from the peer path.
    if (request.headers.origin !== undefined) return refuse(socket, 403, 'Forbidden')
    // The API's idle timer is for HTTP; the channel has its own keepalive and idle timeout.
    if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0)
    const address = clientAddress(request, options.trustProxy)
    const acceptor = route.acceptor ?? relay!.acceptor
    acceptor.upgrade(request, socket, head, address, route.accept)
  }
}

/**
 * Where a relay path goes (relays.md §3): `/v1/relay` registers a node, `/v1/relay/accept/ID`
 * takes a splice, `/v1/relay/FINGERPRINT` asks for a node: answered before the upgrade with a
 * coded error when the node is not connected or the splices are at their limit.
 */
function relayRoute(
  relay: Relay,
  path: string,
): { acceptor?: undefined; accept: (duplex: Duplex) => void } | { error: unknown } | undefined {
  if (path === RELAY_WEBSOCKET_PATH) return { accept: (d) => relay.register(d) }
  const take = RELAY_TAKE.exec(path)
  if (take) return { accept: (d) => relay.take(d, take[1]!) }
  const target = RELAY_TARGET.exec(path)
  if (!target) return undefined
  try {
    relay.check(target[1]!)
  } catch (error) {
    return { error }
  }
  return { accept: (d) => relay.connect(d, target[1]!) }
}

/** The hosted node (or its relay) a `/v1/peer/<fingerprint>[/v1/relay…]` path names. */
function tenantRoute(
  tenant: (fingerprint: string) => TenantUpgrades | undefined,
  path: string,
):
  | { acceptor: WebSocketAcceptor; accept: ((duplex: Duplex) => void) | undefined }
  | { error: unknown }
  | undefined {
  const m = PEER_TENANT.exec(path)
  if (!m) return undefined
  const hosted = tenant(m[1]!)
  if (hosted === undefined)
    return {
      error: new ProtocolError(ErrorCode.NOT_FOUND, 'no node of that fingerprint is hosted here'),
    }
  if (m[2] === undefined) return { acceptor: hosted.acceptor, accept: undefined }
  if (!hosted.relay) return undefined
  const r = relayRoute(hosted.relay.relay, m[2])
  if (r === undefined || 'error' in r) return r
  return { acceptor: hosted.relay.acceptor, accept: r.accept }
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

/** Refuse an upgrade with the API's coded error body (`{"error":{"code","message"}}`). */
function refuseCoded(socket: StreamDuplex, error: unknown): void {
  if (!isProtocolError(error)) throw error
  const body = JSON.stringify(errorBody(error.code, error.message))
  socket.end(
    `HTTP/1.1 ${statusOf(error.code)} Refused\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

function refuse(socket: StreamDuplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}
