/**
 * Request bodies over a real socket (127.0.0.1, port 0): the API reads them from the Node
 * request, not through a WHATWG stream (validate.ts `readJsonBody`; issue 14, docs/load.md §5),
 * with the same rules as in process (api.test.ts): strict JSON, at most 2 MiB also without a
 * Content-Length, nothing passed on from a refused body. docs/api.md §Requests.
 * @module
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { MAX_BODY_BYTES, startApiServer } from '../src/api/index.js'
import { TOKEN, makeApp } from './api-fixture.js'

async function serve(t: TestContext) {
  const fixture = makeApp()
  const server = await startApiServer(fixture.app, { host: '127.0.0.1', port: 0 })
  t.after(() => server.close())
  return { ...fixture, server }
}

/**
 * POST `chunks` (written one by one, no Content-Length: chunked) to `path`; the status and body,
 * or `reset` when the server closed the connection instead of answering.
 */
function postChunks(
  port: number,
  path: string,
  chunks: readonly (string | Uint8Array)[],
): Promise<{ status: number; body: string } | 'reset'> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          host: `127.0.0.1:${port}`,
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
        },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        res.on('error', () => resolve('reset'))
      },
    )
    req.on('error', () => resolve('reset'))
    for (const c of chunks) req.write(c)
    req.end()
  })
}

describe('api request bodies over a socket', () => {
  it('reads a body sent in several chunks and checks it strictly', async (t) => {
    const { server, api } = await serve(t)
    const ok = await postChunks(server.port, '/v1/posts', ['{"body":', '"hello', ' world"}'])
    assert.notEqual(ok, 'reset')
    assert.equal((ok as { status: number }).status, 200)
    const call = api.calls.find((c) => c.method === 'post')
    assert.deepEqual(call?.args[0], { body: 'hello world' })

    const bad = await postChunks(server.port, '/v1/posts', ['{"body": "x",', ' "body": "y"}'])
    assert.equal((bad as { status: number }).status, 400, 'a duplicate member is refused')
    assert.equal(JSON.parse((bad as { body: string }).body).error.code, 'INVALID_ENCODING')
  })

  it('refuses a chunked body over 2 MiB without passing it on, and keeps serving', async (t) => {
    const { server, api } = await serve(t)
    const piece = 'x'.repeat(256 * 1024)
    const chunks = [
      '{"body":"',
      ...Array.from({ length: MAX_BODY_BYTES / piece.length + 1 }, () => piece),
      '"}',
    ]
    const res = await postChunks(server.port, '/v1/posts', chunks)
    // The rest of the body is never read: the connection closes, or a 413 got out first.
    if (res !== 'reset') {
      assert.equal(res.status, 413)
      assert.equal(JSON.parse(res.body).error.code, 'LIMIT_EXCEEDED')
    }
    assert.equal(api.calls.filter((c) => c.method === 'post').length, 0)
    const next = await postChunks(server.port, '/v1/posts', ['{"body":"after"}'])
    assert.equal((next as { status: number }).status, 200)
  })
})
