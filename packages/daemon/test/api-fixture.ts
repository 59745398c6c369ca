/**
 * Test doubles for the client API tests: a small in-memory `SdmpApi` that records calls
 * (api-fake-api.ts) and an {@link EventFeed} whose journal tests append to, the app over both,
 * the canned values they answer with (api-fixture-data.ts) and the helpers of in-process
 * requests. Not the real node (the lead's end-to-end tests cover that).
 * @module
 */
import assert from 'node:assert/strict'
import type { Peer, SdmpEvent } from '@sdmp/client'
import { createApiApp } from '../src/api/index.js'
import type { EventFeed } from '../src/api/index.js'
import { FakeApi } from './api-fake-api.js'
import { POST, TOKEN } from './api-fixture-data.js'

export * from './api-fixture-data.js'
export { FakeApi } from './api-fake-api.js'

/** Base URL of the in-process requests (app.request needs an absolute one). */
export const BASE = 'http://localhost'
/** The headers of an authenticated request. */
export const auth = { authorization: `Bearer ${TOKEN}` }
/** The headers of an authenticated request with a JSON body. */
export const jsonHeaders = { ...auth, 'content-type': 'application/json' }

/** The error of a failed response, checking the body is exactly `{"error":{...}}`. */
export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } }
  assert.deepEqual(Object.keys(body), ['error'])
  return body.error
}

/** An in-memory feed: `append` adds journal events (one per position) and notifies listeners. */
export class FakeFeed implements EventFeed {
  readonly #events: SdmpEvent[] = []
  readonly #processed = new Set<(position: number) => void>()
  readonly #peers = new Set<(peer: Peer) => void>()
  processed = 0
  /** When set, the next eventsAfter call rejects with it. */
  fail: unknown = undefined

  /** Append a post event at the next position and announce it. */
  append(count = 1): void {
    for (let i = 0; i < count; i++) {
      const position = ++this.processed
      this.#events.push({ type: 'post', position, post: { ...POST, body: `post ${position}` } })
    }
    for (const listener of [...this.#processed]) listener(this.processed)
  }
  /** Journal lines that derive no event still advance `processed`. */
  skip(count: number): void {
    this.processed += count
    for (const listener of [...this.#processed]) listener(this.processed)
  }
  peer(peer: Peer): void {
    for (const listener of [...this.#peers]) listener(peer)
  }
  get listeners(): number {
    return this.#processed.size
  }
  async eventsAfter(after: number, limit: number): Promise<SdmpEvent[]> {
    const error = this.fail
    if (error !== undefined) {
      this.fail = undefined
      throw error
    }
    const out: SdmpEvent[] = []
    for (const e of this.#events) {
      if ('position' in e && e.position > after && e.position <= this.processed) out.push(e)
      if (out.length === limit) break
    }
    return out
  }
  onProcessed(listener: (position: number) => void): () => void {
    this.#processed.add(listener)
    return () => this.#processed.delete(listener)
  }
  onPeer(listener: (peer: Peer) => void): () => void {
    this.#peers.add(listener)
    return () => this.#peers.delete(listener)
  }
}

/** A fresh app over fresh fakes. */
export function makeApp(options: { keepaliveMs?: number } = {}) {
  const api = new FakeApi()
  const feed = new FakeFeed()
  const internal: unknown[] = []
  const app = createApiApp({
    api,
    events: feed,
    token: TOKEN,
    onInternalError: (e) => internal.push(e),
    ...options,
  })
  /** A fetch that calls the app in process (no socket). */
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    Promise.resolve(
      app.request(input instanceof Request ? input : String(input), init),
    )) as typeof globalThis.fetch
  return { api, feed, app, fetch, internal }
}
