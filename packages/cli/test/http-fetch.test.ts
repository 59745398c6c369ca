/** The CLI's node:http `fetch` (src/http-fetch.ts) against a real local HTTP server. */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { SdmpHttpClient } from '@sdmp/client'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { httpFetch } from '../src/http-fetch.js'

/** Echoes method, path, authorization and body; `/hold` never answers; `/fail` is a 404. */
function echoServer(): Server {
  return createServer((req, res) => {
    if (req.url === '/hold') return
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
  before(async () => {
    server = echoServer()
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
})
