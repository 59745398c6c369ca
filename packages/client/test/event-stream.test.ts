/**
 * Reading the event stream from a fetch body (event-stream.ts `readEvents`): the bytes of any
 * sequence of events, cut into chunks at any byte (inside a multi-byte character too), read
 * back as the same events with the same resume ids; an `error` event ends the stream with the
 * server's code.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { seedFromEnv } from '@sdmp/testkit'
import { readEvents } from '../src/event-stream.js'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`

/** A body that yields `bytes` cut at `cuts` (sorted offsets). */
function bodyOf(
  bytes: Uint8Array<ArrayBuffer>,
  cuts: number[],
): ReadableStream<Uint8Array<ArrayBuffer>> {
  const ends = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Uint8Array<ArrayBuffer>[] = []
  let at = 0
  for (const end of [...ends, bytes.length]) {
    if (end > at) chunks.push(bytes.slice(at, end))
    at = Math.max(at, end)
  }
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift()
      if (next === undefined) controller.close()
      else controller.enqueue(next)
    },
  })
}

async function readAll(body: ReadableStream<Uint8Array<ArrayBuffer>>) {
  const out: { event?: unknown; id?: number }[] = []
  for await (const item of readEvents(body, 'http://127.0.0.1:1', undefined)) out.push(item)
  return out
}

describe('readEvents', () => {
  it('reads any events cut into chunks at any byte as the same events and ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'binary' }).map((text) => ({ type: 'message', text })),
          { maxLength: 6 },
        ),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (events, cuts) => {
          const text =
            'id: 7\n\n' +
            events.map((e, i) => `id: ${8 + i}\ndata: ${JSON.stringify(e)}\n\n`).join('')
          const got = await readAll(bodyOf(new TextEncoder().encode(text), cuts))
          // The bare id (the start position) is yielded only when no event follows it in the
          // same chunk: either way the resume point never goes back.
          assert.deepEqual(
            got.filter((g) => g.event !== undefined),
            events.map((event, i) => ({ event, id: 8 + i })),
            why,
          )
          assert.ok(
            got.every((g) => g.event !== undefined || g.id === 7),
            why,
          )
        },
      ),
      { seed, numRuns: 200 },
    )
  })

  it('ends with the server code of an error event', async () => {
    const text = `data: {"type":"message"}\n\nevent: error\ndata: ${JSON.stringify({ error: { code: 'FORBIDDEN', message: 'no' } })}\n\n`
    const seen: unknown[] = []
    await assert.rejects(
      async () => {
        for await (const item of readEvents(
          bodyOf(new TextEncoder().encode(text), [3]),
          'http://127.0.0.1:1',
          undefined,
        ))
          seen.push(item.event)
      },
      (e: unknown) => isProtocolError(e) && e.code === ErrorCode.FORBIDDEN,
      why,
    )
    assert.deepEqual(seen, [{ type: 'message' }], why)
  })
})
