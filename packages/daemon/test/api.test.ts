/**
 * The client API's HTTP layer in process (app.request, no socket): authentication, every
 * route through SdmpHttpClient, strict input checks, error mapping, headers and the OpenAPI
 * route set.
 * @module
 */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import { SdmpHttpClient } from '@sdmp/client'
import { tmpDir } from '@sdmp/testkit'
import { MAX_BODY_BYTES, OPENAPI_DOCUMENT, createApiApp } from '../src/api/index.js'
import {
  DETAIL,
  FP,
  FakeApi,
  FakeFeed,
  MESSAGE,
  PEER,
  POST,
  TOKEN,
  makeApp,
} from './api-fixture.js'

const BASE = 'http://localhost'
const auth = { authorization: `Bearer ${TOKEN}` }
const jsonHeaders = { ...auth, 'content-type': 'application/json' }

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } }
  assert.deepEqual(Object.keys(body), ['error'])
  return body.error
}

describe('api auth', () => {
  it('refuses every /v1 route without a token or with a wrong one', async () => {
    const { app, api } = makeApp()
    for (const headers of [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `bearer${TOKEN}` },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
    ]) {
      for (const [method, path] of [
        ['GET', '/v1/whoami'],
        ['POST', '/v1/messages'],
        ['GET', '/v1/events'],
        ['GET', '/v1/nope'],
      ] as const) {
        const res = await app.request(`${BASE}${path}`, { method, headers })
        assert.equal(res.status, 401, `${method} ${path}`)
        assert.equal((await errorOf(res)).code, 'UNAUTHORIZED')
      }
    }
    assert.equal(api.calls.length, 0)
  })

  it('serves the OpenAPI document without a token', async () => {
    const { app } = makeApp()
    const res = await app.request(`${BASE}/openapi.json`)
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { openapi: string }).openapi, '3.1.0')
  })

  it('client maps 401 to ProtocolError UNAUTHORIZED', async () => {
    const { fetch } = makeApp()
    const client = new SdmpHttpClient({ url: BASE, token: 'nope', fetch })
    await assert.rejects(client.whoami(), (e) => isProtocolError(e, ErrorCode.UNAUTHORIZED))
  })
})

