/**
 * What the client API tells browsers, and which `Host` it answers (docs/api.md §6,
 * docs/security.md "client API"). The web client is served from the same origin as the API, so a
 * page elsewhere must neither frame it (clickjacking) nor reach it under a name of its own that
 * resolves to 127.0.0.1 (DNS rebinding): the policy goes in response headers, where browsers
 * honour `frame-ancestors` (they ignore it in a `<meta>` tag), and a request whose `Host` is not
 * one of this node's names is refused before authentication.
 * @module
 */
import { networkInterfaces } from 'node:os'
import type { MiddlewareHandler } from 'hono'
import { ErrorCode, ProtocolError } from '@sdmp/core'

/**
 * The Content-Security-Policy of every response: the web client's own policy (no inline script,
 * nothing from another origin) plus `frame-ancestors 'none'`.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** Headers set on every response, API and static files alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

/** Sets {@link SECURITY_HEADERS} (and `Cache-Control: no-store`) on every response. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next()
    c.res.headers.set('Cache-Control', 'no-store')
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value)
  }
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', ''])

/** Lower-case, brackets off an IPv6 literal, an IPv4-mapped IPv6 address as IPv4. */
function normalize(host: string): string {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return h.startsWith('::ffff:') && h.includes('.') ? h.slice(7) : h
}

/**
 * The host names the API answers to: loopback names always (`localhost`, any 127.0.0.0/8
 * address, `::1`), the address it is bound to, every local interface address when it is bound to
 * a wildcard address (the user reaches it by one of them), and the names the user adds
 * (`sdmp start --api-host NAME`). A rebinding attacker's own domain is none of these.
 */
export function allowedApiHosts(
  bound: string,
  extra: readonly string[] = [],
): (host: string) => boolean {
  const names = new Set(['localhost', '::1', ...extra.map(normalize)])
  const b = normalize(bound)
  if (WILDCARD.has(b)) {
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) names.add(normalize(a.address))
  } else names.add(b)
  return (host) => {
    const h = normalize(host)
    return names.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  }
}

/**
 * Refuse a request whose `Host` (hostname part; the port is not compared) is not allowed, with
 * `FORBIDDEN` (403) before the bearer token is looked at.
 */
export function hostGuard(allowed: (host: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    // Node's server refuses HTTP/1.1 without Host; in-process requests (app.request) have only a URL.
    const header = c.req.header('host')
    const host = header === undefined ? new URL(c.req.url).hostname : hostnameOf(header)
    if (host === undefined || !allowed(host))
      throw new ProtocolError(
        ErrorCode.FORBIDDEN,
        'this node does not answer to that Host name (DNS rebinding guard): ' +
          'reach it at its own address, or add the name with sdmp start --api-host NAME',
      )
    await next()
  }
}

/** The hostname of a `Host` header (`name`, `name:port`, `[v6]:port`), or undefined if malformed. */
export function hostnameOf(header: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/.exec(header.trim())
  return m === null ? undefined : m[1]
}
