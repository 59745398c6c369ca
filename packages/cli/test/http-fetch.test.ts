/** The CLI's node:http `fetch` (src/http-fetch.ts) against a real local HTTP server. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { SdmpHttpClient } from '@sdmp/client'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import { httpFetch, keepAliveFetch } from '../src/http-fetch.js'

/** Echoes method, path, authorization and body; `/hold` never answers; `/fail` is a 404. */
function echoServer(): Server {
  return createServer((req, res) => {
    if (req.url === '/hold') return
    if (req.url === '/cut') {
      // Part of the announced body, then the connection is gone.
      res.writeHead(200, { 'content-length': '100' })
      res.write('partial', () => res.socket?.destroy())
      return
    }
    // A server that announces a 2 s keep-alive (and keeps the connection far longer).
    if (req.url === '/short') res.setHeader('Keep-Alive', 'timeout=2')
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      if (req.url === '/fail') {
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such thing' } }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'yes' })
      res.end(
        JSON.stringify({
          method: req.method,
          path: req.url,
          auth: req.headers['authorization'] ?? null,
          body: Buffer.concat(parts).toString('utf8'),
        }),
      )
    })
  })
}

describe('httpFetch', () => {
  let server: Server
  let base: string
  let connections = 0
  before(async () => {
    server = echoServer()
    // Longer than any test waits: a client socket that held its process open would show.
    server.keepAliveTimeout = 120_000
    server.on('connection', () => connections++)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })

  it('sends method, headers and a string body; reads status, headers and JSON', async () => {
    const res = await httpFetch(`${base}/v1/x?y=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    assert.equal(res.ok, true)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('X-Echo'), 'yes')
    assert.equal(res.headers.get('x-missing'), null)
    assert.deepEqual(await res.json(), {
      method: 'POST',
      path: '/v1/x?y=1',
      auth: 'Bearer t',
      body: '{"a":1}',
    })
  })

  it('streams a ReadableStream body and the response body', async () => {
    const chunks = ['one ', 'two ', 'three']
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const s of chunks) c.enqueue(new TextEncoder().encode(s))
        c.close()
      },
    })
    const res = await httpFetch(`${base}/up`, { method: 'POST', headers: {}, body })
    const reader = res.body!.getReader()
    const got: Uint8Array[] = []
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(r.value)
    const echoed = JSON.parse(Buffer.concat(got).toString('utf8')) as { body: string }
    assert.equal(echoed.body, 'one two three')
  })

  it('gives the server error to SdmpHttpClient as its coded error', async () => {
    const res = await httpFetch(`${base}/fail`)
    assert.equal(res.ok, false)
    assert.equal(res.status, 404)
    const client = new SdmpHttpClient({ url: base, token: 't', fetch: httpFetch })
    // A route that answers 404 with the API's error body: the client throws that code.
    const failing = new SdmpHttpClient({ url: `${base}/fail#`, token: 't', fetch: httpFetch })
    await assert.rejects(failing.whoami(), (e) => isProtocolError(e, ErrorCode.NOT_FOUND))
    assert.equal(((await client.whoami()) as unknown as { path: string }).path, '/v1/whoami')
  })

  it('rejects on abort, on a refused connection and on what it does not implement', async () => {
    const abort = new AbortController()
    const held = httpFetch(`${base}/hold`, { signal: abort.signal })
    abort.abort()
    await assert.rejects(held, (e: Error) => e.name === 'AbortError')
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    await assert.rejects(httpFetch(`http://127.0.0.1:${port}/`), (e: NodeJS.ErrnoException) => {
      return e.code === 'ECONNREFUSED'
    })
    const client = new SdmpHttpClient({
      url: `http://127.0.0.1:${port}`,
      token: 't',
      fetch: httpFetch,
    })
    await assert.rejects(client.status(), (e) => isProtocolError(e, ErrorCode.UNAVAILABLE))
    await assert.rejects(httpFetch('https://127.0.0.1/'), TypeError)
    await assert.rejects(httpFetch(`${base}/`, { headers: [['a', 'b']] }), TypeError)
    await assert.rejects(
      httpFetch(`${base}/`, { method: 'POST', body: new Blob(['x']) }),
      TypeError,
    )
  })

  it('a body cut off before it is read: text() rejects with the socket error, nothing throws', async () => {
    let gone = false
    server.once('connection', (socket: Socket) => socket.on('close', () => (gone = true)))
    const res = await keepAliveFetch()(`${base}/cut`)
    assert.equal(res.status, 200)
    // The reset reaches the response before anything reads it (no web stream is listening).
    await waitFor(() => gone, { timeout: 10_000, what: 'the server to drop the connection' })
    await assert.rejects(res.text(), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET')
  })

  it('keepAliveFetch sends every request in sequence over one connection; httpFetch does not', async () => {
    const kept = keepAliveFetch()
    const before = connections
    for (let i = 0; i < 3; i++) {
      const res = await kept(`${base}/n${i}`, { method: 'POST', headers: {}, body: `${i}` })
      assert.deepEqual(((await res.json()) as { body: string }).body, `${i}`)
    }
    assert.equal(connections - before, 1)
    for (let i = 0; i < 2; i++) await (await httpFetch(`${base}/m${i}`)).text()
    assert.equal(connections - before, 3)
  })

  it('keepAliveFetch closes an idle connection before the server says it would', async () => {
    let closed = false
    const opened = (socket: Socket) => socket.on('close', () => (closed = true))
    server.once('connection', opened)
    const res = await keepAliveFetch()(`${base}/short`)
    assert.equal(res.headers.get('keep-alive'), 'timeout=2')
    await res.text()
    // The server keeps it for two minutes: only the client's close (after ~1 s) ends it.
    await waitFor(() => closed, { timeout: 20_000, what: 'the client to close the idle socket' })
  })

  it('a kept-alive idle connection does not hold the process open', async () => {
    // A child process makes one request and has nothing left to do: it must exit at once,
    // although the server keeps the connection open for two minutes.
    const module = new URL('../src/http-fetch.js', import.meta.url).href
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { keepAliveFetch } = await import(${JSON.stringify(module)});
         const res = await keepAliveFetch()(${JSON.stringify(`${base}/child`)});
         process.stdout.write(String(res.status) + ' ' + (await res.text()).length)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null]
    clearTimeout(deadline)
    assert.equal(signal, null, 'the child had to be killed: a socket held it open')
    assert.equal(code, 0)
    assert.match(out, /^200 \d+$/)
  })
})
