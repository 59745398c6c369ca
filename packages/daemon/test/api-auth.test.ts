/**
 * The client API's authentication in process (app.request, no socket): every /v1 route needs
 * the bearer token, the OpenAPI document and the web client's static files do not, and the
 * static files never leave their root.
 * @module
 */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { SdmpHttpClient } from '@sdmp/client'
import { tmpDir } from '@sdmp/testkit'
import { createApiApp } from '../src/api/index.js'
import { BASE, errorOf, FakeApi, FakeFeed, makeApp, TOKEN } from './api-fixture.js'

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
