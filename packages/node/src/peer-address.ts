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
  /** `tcp` (default) or `websocket` (dialled as `ws://host:port/`). */
  readonly transport?: 'tcp' | 'websocket'
  /** The peer node's fingerprint; any other node answering there is refused (UNAUTHORIZED). */
  readonly fingerprint?: string
}

const FINGERPRINT = /^[A-Za-z0-9_-]{16,128}$/

/**
 * Parse `host:port`, `tcp://host:port` or `ws://host:port`, optionally followed by
 * `#fingerprint` (IPv6 hosts in brackets: `[::1]:7000`).
 * @throws BAD_REQUEST for anything else
 * @example parsePeerAddress('127.0.0.1:7000#Zm9v...')
 */
export function parsePeerAddress(text: string): PeerAddress {
  const bad = (why: string) =>
    new ProtocolError(ErrorCode.BAD_REQUEST, `peer address: ${why}, got ${JSON.stringify(text)}`)
  let rest = text.trim()
  let transport: 'tcp' | 'websocket' = 'tcp'
  const scheme = /^([a-z]+):\/\//.exec(rest)
  if (scheme) {
    if (scheme[1] === 'ws') transport = 'websocket'
    else if (scheme[1] !== 'tcp') throw bad('expected scheme tcp:// or ws://')
    rest = rest.slice(scheme[0].length)
  }
  let fingerprint: string | undefined
  const hash = rest.indexOf('#')
  if (hash >= 0) {
    fingerprint = rest.slice(hash + 1)
    rest = rest.slice(0, hash)
    if (!FINGERPRINT.test(fingerprint)) throw bad('expected a base64url fingerprint after #')
  }
  rest = rest.replace(/\/$/, '')
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:/[\]]+)):(\d{1,5})$/.exec(rest)
  if (!m) throw bad('expected host:port')
  const port = Number(m[3])
  if (port < 1 || port > 65535) throw bad('expected a port in 1..65535')
  return Object.freeze({
    host: m[1] ?? m[2]!,
    port,
    transport,
    ...(fingerprint !== undefined ? { fingerprint } : {}),
  })
}

/** The printable form of an address (for status and logs): the inverse of parsePeerAddress. */
export function formatPeerAddress(a: PeerAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host
  const scheme = a.transport === 'websocket' ? 'ws://' : ''
  return `${scheme}${host}:${a.port}${a.fingerprint !== undefined ? `#${a.fingerprint}` : ''}`
}