describe('api routes through SdmpHttpClient', () => {
  it('every SdmpApi method reaches the same method with the same arguments', async () => {
    const { fetch, api } = makeApp()
    const c = new SdmpHttpClient({ url: `${BASE}/`, token: TOKEN, fetch })
    assert.equal((await c.whoami()).node, FP)
    assert.equal((await c.status()).counts.messages, 5)
    const send = {
      to: ['bob', FP],
      body: 'hi',
      type: 'markdown',
      subject: 's',
      replyTo: FP,
      expiresInMs: 5,
    } as const
    assert.deepEqual(await c.send(send), { id: 'x'.repeat(86) })
    assert.deepEqual(await c.sendBatch({ messages: [send, { to: ['bob'], body: 'b' }] }), {
      results: [{ id: 'x'.repeat(86) }, { id: 'x'.repeat(86) }],
    })
    assert.deepEqual(await c.inbox({ all: true, limit: 7, before: 'Y3Vy' }), {
      messages: [MESSAGE],
      next: null,
    })
    assert.deepEqual(await c.inbox(), { messages: [MESSAGE], next: null })
    assert.deepEqual(await c.chats({ limit: 2, before: 'Y3Vy' }), { chats: [], next: null })
    const chat = `${FP}.${'B'.repeat(86)}`
    assert.deepEqual(await c.chatMessages(chat, { limit: 3 }), { messages: [MESSAGE], next: null })
    assert.deepEqual(await c.show('a/b c'), { message: DETAIL })
    assert.equal((await c.markRead('m1')).message.state, 'read')
    assert.deepEqual(await c.forward('a/b', { to: ['carol'], note: 'n' }), { id: 'f'.repeat(86) })
    assert.deepEqual(await c.post({ body: 'p', type: 'text' }), { id: POST.id })
    assert.deepEqual(await c.posts({ limit: 3 }), { posts: [POST] })
    assert.ok((await c.editMessage('m1', { body: 'e' })).message.edited !== null)
    assert.equal((await c.deleteMessage('m1')).message.deleted, true)
    assert.deepEqual(await c.messageHistory('m1'), { message: DETAIL, versions: [] })
    assert.deepEqual(await c.editPost(POST.id, { body: 'q', subject: 's' }), { post: POST })
    assert.equal((await c.deletePost(POST.id)).post.deleted, true)
    assert.equal((await c.contacts()).contacts[0]?.name, 'bob')
    assert.equal((await c.addContact({ invite: 'inv', name: 'carol' })).name, 'carol')
    assert.equal((await c.removeContact('carol.x')).name, 'carol.x')
    assert.equal((await c.devices()).devices.length, 1)
    assert.deepEqual((await c.authorizeDevice({ request: 'r', hostOnly: true })).authorization, [
      'read_resource',
    ])
    assert.equal((await c.revokeDevice('phone')).node, 'phone')
    assert.deepEqual(await c.join({ invite: 'inv' }), { user: FP, node: FP })
    assert.deepEqual(await c.invite(), { invite: 'sdmp-invite:1:abc' })
    assert.deepEqual(await c.peers(), { peers: [PEER] })
    assert.deepEqual(await c.sync({ wait: true, timeoutMs: 100 }), { synced: true, peers: [PEER] })
    assert.deepEqual(await c.sync(), { synced: true, peers: [PEER] })
    assert.equal((await c.journal({ after: 0, limit: 2 })).lines[0]?.line, FP)
    assert.equal((await c.blocks()).blocks[0]?.name, 'bob')
    assert.equal((await c.block({ user: 'bob', hide: true })).hide, true)
    assert.equal((await c.unblock('b/ob')).unblocked, true)
    assert.equal((await c.settings()).readReceipts, false)
    assert.equal(
      (await c.updateSettings({ readReceipts: true, contact: 'bob' })).readReceipts,
      true,
    )
    assert.equal((await c.profile()).name, 'alice')
    assert.equal((await c.setProfile({ name: 'Al' })).name, 'Al')

    const seen = api.calls.map((call) => [call.method, ...call.args])
    assert.deepEqual(seen, [
      ['whoami'],
      ['status'],
      ['send', send],
      ['sendBatch', { messages: [send, { to: ['bob'], body: 'b' }] }],
      ['inbox', { all: true, limit: 7, before: 'Y3Vy' }],
      ['inbox', {}],
      ['chats', { limit: 2, before: 'Y3Vy' }],
      ['chatMessages', chat, { limit: 3 }],
      ['show', 'a/b c'],
      ['markRead', 'm1'],
      ['forward', 'a/b', { to: ['carol'], note: 'n' }],
      ['post', { body: 'p', type: 'text' }],
      ['posts', { limit: 3 }],
      ['editMessage', 'm1', { body: 'e' }],
      ['deleteMessage', 'm1'],
      ['messageHistory', 'm1'],
      ['editPost', POST.id, { body: 'q', subject: 's' }],
      ['deletePost', POST.id],
      ['contacts'],
      ['addContact', { invite: 'inv', name: 'carol' }],
      ['removeContact', 'carol.x'],
      ['devices'],
      ['authorizeDevice', { request: 'r', hostOnly: true }],
      ['revokeDevice', 'phone'],
      ['join', { invite: 'inv' }],
      ['invite'],
      ['peers'],
      ['sync', { wait: true, timeoutMs: 100 }],
      ['sync', {}],
      ['journal', { after: 0, limit: 2 }],
      ['blocks'],
      ['block', { user: 'bob', hide: true }],
      ['unblock', 'b/ob'],
      ['settings'],
      ['updateSettings', { readReceipts: true, contact: 'bob' }],
      ['profile'],
      ['setProfile', { name: 'Al' }],
    ])
  })
})

