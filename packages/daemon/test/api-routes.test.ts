/**
 * The client API's routes in process (app.request, no socket): every `SdmpApi` method through
 * SdmpHttpClient reaches the same method with the same arguments, the headers of every answer,
 * and the OpenAPI document's route set and path parameters.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SdmpHttpClient } from '@sdmp/client'
import { OPENAPI_DOCUMENT } from '../src/api/index.js'
import { auth, BASE, DETAIL, FP, makeApp, MESSAGE, PEER, POST, TOKEN } from './api-fixture.js'

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
