/**
 * `GET /v1/events` end to end over a real socket (127.0.0.1, port 0): framing, replay in pages,
 * the replay/live hand-over, resume with Last-Event-ID after a dropped connection, reconnection
 * by followEvents, peer events, error frames and shutdown.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { ErrorCode, ProtocolError, isProtocolError } from '@sdmp/core'
import { SdmpHttpClient } from '@sdmp/client'
import type { SdmpEvent } from '@sdmp/client'
import { waitFor } from '@sdmp/testkit'
import { startApiServer } from '../src/api/index.js'
import { PEER, TOKEN, makeApp } from './api-fixture.js'

async function serve(t: TestContext, options: { keepaliveMs?: number } = {}) {
  const fixture = makeApp(options)
  const server = await startApiServer(fixture.app, { host: '127.0.0.1', port: 0 })
  t.after(() => server.close())
  const client = new SdmpHttpClient({ url: server.url, token: TOKEN })
  return { ...fixture, server, client }
}

const positionOf = (e: SdmpEvent): number => ('position' in e ? e.position : -1)

/** Positions 1..n exactly once each, in order. */
function assertExactly(positions: number[], n: number): void {
  assert.equal(positions.length, n)
  positions.forEach((p, i) => assert.equal(p, i + 1))
}

/** Consume an event iterable in the background into `into`. */
function collect(events: AsyncIterable<SdmpEvent>, into: SdmpEvent[]): Promise<unknown> {
  return (async () => {
    for await (const e of events) into.push(e)
  })().catch((error: unknown) => error)
}