describe('api error mapping', () => {
  const cases: [ErrorCode, number][] = [
    [ErrorCode.BAD_REQUEST, 400],
    [ErrorCode.INVALID_ENCODING, 400],
    [ErrorCode.SCHEMA_VIOLATION, 400],
    [ErrorCode.UNAUTHORIZED, 401],
    [ErrorCode.FORBIDDEN, 403],
    [ErrorCode.NOT_FOUND, 404],
    [ErrorCode.CONFLICT, 409],
    [ErrorCode.LIMIT_EXCEEDED, 413],
    [ErrorCode.IN_USE, 503],
    [ErrorCode.UNAVAILABLE, 503],
    [ErrorCode.INVALID_SIGNATURE, 422],
    [ErrorCode.REVOKED, 422],
    [ErrorCode.DECRYPT_FAILED, 422],
  ]
  for (const [code, status] of cases) {
    it(`maps ${code} to ${status} and back to the same ProtocolError`, async () => {
      const { app, api, fetch } = makeApp()
      api.fail = new ProtocolError(code, `failed with ${code.toLowerCase()}`)
      const res = await app.request(`${BASE}/v1/status`, { headers: auth })
      assert.equal(res.status, status)
      assert.deepEqual(await errorOf(res), { code, message: `failed with ${code.toLowerCase()}` })
      api.fail = new ProtocolError(code, 'again')
      const client = new SdmpHttpClient({ url: BASE, token: TOKEN, fetch })
      await assert.rejects(
        client.status(),
        (e) => isProtocolError(e, code) && e.message === 'again',
      )
    })
  }

  it('hides internal errors behind a generic 500', async () => {
    const { app, api, internal } = makeApp()
    api.fail = new TypeError(`secret ${TOKEN} at /home/x`)
    const res = await app.request(`${BASE}/v1/status`, { headers: auth })
    assert.equal(res.status, 500)
    const text = await res.text()
    assert.deepEqual(JSON.parse(text), { error: { code: 'INTERNAL', message: 'internal error' } })
    assert.ok(!text.includes('secret') && !text.includes(TOKEN))
    assert.equal(internal.length, 1)
  })

  it('answers unknown routes and methods with 404 NOT_FOUND', async () => {
    const { app } = makeApp()
    for (const [method, path] of [
      ['GET', '/v1/nope'],
      ['PUT', '/v1/messages'],
      ['GET', '/nope'],
    ] as const) {
      const res = await app.request(`${BASE}${path}`, { method, headers: auth })
      assert.equal(res.status, 404, `${method} ${path}`)
      assert.equal((await errorOf(res)).code, 'NOT_FOUND')
    }
  })

  it('client reports an unreachable daemon as UNAVAILABLE', async () => {
    const fetch = (() => Promise.reject(new TypeError('fetch failed'))) as typeof globalThis.fetch
    const client = new SdmpHttpClient({ url: 'http://127.0.0.1:9', token: TOKEN, fetch })
    await assert.rejects(
      client.whoami(),
      (e) =>
        isProtocolError(e, ErrorCode.UNAVAILABLE) &&
        e.message === 'daemon not reachable at http://127.0.0.1:9',
    )
  })
})

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

describe('api headers and OpenAPI', () => {
  it('sets no-store and nosniff on successes and errors, and no CORS headers', async () => {
    const { app } = makeApp()
    for (const [path, headers] of [
      ['/v1/whoami', auth],
      ['/v1/whoami', {}],
      ['/v1/nope', auth],
      ['/openapi.json', {}],
    ] as const) {
      const res = await app.request(`${BASE}${path}`, {
        headers: { ...headers, origin: 'http://evil.test' },
      })
      assert.equal(res.headers.get('cache-control'), 'no-store', path)
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path)
      res.headers.forEach((_, name) => assert.ok(!name.startsWith('access-control-'), name))
    }
  })

  it('documents exactly the routes the app serves', () => {
    const { app } = makeApp()
    const served = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
    )
    const documented = new Set<string>()
    for (const [path, item] of Object.entries(OPENAPI_DOCUMENT.paths)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`)
    }
    assert.deepEqual([...served].sort(), [...documented].sort())
    assert.equal(served.size, 60) // 41, address (2), batch (1), requests (5), delegations and rules (6), groups (5)
  })

  it('documents the parameters of every templated path', () => {
    for (const [path, item] of Object.entries(OPENAPI_DOCUMENT.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
      for (const operation of Object.values(item) as {
        parameters?: { name: string; in: string }[]
      }[]) {
        const inPath = (operation.parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
        assert.deepEqual(inPath, names, path)
      }
    }
  })
})

describe('api web client files', () => {
  it('serves static files without a token, but never /v1 without one', async (t) => {
    const dir = tmpDir((fn) => t.after(fn))
    const root = join(dir, 'web')
    mkdirSync(root)
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>sdmp</title>')
    writeFileSync(join(dir, 'secret.txt'), 'outside the root')
    const app = createApiApp({
      api: new FakeApi(),
      events: new FakeFeed(),
      token: TOKEN,
      web: { root },
    })
    const index = await app.request('http://localhost/')
    assert.equal(index.status, 200)
    assert.match(await index.text(), /<title>sdmp<\/title>/)
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff')
    assert.equal((await app.request('http://localhost/index.html')).status, 200)
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const res = await app.request(`http://localhost${path}`)
      assert.notEqual(res.status, 200, path)
      assert.ok(!(await res.text()).includes('outside the root'), path)
    }
    assert.equal((await app.request('http://localhost/v1/whoami')).status, 401)
    assert.equal((await app.request('http://localhost/missing.js')).status, 404)
  })
})
