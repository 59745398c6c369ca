/**
 * A short fuzz of every POST route with random bodies (any JSON, objects made of the route's own
 * member names with values of any type, raw text): the answer is always a success or a coded
 * 4xx error document, never a 500 and never a crash.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import { TOKEN, makeApp } from './api-fixture.js'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`

const ROUTES: [string, string[]][] = [
  ['/v1/messages', ['to', 'body', 'type', 'subject', 'replyTo', 'expiresInMs']],
  ['/v1/messages/abc/read', []],
  ['/v1/posts', ['body', 'type', 'subject']],
  ['/v1/contacts', ['invite', 'name']],
  ['/v1/devices', ['request', 'hostOnly']],
  ['/v1/devices/join', ['invite']],
  ['/v1/sync', ['wait', 'timeoutMs']],
]

describe('api fuzz', () => {
  for (const [path, members] of ROUTES) {
    it(`POST ${path} answers random bodies with success or a 4xx error document`, async () => {
      const { app, internal } = makeApp()
      const value = fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom(1.5, -1, 0, 2 ** 53, 'text', 'markdown', 'html', true, [], ['a'], ''),
      )
      const shaped =
        members.length === 0
          ? fc.constant('{}')
          : fc
              .dictionary(
                fc.oneof(fc.constantFrom(...members), fc.string({ maxLength: 4 })),
                value,
                {
                  maxKeys: 4,
                },
              )
              .map((o) => JSON.stringify(o))
      const body = fc.oneof(
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        shaped,
        fc.string({ maxLength: 40 }),
        fc.constant(''),
      )
      await fc.assert(
        fc.asyncProperty(body, async (text) => {
          const res = await app.request(`http://localhost${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: text,
          })
          const reply = (await res.json()) as { error?: { code: unknown; message: unknown } }
          if (res.status === 200) assert.equal(reply.error, undefined, why)
          else {
            assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${why}`)
            assert.equal(typeof reply.error?.code, 'string', why)
            assert.equal(typeof reply.error?.message, 'string', why)
          }
        }),
        { seed, numRuns: 150 },
      )
      assert.deepEqual(internal, [], why)
    })
  }
})
