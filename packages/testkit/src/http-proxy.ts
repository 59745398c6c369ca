/**
 * A tiny reverse proxy written with node:http, for tests of a daemon behind one: it forwards
 * requests and WebSocket upgrades, strips a path prefix and sets X-Forwarded-For, as nginx or
 * Caddy would (docs/daemon.md §5 "One port"), optionally terminating TLS.
 * @module
 */
import { createServer, request as httpRequest } from 'node:http'
import type { IncomingHttpHeaders, RequestListener } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'

/** A running proxy. */
export interface HttpProxy {
  readonly port: number
  /** Upgrades forwarded so far. */
  upgrades(): number
  close(): Promise<void>
}

function forwardedHeaders(headers: IncomingHttpHeaders, from: string | undefined) {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v
  out['x-forwarded-for'] = from ?? 'unknown'
  return out
}

/**
 * Forward `prefix/...` on 127.0.0.1:0 to `target()` (plain HTTP) with the prefix removed; with
 * `tls`, serve HTTPS (and WSS) to the clients.
 */
export async function startHttpProxy(
  prefix: string,
  target: () => URL,
  tls?: { readonly key: string | Buffer; readonly cert: string | Buffer },
): Promise<HttpProxy> {
  let upgrades = 0
  const strip = (url = '/') => (url.startsWith(prefix) ? url.slice(prefix.length) || '/' : null)
  const handle: RequestListener = (req, res) => {
    const path = strip(req.url)
    if (path === null) return void res.writeHead(404).end()
    const t = target()
    const up = httpRequest(
      {
        host: t.hostname,
        port: t.port,
        method: req.method,
        path,
        headers: forwardedHeaders(req.headers, req.socket.remoteAddress),
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      },
    )
    up.on('error', () => res.writeHead(502).end())
    req.pipe(up)
  }
  const server = tls ? createHttpsServer(tls, handle) : createServer(handle)
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {})
    const path = strip(req.url)
    if (path === null) return void socket.destroy()
    upgrades++
    const t = target()
    const upstream = connect(Number(t.port), t.hostname, () => {
      const headers = forwardedHeaders(req.headers, req.socket.remoteAddress)
      const lines = [`${req.method} ${path} HTTP/1.1`]
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`)
      upstream.write(lines.join('\r\n') + '\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('close', () => upstream.destroy())
    upstream.on('close', () => socket.destroy())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as AddressInfo).port,
    upgrades: () => upgrades,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
