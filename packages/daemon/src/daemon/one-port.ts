/**
 * The WebSocket addresses a node publishes when peers reach it on its API port (issue 17 "One
 * port", docs/daemon.md "One port"): behind a reverse proxy, the public URL's `wss://` form;
 * without one, the API listener's own address.
 * @module
 */
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { formatPeerAddress, parsePeerAddress } from '@sdmp/node'
import { PEER_WEBSOCKET_PATH } from '../api/index.js'
import { advertisedAddresses } from './network.js'

/**
 * The peer address under a public URL: `https://chat.example.org` gives
 * `wss://chat.example.org/v1/peer`, `http://h:8080/sdmp` gives `ws://h:8080/sdmp/v1/peer` (the
 * proxy strips its own prefix before it forwards).
 * @throws BAD_REQUEST when the URL is not http(s) or has a query, fragment or credentials
 */
export function publicPeerAddress(publicUrl: string): string {
  const bad = (why: string) =>
    new ProtocolError(ErrorCode.BAD_REQUEST, `public URL: ${why}, got ${JSON.stringify(publicUrl)}`)
  let url: URL
  try {
    url = new URL(publicUrl)
  } catch {
    throw bad('expected https://HOST[:PORT][/PATH]')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw bad('expected https:// or http://')
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    throw bad('expected no query, fragment or credentials')
  const base = url.pathname.replace(/\/+$/, '')
  const scheme = url.protocol === 'https:' ? 'wss' : 'ws'
  // parsePeerAddress checks host and path against what a node record may hold.
  const parsed = parsePeerAddress(`${scheme}://${url.host}${base}${PEER_WEBSOCKET_PATH}`)
  return formatPeerAddress(parsed)
}

/** `ws://HOST:PORT/v1/peer` for an API listener (every interface address for a wildcard one). */
export function webSocketPeerAddresses(host: string, port: number): string[] {
  return advertisedAddresses(host, port).map((a) => `ws://${a}${PEER_WEBSOCKET_PATH}`)
}
