/**
 * Helpers of the one-port tests: a tiny reverse proxy written with node:http (forwards requests
 * and WebSocket upgrades, strips a path prefix, adds X-Forwarded-For, as nginx or Caddy would)
 * and WebSocket clients that report how the daemon closed or refused them.
 * @module
 */
import { createServer, request as httpRequest } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { WebSocket } from 'ws'

/** A running proxy. */
export interface TestProxy {
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

/** Forward `prefix/...` on 127.0.0.1:0 to `target()` with the prefix removed. */
export async function startProxy(prefix: string, target: () => URL): Promise<TestProxy> {
  let upgrades = 0
  const strip = (url = '/') => (url.startsWith(prefix) ? url.slice(prefix.length) || '/' : null)
  const server = createServer((req, res) => {
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
  })
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

/** Open a WebSocket (no Origin header, as a node dials). */
export function wsOpen(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Open, do `act`, and resolve with the close code the server sent. */
export async function wsClose(
  url: string,
  act: (ws: WebSocket) => void,
): Promise<{ code: number }> {
  const ws = await wsOpen(url)
  ws.on('error', () => {}) // a close the server forces may also surface as an error
  const closed = new Promise<{ code: number }>((resolve) =>
    ws.once('close', (code) => resolve({ code })),
  )
  act(ws)
  return closed
}

/** Try an upgrade that the server refuses with an HTTP status; resolve with that status. */
export function wsRefusal(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.once('open', () => reject(new Error('upgrade accepted')))
    ws.on('error', () => {})
  })
}