describe('api events', () => {
  it('frames journal events with id, event and JSON data, and sends keepalive comments', async (t) => {
    const { server, feed } = await serve(t, { keepaliveMs: 20 })
    feed.append(2)
    const controller = new AbortController()
    t.after(() => controller.abort())
    const res = await fetch(`${server.url}/v1/events?after=0`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: controller.signal,
    })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8')
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    await waitFor(async () => {
      const { value } = await reader.read()
      text += value ?? ''
      return text.includes(': keepalive\n\n') && text.includes('id: 2\n')
    })
    const first = text.indexOf('id: 1\n')
    assert.ok(text.startsWith(': ok\nid: 0\n\n'))
    const frame = text.slice(first, text.indexOf('\n\n', first) + 2)
    const lines = frame.split('\n')
    assert.equal(lines[0], 'id: 1')
    assert.equal(lines[1], 'event: post')
    const data = JSON.parse(lines[2]!.slice('data: '.length)) as SdmpEvent
    assert.equal(data.type, 'post')
    assert.equal(positionOf(data), 1)
    await reader.cancel()
  })

  it('replays in pages then goes live without loss or duplicates', async (t) => {
    const { client, feed } = await serve(t)
    feed.append(700)
    feed.skip(5) // journal lines that derive no event
    feed.append(600)
    const controller = new AbortController()
    const got: SdmpEvent[] = []
    const done = collect(client.events({ after: 0, signal: controller.signal }), got)
    await waitFor(() => got.length >= 100)
    // live appends while the replay is still paging
    for (let i = 0; i < 20; i++) feed.append(10)
    await waitFor(() => got.length === 1500, { what: '1500 events' })
    controller.abort()
    assert.equal(await done, undefined)
    const positions = got.map(positionOf)
    const expected = [...Array(1505).keys()].map((i) => i + 1).filter((p) => p < 701 || p > 705)
    assert.deepEqual(positions, expected)
  })

  it('starts after the processed position when no start is given', async (t) => {
    const { client, feed } = await serve(t)
    feed.append(10)
    const controller = new AbortController()
    t.after(() => controller.abort())
    const iterator = client.events({ signal: controller.signal })[Symbol.asyncIterator]()
    const next = iterator.next()
    await waitFor(() => feed.listeners === 1)
    feed.append(1)
    assert.equal(positionOf((await next).value as SdmpEvent), 11)
    await iterator.return()
  })

  it('clamps a Last-Event-ID or ?after beyond the head to the head (issue 12 item 7)', async (t) => {
    const { server, feed } = await serve(t)
    feed.append(10)
    for (const how of ['header', 'query'] as const) {
      const controller = new AbortController()
      t.after(() => controller.abort())
      const res = await fetch(
        `${server.url}/v1/events${how === 'query' ? '?after=999999999' : ''}`,
        {
          headers: {
            authorization: `Bearer ${TOKEN}`,
            ...(how === 'header' && { 'last-event-id': '999999999' }),
          },
          signal: controller.signal,
        },
      )
      assert.equal(res.status, 200)
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
      const head = feed.processed
      let text = ''
      await waitFor(async () => {
        const { value } = await reader.read()
        text += value ?? ''
        return text.includes('\n\n')
      })
      assert.ok(text.startsWith(`: ok\nid: ${head}\n\n`), `${how}: ${text}`)
      feed.append(1) // the next event reaches the client instead of silence
      await waitFor(
        async () => {
          if (text.includes(`id: ${head + 1}\n`)) return true
          const { value } = await reader.read()
          text += value ?? ''
          return text.includes(`id: ${head + 1}\n`)
        },
        { what: `${how}: the event after the head` },
      )
      await reader.cancel()
    }
  })

  it('resumes with Last-Event-ID after a dropped connection, losing and repeating nothing', async (t) => {
    const { client, feed } = await serve(t)
    feed.append(300)
    const got: number[] = []
    const first = new AbortController()
    for await (const e of client.events({ after: 0, signal: first.signal })) {
      got.push(positionOf(e))
      if (got.length === 120) feed.append(50) // live events arrive mid-stream
      if (got.length === 200) break // drop the connection mid-stream
    }
    await waitFor(() => feed.listeners === 0, { what: 'server to notice the drop' })
    feed.append(100) // written while disconnected
    const second = new AbortController()
    const rest: SdmpEvent[] = []
    const done = collect(
      client.events({ after: got[got.length - 1]!, signal: second.signal }),
      rest,
    )
    await waitFor(() => rest.length === 250)
    feed.append(5)
    await waitFor(() => rest.length === 255)
    second.abort()
    await done
    assertExactly([...got, ...rest.map(positionOf)], 455)
  })

  it('followEvents reconnects after a broken connection and continues from the last id', async (t) => {
    const { server, feed } = await serve(t)
    feed.append(40)
    let connections = 0
    // A fetch whose first events connection breaks after 1,000 bytes, in the middle of a frame.
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetch(input, init)
      if (!String(input).endsWith('/v1/events') || ++connections > 1) return res
      const reader = res.body!.getReader()
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          const { done, value } = await reader.read()
          if (done) return c.close()
          if (sent + value.length <= 1000) {
            sent += value.length
            return c.enqueue(value)
          }
          // pass the first 1,000 bytes (ending mid-frame), then break the connection
          if (sent < 1000) c.enqueue(value.subarray(0, 1000 - sent))
          sent = 1000
          await reader.cancel()
          c.error(new TypeError('terminated'))
        },
      })
      return new Response(body, { status: res.status, headers: res.headers })
    }) as typeof fetch
    const client = new SdmpHttpClient({ url: server.url, token: TOKEN, fetch: flaky })
    const controller = new AbortController()
    const got: SdmpEvent[] = []
    const drops: unknown[] = []
    const done = collect(
      client.followEvents({
        after: 0,
        signal: controller.signal,
        retryMs: 5,
        onDisconnect: (e) => drops.push(e),
      }),
      got,
    )
    await waitFor(() => connections >= 2, { what: 'a reconnect' })
    feed.append(60)
    await waitFor(() => got.length === 100, {
      what: `100 events (got ${got.length}, ${connections} connections, ${drops.length} drops)`,
    })
    controller.abort()
    assert.equal(await done, undefined)
    assertExactly(got.map(positionOf), 100)
    assert.ok(drops.length >= 1)
    assert.ok(drops.every((e) => isProtocolError(e, ErrorCode.UNAVAILABLE)))
  })

  it('sends peer events without an id', async (t) => {
    const { client, feed, server } = await serve(t)
    const controller = new AbortController()
    const got: SdmpEvent[] = []
    const done = collect(client.events({ signal: controller.signal }), got)
    await waitFor(() => feed.listeners === 1)
    feed.peer(PEER)
    feed.append(1)
    await waitFor(() => got.length === 2)
    assert.deepEqual(got[0], { type: 'peer', peer: PEER })
    assert.equal(positionOf(got[1]!), 1)
    controller.abort()
    await done
    const res = await fetch(`${server.url}/v1/events`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    await waitFor(() => feed.listeners === 1)
    feed.peer(PEER)
    let text = ''
    await waitFor(async () => (text += (await reader.read()).value ?? '').includes('event: peer'))
    assert.match(text, /\n\nevent: peer\ndata: \{"type":"peer"/)
    await reader.cancel()
  })

  it('reports a feed failure as an error event, then closes', async (t) => {
    const { client, feed } = await serve(t)
    feed.append(3)
    feed.fail = new ProtocolError(ErrorCode.UNAVAILABLE, 'store closed')
    await assert.rejects(
      collect(client.events({ after: 0 }), []).then((e) => Promise.reject(e)),
      (e) => isProtocolError(e, ErrorCode.UNAVAILABLE) && e.message === 'store closed',
    )
    await waitFor(() => feed.listeners === 0)
  })

  it('refuses a stream without the token and followEvents gives up on it', async (t) => {
    const { server } = await serve(t)
    const client = new SdmpHttpClient({ url: server.url, token: 'wrong' })
    await assert.rejects(
      collect(client.followEvents({ retryMs: 1 }), []).then((e) => Promise.reject(e)),
      (e) => isProtocolError(e, ErrorCode.UNAUTHORIZED),
    )
  })

  it('close() ends open streams and waits for them', async (t) => {
    const { client, feed, server } = await serve(t)
    const got: SdmpEvent[] = []
    const done = collect(client.events({ after: 0 }), got)
    feed.append(2)
    await waitFor(() => got.length === 2)
    await server.close()
    assert.equal(await done, undefined) // the iteration simply ends
    assert.equal(feed.listeners, 0)
    await assert.rejects(client.whoami(), (e) => isProtocolError(e, ErrorCode.UNAVAILABLE))
  })
})
