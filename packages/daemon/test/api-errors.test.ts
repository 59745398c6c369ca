/**
 * The client API's error mapping in process (app.request, no socket): each ProtocolError code
 * to its HTTP status and back to the same error in SdmpHttpClient, internal errors behind a
 * generic 500, unknown routes, and an unreachable daemon.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import { SdmpHttpClient } from '@sdmp/client'
import { auth, BASE, errorOf, makeApp, TOKEN } from './api-fixture.js'

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
