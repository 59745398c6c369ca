/**
 * Issue 12 items 3 and 6 over a real socket (127.0.0.1, port 0): what anyone who can reach the
 * API port can hold without a token (connection caps, header, body and idle timeouts; the event
 * stream exempt from the idle timer), and what the API tells browsers (CSP with
 * frame-ancestors, X-Frame-Options, nosniff, no referrer) and which Host names it answers (DNS
 * rebinding). docs/api.md §6, docs/security.md.
 * @module
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { waitFor } from '@sdmp/testkit'
import { SECURITY_HEADERS, hostnameOf, startApiServer } from '../src/api/index.js'
import type { ApiServerLimits } from '../src/api/index.js'
import { TOKEN, makeApp } from './api-fixture.js'

async function serve(t: TestContext, limits: Partial<ApiServerLimits> = {}, keepaliveMs?: number) {
  const fixture = makeApp(keepaliveMs === undefined ? {} : { keepaliveMs })
  const server = await startApiServer(fixture.app, { host: '127.0.0.1', port: 0, limits })
  t.after(() => server.close())
  return { ...fixture, server }
}

/** A raw TCP socket to the server from `from`, tracked until it closes. */
function open(port: number, from = '127.0.0.1'): Promise<Socket & { ended: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: from }) as Socket & {
      ended: boolean
    }
    s.ended = false
    s.on('close', () => (s.ended = true))
    s.on('error', () => undefined) // a reset is how the server refuses: `ended` shows it
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
}

/** GET `path` with the given Host header (and the token); status, headers and body. */
function get(
  port: number,
  path: string,
  options: { host?: string; from?: string; token?: boolean } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        localAddress: options.from ?? '127.0.0.1',
        headers: {
          host: options.host ?? `127.0.0.1:${port}`,
          ...(options.token !== false && { authorization: `Bearer ${TOKEN}` }),
        },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('api hardening: browsers', () => {
  it('sends CSP with frame-ancestors, X-Frame-Options, nosniff and no-referrer on every answer', async (t) => {
    const { server } = await serve(t)
    for (const [path, token, status] of [
      ['/v1/whoami', true, 200],
      ['/v1/whoami', false, 401],
      ['/openapi.json', false, 200],
      ['/no-such-route', true, 404],
    ] as const) {
      const res = await get(server.port, path, { token })
      assert.equal(res.status, status, path)
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        assert.equal(res.headers[name.toLowerCase()], value, `${name} on ${path}`)
    }
    const csp = SECURITY_HEADERS['Content-Security-Policy']!
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /script-src 'self'/)
    assert.equal(SECURITY_HEADERS['X-Frame-Options'], 'DENY')
  })

  it('answers loopback Host names and refuses any other, even with a valid token', async (t) => {
    const { server, api } = await serve(t)
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, 'localhost'])
      assert.equal((await get(server.port, '/v1/whoami', { host })).status, 200, host)
    const before = api.calls.length
    for (const host of [`evil.example:${server.port}`, 'evil.example', 'localhost.evil.example']) {
      const res = await get(server.port, '/v1/whoami', { host })
      assert.equal(res.status, 403, host)
      assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'FORBIDDEN')
      assert.match(res.body, /DNS rebinding/)
      assert.equal(res.headers['x-frame-options'], 'DENY')
    }
    assert.equal(api.calls.length, before, 'a refused Host never reaches the node')
  })

  it('reads the host name out of Host headers, refusing malformed ones', () => {
    assert.equal(hostnameOf('localhost:7421'), 'localhost')
    assert.equal(hostnameOf('[::1]:7421'), '[::1]')
    assert.equal(hostnameOf('127.0.0.1'), '127.0.0.1')
    for (const bad of ['', 'a b', 'user@host', 'host:port', 'a/b', '[::1'])
      assert.equal(hostnameOf(bad), undefined, bad)
  })
})

