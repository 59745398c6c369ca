/**
 * The store-wide bound of the author quota (a host's quota per hosted user, docs/scale.md §9):
 * reservations past the total count or bytes are refused whoever the author is, released and
 * local resources move the total, and a store without `usageTotal` keeps only the per-author
 * bounds.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { StoreUsage } from '@sdmp/store'
import { AuthorQuota } from '../src/author-quota.js'

const usage = (count: number, bytes: number): StoreUsage => ({ count, bytes })

describe('author quota: store-wide bound', () => {
  it('refuses any author past the total count and bytes, and follows releases and adds', async () => {
    let totalReads = 0
    const store = {
      usageOf: async () => usage(0, 0),
      usageTotal: async () => {
        totalReads++
        return usage(8, 800)
      },
    }
    const q = new AuthorQuota(store, { maxCountTotal: 10, maxBytesTotal: 1_000 })
    await q.load(['a', 'b'])
    assert.equal(q.reserve('a', 100), true)
    assert.equal(q.reserve('b', 150), false, 'bytes past the total')
    assert.equal(q.reserve('b', 50), true)
    assert.equal(q.reserve('a', 1), false, 'count past the total')
    assert.deepEqual(q.usageTotal(), { count: 10, bytes: 950, refused: 2 })
    q.release('b', 50)
    assert.equal(q.reserve('b', 10), true, 'room again after a release')
    q.add('c', 5) // a local resource (the hosted user's own) counts, never refused
    assert.deepEqual(q.usageTotal(), { count: 11, bytes: 915, refused: 2 })
    assert.equal(q.reserve('a', 1), false)
    await q.load(['d'])
    assert.equal(totalReads, 1, 'the total is read from the store once')
  })

  it('keeps only the per-author bounds without a total bound or usageTotal', async () => {
    const noTotal = new AuthorQuota({ usageOf: async () => usage(0, 0) }, { maxCountTotal: 1 })
    await noTotal.load(['a'])
    assert.equal(noTotal.reserve('a', 1), true)
    assert.equal(noTotal.reserve('a', 1), true)
    assert.equal(noTotal.usageTotal(), undefined)
    const unbounded = new AuthorQuota({
      usageOf: async () => usage(0, 0),
      usageTotal: async () => assert.fail('not read without a bound'),
    })
    await unbounded.load(['a'])
    assert.equal(unbounded.reserve('a', 1), true)
  })
})
