/**
 * The client API's strict input checks in process (app.request, no socket): JSON bodies
 * (encoding, shape, members, size), queries, path parameters and Last-Event-ID are refused
 * before the api is called.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_BODY_BYTES } from '../src/api/index.js'
import { auth, BASE, errorOf, jsonHeaders, makeApp } from './api-fixture.js'

describe('api input checks', () => {
  const post = (
    app: ReturnType<typeof makeApp>['app'],
    path: string,
    body: string,
    headers = jsonHeaders,
  ) => app.request(`${BASE}${path}`, { method: 'POST', headers, body })

  const rejected: [string, string, string, RegExp][] = [
    ['duplicate key', '/v1/posts', '{"body":"a","body":"b"}', /INVALID_ENCODING.*duplicate key/],
    ['__proto__', '/v1/posts', '{"body":"a","__proto__":{"x":1}}', /INVALID_ENCODING.*__proto__/],
    ['bad JSON', '/v1/posts', '{"body":', /INVALID_ENCODING/],
    ['deep nesting', '/v1/posts', '['.repeat(100) + ']'.repeat(100), /INVALID_ENCODING.*nesting/],
    ['unknown member', '/v1/posts', '{"body":"a","bdy":"b"}', /BAD_REQUEST.*unknown member "bdy"/],
    ['missing member', '/v1/posts', '{"type":"text"}', /BAD_REQUEST.*body\.body: required/],
    [
      'wrong type',
      '/v1/posts',
      '{"body":5}',
      /BAD_REQUEST.*body\.body: expected string, got number/,
    ],
    ['bad enum', '/v1/posts', '{"body":"a","type":"html"}', /BAD_REQUEST.*body\.type/],
    ['not an object', '/v1/posts', '["body"]', /BAD_REQUEST.*expected a JSON object/],
    ['empty recipients', '/v1/messages', '{"to":[],"body":"x"}', /BAD_REQUEST.*body\.to/],
    ['recipient type', '/v1/messages', '{"to":[1],"body":"x"}', /BAD_REQUEST.*body\.to\[0\]/],
    [
      'float ttl',
      '/v1/messages',
      '{"to":["a"],"body":"x","expiresInMs":1.5}',
      /BAD_REQUEST.*expiresInMs/,
    ],
    [
      'zero ttl',
      '/v1/messages',
      '{"to":["a"],"body":"x","expiresInMs":0}',
      /BAD_REQUEST.*expiresInMs/,
    ],
    ['hostOnly type', '/v1/devices', '{"request":"r","hostOnly":"yes"}', /BAD_REQUEST.*hostOnly/],
    ['sync extra', '/v1/sync', '{"wait":true,"now":1}', /BAD_REQUEST.*unknown member "now"/],
    ['markRead body', '/v1/messages/abc/read', '{"x":1}', /BAD_REQUEST.*unknown member "x"/],
    ['forward to nobody', '/v1/messages/abc/forward', '{"to":[]}', /BAD_REQUEST.*to/],
    ['forward extra', '/v1/messages/abc/forward', '{"to":["a"],"body":"x"}', /unknown member/],
  ]
  for (const [name, path, body, expected] of rejected) {
    it(`rejects ${name} on ${path} and never calls the api`, async () => {
      const { app, api } = makeApp()
      const res = await post(app, path, body)
      const error = await errorOf(res)
      assert.match(`${error.code} ${error.message}`, expected)
      assert.equal(res.status, 400)
      assert.equal(api.calls.length, 0)
    })
  }

  it('rejects a body that is not application/json', async () => {
    const { app, api } = makeApp()
    const res = await post(app, '/v1/posts', '{"body":"a"}', {
      ...auth,
      'content-type': 'text/plain',
    })
    assert.equal(res.status, 400)
    assert.match((await errorOf(res)).message, /content-type/)
    assert.equal(api.calls.length, 0)
  })

  it('rejects invalid UTF-8 as INVALID_ENCODING', async () => {
    const { app } = makeApp()
    const bytes = new Uint8Array([
      0x7b, 0x22, 0x62, 0x6f, 0x64, 0x79, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d,
    ])
    const res = await app.request(`${BASE}/v1/posts`, {
      method: 'POST',
      headers: jsonHeaders,
      body: bytes,
    })
    assert.equal(res.status, 400)
    assert.equal((await errorOf(res)).code, 'INVALID_ENCODING')
  })

  it('rejects a body over 2 MiB with 413 LIMIT_EXCEEDED', async () => {
    const { app, api } = makeApp()
    const big = JSON.stringify({ body: 'x'.repeat(MAX_BODY_BYTES) })
    const res = await post(app, '/v1/posts', big)
    assert.equal(res.status, 413)
    assert.equal((await errorOf(res)).code, 'LIMIT_EXCEEDED')
    // without a Content-Length, the streamed body is cut off at the limit too
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(big))
        c.close()
      },
    })
    const res2 = await app.request(`${BASE}/v1/posts`, {
      method: 'POST',
      headers: jsonHeaders,
      body: stream,
      duplex: 'half',
    } as RequestInit)
    assert.equal(res2.status, 413)
    assert.equal(api.calls.length, 0)
  })

  it('accepts a body just under the limit', async () => {
    const { app } = makeApp()
    const res = await post(app, '/v1/contacts', JSON.stringify({ invite: 'x'.repeat(1024 * 1024) }))
    assert.equal(res.status, 200)
  })

  const badQueries: [string, RegExp][] = [
    ['/v1/messages?all=yes', /query\.all/],
    ['/v1/messages?limit=0', /query\.limit/],
    ['/v1/messages?limit=1001', /query\.limit/],
    ['/v1/messages?limit=01', /query\.limit/],
    ['/v1/messages?limit=1&limit=2', /repeated/],
    ['/v1/messages?sort=asc', /unknown parameter "sort"/],
    ['/v1/posts?all=true', /unknown parameter "all"/],
    ['/v1/journal?after=-1', /query\.after/],
    ['/v1/journal?after=1e3', /query\.after/],
    ['/v1/events?after=x', /query\.after/],
    ['/v1/whoami?x=1', /unknown parameter "x"/],
    ['/v1/messages?before=', /query\.before/],
    [`/v1/messages?before=${'x'.repeat(201)}`, /query\.before/],
    ['/v1/chats?limit=1001', /query\.limit/],
    ['/v1/chats?all=true', /unknown parameter "all"/],
    [`/v1/chats/${'A'.repeat(86)}/messages?before=`, /query\.before/],
    ['/v1/chats/short/messages', /path\.id/],
    [`/v1/chats/${'A'.repeat(86)}..${'B'.repeat(86)}/messages`, /path\.id/],
  ]
  for (const [path, expected] of badQueries) {
    it(`rejects the query of ${path}`, async () => {
      const { app, api } = makeApp()
      const res = await app.request(`${BASE}${path}`, { headers: auth })
      assert.equal(res.status, 400)
      const error = await errorOf(res)
      assert.equal(error.code, 'BAD_REQUEST')
      assert.match(error.message, expected)
      assert.equal(api.calls.length, 0)
    })
  }

  it('rejects a malformed Last-Event-ID', async () => {
    const { app } = makeApp()
    const res = await app.request(`${BASE}/v1/events`, {
      headers: { ...auth, 'last-event-id': '1x' },
    })
    assert.equal(res.status, 400)
    assert.match((await errorOf(res)).message, /last-event-id/)
  })
})
