/**
 * `POST /v1/messages/batch` (docs/api.md "Batches", issue 14 item 3) with real daemons: mixed
 * valid and invalid items answered one by one, in order; the limits of a batch; every
 * acknowledged item still there after the daemon is killed with SIGKILL, and delivered.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { MAX_BATCH_MESSAGES } from '@sdmp/client'
import type { SendRequest } from '@sdmp/client'
import { waitFor } from '@sdmp/testkit'
import { befriend, newHome, startDaemon, stopAllDaemons, waitConnected } from './daemon-proc.js'

const T = { timeout: 120_000 }
afterEach(stopAllDaemons)

describe('message batches', () => {
  it(
    'answers each item with its id or its coded error; acknowledged items survive kill -9',
    T,
    async () => {
      const [ha, hb] = await Promise.all([newHome(after, 'alice'), newHome(after, 'bob')])
      let a = await startDaemon(ha)
      const b = await startDaemon(hb)
      const [au, bu] = await Promise.all([a.client.whoami(), b.client.whoami()])
      await befriend(a, 'alice', b, 'bob')
      await waitConnected(a, bu.user!)

      const good = (i: number): SendRequest => ({ to: ['bob'], body: `batch ${i}` })
      const messages = [
        good(0),
        { to: ['nobody'], body: 'to a stranger' },
        good(1),
        { to: ['bob'], body: 7 } as unknown as SendRequest,
        { to: [], body: 'no recipient' },
        ...Array.from({ length: 20 }, (_, i) => good(i + 2)),
      ]
      const { results } = await a.client.sendBatch({ messages })
      assert.equal(results.length, messages.length)
      const codeAt = (i: number) => {
        const r = results[i]!
        return 'error' in r ? r.error.code : 'id'
      }
      assert.equal(codeAt(0), 'id')
      assert.equal(codeAt(1), 'NOT_FOUND')
      assert.equal(codeAt(2), 'id')
      assert.equal(codeAt(3), 'BAD_REQUEST')
      assert.equal(codeAt(4), 'BAD_REQUEST')
      const ids = results.flatMap((r) => ('id' in r ? [r.id] : []))
      assert.equal(ids.length, 22)
      assert.equal(new Set(ids).size, ids.length)

      // Acknowledged means committed: kill -9 right after the answer loses none of them.
      await a.kill()
      a = await startDaemon(ha)
      const sent = new Set(
        (await a.client.inbox({ all: true, limit: 1000 })).messages.map((m) => m.id),
      )
      for (const id of ids)
        assert.ok(sent.has(id), `acknowledged ${id.slice(0, 8)} lost by kill -9`)
      // Only the acknowledged ones were sent: the refused items left nothing behind.
      assert.equal(sent.size, ids.length)

      await waitConnected(b, au.user!)
      await waitFor(
        async () => {
          const inbox = (await b.client.inbox({ limit: 1000 })).messages
          return ids.every((id) => inbox.some((m) => m.id === id))
        },
        { timeout: 60_000, what: 'the batch at Bob' },
      )
    },
  )

  it('refuses an empty batch, a batch over the limit and a body of another shape', T, async () => {
    const a = await startDaemon(await newHome(after, 'alice'))
    const many = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, () => ({ to: ['x'], body: 'x' }))
    await assert.rejects(a.client.sendBatch({ messages: many }), { code: 'LIMIT_EXCEEDED' })
    await assert.rejects(a.client.sendBatch({ messages: [] }), { code: 'BAD_REQUEST' })
    for (const body of [[], { messages: 'x' }, { messages: [], extra: 1 }, 'x'])
      await assert.rejects(a.client.sendBatch(body as never), { code: 'BAD_REQUEST' })
    // Nothing was sent by any of them.
    assert.equal((await a.client.inbox({ all: true })).messages.length, 0)
  })
})