describe('api hardening: connections', () => {
  it('closes connections over the per-client cap; other clients and later ones still get answers', async (t) => {
    const { server } = await serve(t, { maxConnectionsPerClient: 4 })
    const held = await Promise.all(Array.from({ length: 10 }, () => open(server.port)))
    t.after(() => held.forEach((s) => s.destroy()))
    await waitFor(() => held.filter((s) => s.ended).length === 6, {
      what: 'the 6 connections over the cap to be closed',
    })
    assert.equal(held.filter((s) => !s.ended).length, 4)
    assert.equal((await get(server.port, '/v1/whoami', { from: '127.0.0.2' })).status, 200)
    held.forEach((s) => s.destroy())
    // Until the server has seen those sockets close, a new one from 127.0.0.1 is still refused.
    const served = () =>
      get(server.port, '/v1/whoami').then(
        (r) => r.status === 200,
        () => false,
      )
    await waitFor(served, {
      what: 'the first client to be served again once its sockets are gone',
    })
  })

  it('closes connections over the total cap', async (t) => {
    const { server } = await serve(t, { maxConnections: 6, maxConnectionsPerClient: 100 })
    const held = await Promise.all(
      Array.from({ length: 6 }, (_, i) => open(server.port, `127.0.0.${10 + i}`)),
    )
    t.after(() => held.forEach((s) => s.destroy()))
    const extra = await open(server.port, '127.0.0.30')
    await waitFor(() => extra.ended, { what: 'the connection over the total cap to be closed' })
    assert.equal(held.filter((s) => s.ended).length, 0)
  })

  it('closes a socket that sends nothing, and one whose headers never end', async (t) => {
    const { server } = await serve(t, { idleTimeoutMs: 200, headersTimeoutMs: 300 })
    const silent = await open(server.port)
    const partial = await open(server.port)
    partial.write('GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n')
    t.after(() => [silent, partial].forEach((s) => s.destroy()))
    await waitFor(() => silent.ended && partial.ended, {
      timeout: 10_000,
      what: 'the silent and the slow-header sockets to be closed',
    })
  })

  it('cuts a request whose body trickles in past the request timeout', async (t) => {
    const { server, api } = await serve(t, { requestTimeoutMs: 400, idleTimeoutMs: 60_000 })
    const s = await open(server.port)
    t.after(() => s.destroy())
    s.write(
      'POST /v1/posts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${TOKEN}\r\nContent-Length: 100000\r\n\r\n{`,
    )
    // One byte every 50 ms: never idle, never complete (bounded: stops when the socket ends).
    const drip = setInterval(() => s.ended || s.write(' '), 50)
    t.after(() => clearInterval(drip))
    await waitFor(() => s.ended, { timeout: 10_000, what: 'the trickling request to be cut' })
    clearInterval(drip)
    assert.equal(api.calls.filter((c) => c.method === 'post').length, 0)
  })

  it('keeps an event stream open past the idle timeout that closes a silent socket', async (t) => {
    const { server, feed } = await serve(t, { idleTimeoutMs: 300 }, 600_000)
    const silent = await open(server.port)
    t.after(() => silent.destroy())
    const stream = await open(server.port)
    t.after(() => stream.destroy())
    let received = ''
    stream.setEncoding('utf8').on('data', (d: string) => (received += d))
    stream.write(
      `GET /v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
    )
    await waitFor(() => received.includes('text/event-stream'), { what: 'the stream to open' })
    await waitFor(() => silent.ended, { timeout: 10_000, what: 'the idle timer to close a socket' })
    // The stream has been as quiet as the closed socket (no keepalive within 600 s), yet it lives.
    assert.equal(stream.ended, false)
    feed.append(1)
    await waitFor(() => /\nid: 1\n|^id: 1\n/m.test(received), { what: 'a live event' })
    assert.equal(stream.ended, false)
  })

  it('answers a body cut off by its client as ABORTED, never as an internal error', async (t) => {
    const { server, internal } = await serve(t)
    const s = await open(server.port)
    t.after(() => s.destroy())
    s.write(
      'POST /v1/posts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${TOKEN}\r\nContent-Length: 1000\r\n\r\n{"body":`,
    )
    await new Promise((resolve) => setImmediate(resolve))
    s.destroy()
    await waitFor(() => s.ended, { what: 'the client socket to close' })
    // The server still answers, and the cut request was not reported as a bug here.
    assert.equal((await get(server.port, '/v1/whoami')).status, 200)
    assert.deepEqual(internal, [])
  })
})
