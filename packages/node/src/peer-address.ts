/**
 * Peer addresses the manager dials: host, port, transport and, when known, the node fingerprint
 * the peer must prove (transport.md §4: a dialler names the node it expects).
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'

/** Where to reach a peer node. */
export interface PeerAddress {
  readonly host: string
  readonly port: number
  /** `tcp` (default) or `websocket` (dialled as `ws://host:port/path`). */
  readonly transport?: 'tcp' | 'websocket'
  /** WebSocket over TLS (`wss://`), as a node behind a reverse proxy on 443 publishes. */
  readonly tls?: boolean
  /** The WebSocket path (`/v1/peer` under a daemon's API port); absent: `/`. */
  readonly path?: string
  /** The peer node's fingerprint; any other node answering there is refused (UNAUTHORIZED). */
  readonly fingerprint?: string
}

const FINGERPRINT = /^[A-Za-z0-9_-]{16,128}$/
/** The path characters a published address may hold (schemas.md "node"). */
const PATH = /^\/[A-Za-z0-9._~/-]{0,200}$/

/**
 * Parse `host:port`, `tcp://host:port`, `ws://host[:port][/path]` or `wss://host[:port][/path]`,
 * optionally followed by `#fingerprint` (IPv6 hosts in brackets: `[::1]:7000`). A WebSocket
 * address without a port uses 80 (`ws`) or 443 (`wss`).
 * @throws BAD_REQUEST for anything else
 * @example parsePeerAddress('127.0.0.1:7000#Zm9v...')
 * @example parsePeerAddress('wss://chat.example.org/v1/peer')
 */
export function parsePeerAddress(text: string): PeerAddress {
  const bad = (why: string) =>
    new ProtocolError(ErrorCode.BAD_REQUEST, `peer address: ${why}, got ${JSON.stringify(text)}`)
  let rest = text.trim()
  let transport: 'tcp' | 'websocket' = 'tcp'
  let tls = false
  const scheme = /^([a-z]+):\/\//.exec(rest)
  if (scheme) {
    if (scheme[1] === 'ws' || scheme[1] === 'wss') transport = 'websocket'
    else if (scheme[1] !== 'tcp') throw bad('expected scheme tcp://, ws:// or wss://')
    tls = scheme[1] === 'wss'
    rest = rest.slice(scheme[0].length)
  }
  let fingerprint: string | undefined
  const hash = rest.indexOf('#')
  if (hash >= 0) {
    fingerprint = rest.slice(hash + 1)
    rest = rest.slice(0, hash)
    if (!FINGERPRINT.test(fingerprint)) throw bad('expected a base64url fingerprint after #')
  }
  let path: string | undefined
  const slash = rest.indexOf('/')
  if (slash >= 0) {
    if (transport !== 'websocket') throw bad('a path needs ws:// or wss://')
    path = rest.slice(slash)
    rest = rest.slice(0, slash)
    if (!PATH.test(path)) throw bad('expected a path of A-Z a-z 0-9 . _ ~ - /')
    if (path === '/') path = undefined
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:/[\]]+))(?::(\d{1,5}))?$/.exec(rest)
  if (!m || (m[3] === undefined && transport !== 'websocket')) throw bad('expected host:port')
  const port = m[3] === undefined ? (tls ? 443 : 80) : Number(m[3])
  if (port < 1 || port > 65535) throw bad('expected a port in 1..65535')
  return Object.freeze({
    host: m[1] ?? m[2]!,
    port,
    transport,
    ...(tls && { tls }),
    ...(path !== undefined && { path }),
    ...(fingerprint !== undefined ? { fingerprint } : {}),
  })
}

/** The printable form of an address (for status and logs): the inverse of parsePeerAddress. */
export function formatPeerAddress(a: PeerAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host
  const hash = a.fingerprint !== undefined ? `#${a.fingerprint}` : ''
  if (a.transport !== 'websocket') return `${host}:${a.port}${hash}`
  const port = a.tls === true && a.port === 443 ? '' : `:${a.port}`
  return `${a.tls === true ? 'wss' : 'ws'}://${host}${port}${a.path ?? ''}${hash}`
}

/** The URL a WebSocket address is dialled at (`ws://host:port/path`). */
export function webSocketUrl(a: PeerAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host
  return `${a.tls === true ? 'wss' : 'ws'}://${host}:${a.port}${a.path ?? '/'}`
}

/** The relay paths under a node's API port (docs/protocol/relays.md §2). */
export const RELAY_PATH = '/v1/relay'
/** The peer path a relay's own published WebSocket address ends with (daemon.md "One port"). */
const PEER_PATH = '/v1/peer'
const RELAYED = /\/v1\/relay\/([A-Za-z0-9_-]{16,128})$/

/**
 * Whether `a` reaches its node through a relay: a WebSocket address whose path ends in
 * `/v1/relay/<fingerprint>` (relays.md §2). A dialler prefers the node's other addresses.
 */
export function isRelayAddress(a: PeerAddress): boolean {
  return a.transport === 'websocket' && a.path !== undefined && RELAYED.test(a.path)
}

/** Where a relayed node talks to its relay, and the address it publishes there. */
export interface RelayEndpoints {
  /** URL of the control channel (`…/v1/relay`). */
  readonly control: string
  /** URL on which the node takes splice `id` (`…/v1/relay/accept/ID`). */
  take(id: string): string
  /** The address peers dial (`ws(s)://HOST[:PORT][/PREFIX]/v1/relay/<self>`), formatted. */
  readonly published: string
}

/**
 * The relay endpoints under a relay's WebSocket address: the relay node's own peer address
 * (`wss://host.example.org/v1/peer`, as it publishes it) or its base URL; a path prefix before
 * `/v1/peer` (a reverse proxy's) is kept.
 * @throws BAD_REQUEST when the relay is not a WebSocket address
 */
export function relayEndpoints(relay: PeerAddress, self: string): RelayEndpoints {
  if (relay.transport !== 'websocket')
    throw new ProtocolError(
      ErrorCode.BAD_REQUEST,
      'relay address: expected ws:// or wss:// (the relay runs on its API port)',
    )
  let prefix = (relay.path ?? '').replace(/\/+$/, '')
  if (prefix.endsWith(PEER_PATH)) prefix = prefix.slice(0, -PEER_PATH.length)
  else if (prefix.endsWith(RELAY_PATH)) prefix = prefix.slice(0, -RELAY_PATH.length)
  const at = (path: string): PeerAddress => {
    const { fingerprint: _f, ...rest } = relay
    return { ...rest, path: `${prefix}${path}` }
  }
  return {
    control: webSocketUrl(at(RELAY_PATH)),
    take: (id) => webSocketUrl(at(`${RELAY_PATH}/accept/${id}`)),
    published: formatPeerAddress(at(`${RELAY_PATH}/${self}`)),
  }
}
