/**
 * The route cache of {@link Visibility} (docs/protocol/sync.md §10, docs/store.md "Memory"):
 * bounded, oldest dropped first, a dropped route read again from the store, and a routing tag
 * that matches only as a whole tag. The store is a counting stand-in: only `getResource` is
 * reached, and it holds nothing, so a route read from it shows the envelope to nobody.
 * @module
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { routeTag, toBase64url } from '@sdmp/core'
import type { DecodedResource } from '@sdmp/core'
import type { Store } from '@sdmp/store'
import { createNodeProvider } from '@sdmp/crypto-node'
import { Visibility } from '../src/sync/visibility.js'

const provider = createNodeProvider()
const AUTHOR = 'author-user'
const BOB = 'bob-user'
const CAROL = 'carol-user'
/** This node's user: an untagged envelope still goes to its other devices. */
const SELF = 'self-user'

/** An envelope as Visibility sees it: kind, id, and the routing data (envelope.md §12). */
function envelope(id: string, readers: readonly string[], extra: readonly string[] = []) {
  const nonce = randomBytes(16)
  const routes = [...readers.map((u) => routeTag(provider, nonce, u)), ...extra]
  return {
    id,
    kind: 'encrypted',
    user: AUTHOR,
    data: { nonce: toBase64url(nonce), routes },
  } as unknown as DecodedResource
}

function world(routeCache?: number) {
  let reads = 0
  const store = {
    getResource: async () => {
      reads++
      return undefined
    },
  } as unknown as Store
  const v = new Visibility({
    store,
    provider,
    self: () => SELF,
    visibleTo: () => true,
    ...(routeCache !== undefined && { routeCache }),
  })
  const show = (peer: string, id: string) =>
    v.mayShow(peer, { id, user: AUTHOR, kind: 'encrypted' })
  return { v, show, reads: () => reads }
}

describe('visibility route cache', () => {
  it('answers from noted routes: readers yes, others no, without reading the store', async () => {
    const { v, show, reads } = world()
    v.note(envelope('e1', [BOB]))
    assert.equal(await show(BOB, 'e1'), true)
    assert.equal(await show(CAROL, 'e1'), false)
    assert.equal(await show(AUTHOR, 'e1'), true) // the author's own nodes
    assert.equal(reads(), 0)
  })

  it('holds at most routeCache routes and drops the oldest first', async () => {
    const { v, show, reads } = world(3)
    for (const id of ['e1', 'e2', 'e3', 'e4']) v.note(envelope(id, [BOB]))
    assert.equal(v.cachedRoutes, 3)
    // e2..e4 are still held: answered without the store.
    for (const id of ['e2', 'e3', 'e4']) assert.equal(await show(BOB, id), true)
    assert.equal(reads(), 0)
    // e1 was dropped: read again from the store, which no longer holds it -> shown to nobody.
    assert.equal(await show(BOB, 'e1'), false)
    assert.equal(reads(), 1)
    assert.equal(v.cachedRoutes, 3)
  })

  it('a tag matches only whole: no prefix, no part of the nonce, no token with spaces', async () => {
    const { v, show } = world()
    const nonce = randomBytes(16)
    const bobTag = routeTag(provider, nonce, BOB)
    const carolTag = routeTag(provider, nonce, CAROL)
    v.note({
      id: 'e1',
      kind: 'encrypted',
      user: AUTHOR,
      // Hostile routes: Carol's tag only inside a longer token and inside a token with a space.
      data: {
        nonce: toBase64url(nonce),
        routes: [`${carolTag}x`, `x ${carolTag} x`, bobTag.slice(0, 10)],
      },
    } as unknown as DecodedResource)
    assert.equal(await show(CAROL, 'e1'), false)
    assert.equal(await show(BOB, 'e1'), false)
  })

  it('an envelope without routes (1.0) goes only to its author and our own user', async () => {
    const { v, show } = world()
    v.note({ id: 'e1', kind: 'encrypted', user: AUTHOR, data: {} } as unknown as DecodedResource)
    assert.equal(await show(BOB, 'e1'), false)
    assert.equal(await show(SELF, 'e1'), true)
    assert.equal(await show(AUTHOR, 'e1'), true)
  })
})
