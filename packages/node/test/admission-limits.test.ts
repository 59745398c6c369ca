/**
 * Issue 11 part 3, per-peer rates and per-author quotas (docs/protocol/sync.md §9): a mutually
 * trusted contact whose resources are inside the trust closure cannot push without limit (push
 * rate, then penalties and disconnection) nor fill the store (per-author quota), while the
 * node's own user is never limited. Two or more SQLite nodes over TCP on loopback.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ResourceDraft } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import { flood, sign, trustedTrio } from '@sdmp/testkit/node-world'
import { PushGate } from '../src/sync/peer-rates.js'

describe('push gate', () => {
  const limits = {
    maxRefusedPerMinute: 2,
    maxPushPerMinute: 3,
    maxPushBytesPerMinute: 1_000,
    maxIngestBytesInFlight: 500,
  }

  it('lets a minute’s worth through, then refills with time', () => {
    let now = 0
    const g = new PushGate(limits, false, () => now)
    for (let i = 0; i < 3; i++) assert.equal(g.check(`p${i}`, 10), undefined)
    assert.equal(g.check('p3', 10), 'rate', 'count per minute')
    now = 20_000 // a third of a minute: one more resource
    assert.equal(g.check('p4', 10), undefined)
    assert.equal(g.check('p5', 10), 'rate')
    now = 120_000 // refilled, but never beyond one minute's worth
    assert.equal(g.check('big', 1_001), 'rate', 'bytes per minute')
    assert.equal(g.check('x', 600), undefined)
    assert.equal(g.check('y', 600), 'rate', 'bytes per minute')
  })

  it('does not count what we asked for, once per id, nor a node of our own user', () => {
    const g = new PushGate(limits, false, () => 0)
    g.expect(['a', 'b', 'c', 'd', 'e'])
    for (const id of ['a', 'b', 'c', 'd', 'e']) assert.equal(g.check(id, 10), undefined)
    for (let i = 0; i < 3; i++) assert.equal(g.check('a', 10), undefined, 'a second copy is a push')
    assert.equal(g.check('a', 10), 'rate')
    g.expect(['f'])
    g.settle(['f'])
    assert.equal(g.check('f', 10), 'rate', 'after the answer, a copy is a push')
    const own = new PushGate(limits, true, () => 0)
    for (let i = 0; i < 100; i++) assert.equal(own.check(`o${i}`, 900), undefined)
  })

  it('allows so many refusals a minute, then each costs a point', () => {
    let now = 0
    const g = new PushGate(limits, false, () => now)
    assert.deepEqual([g.refused(), g.refused(), g.refused()], [false, false, true])
    now = 60_000
    assert.equal(g.refused(), false, 'a new minute')
  })

  it('is full past the resources or bytes in flight', () => {
    const g = new PushGate(limits, false, () => 0)
    g.started(300)
    g.started(200)
    assert.equal(g.full, false)
    g.started(1)
    assert.equal(g.full, true, 'more than 500 bytes being ingested')
    g.finished(300)
    assert.equal(g.full, false)
  })
})

describe('admission over TCP: a trusted contact inside the closure', () => {
  it('pushing its posts faster than the push rate is cut off with penalties', async (t) => {
    const rate = 300
    const { a, b, d, bob, ids, events, session } = await trustedTrio(t, {
      limits: { maxPushPerMinute: rate },
    })
    const author = bob.key.fingerprint
    const before = await a.store.usageOf(author)
    const storeBefore = await a.store.countResources()
    const count = 5_000
    const body = 'x'.repeat(4 * 1024)
    const posts = function* () {
      for (let i = 0; i < count; i++)
        yield sign(
          {
            kind: 'post',
            user: author,
            trust: ids.b.trust.id,
            data: { body: `${i} ${body}`, type: 'text' },
          } as ResourceDraft,
          ids.b.key,
        ).bytes
    }
    const sent = await flood(b, a, posts())
    await waitFor(() => session(b) === undefined, { timeout: 30_000, what: 'alice to cut bob off' })
    // Dave, connected all along, still delivers.
    const post = await d.publish({ kind: 'post', data: { body: 'from dave', type: 'text' } })
    await waitFor(() => a.has(post.id), { timeout: 20_000, what: "dave's post at alice" })
    // Ingests finish in order: what Bob got through is committed before Dave's post.
    const after = await a.store.usageOf(author)
    const stored = after.count - before.count
    t.diagnostic(
      `rate ${rate}/min: bob sent ${sent} posts of 4 KiB, alice stored ${stored}; alice's store ${storeBefore} -> ${await a.store.countResources()} resources, bob's ${before.bytes} -> ${after.bytes} bytes`,
    )
    assert.ok(
      events.some((e) => e.name === 'penalty' && e.detail['code'] === 'LIMIT_EXCEEDED'),
      'penalized for the rate',
    )
    // One minute's worth, plus what refilled while the test ran (under a minute).
    assert.ok(stored >= rate && stored < 2 * rate, `stored ${stored}`)
  })

  it('over its author quota is refused and the store stops growing; the peer stays', async (t) => {
    const quota = 40
    const { a, b, d, bob, session } = await trustedTrio(t, {
      quota: { maxCountPerAuthor: quota },
    })
    const author = bob.key.fingerprint
    const before = await a.store.usageOf(author)
    const storeBefore = await a.store.countResources()
    assert.ok(before.count < quota)
    const publish = (i: number) => b.publish({ kind: 'post', data: { body: `${i}`, type: 'text' } })
    const n = 100
    for (let i = 0; i < n; i++) await publish(i)
    const over = n - (quota - before.count)
    const q = await waitFor(
      () => {
        const q = a.ingestor.quotaOf(author)
        return q && q.count === quota && q.refused >= over ? q : undefined
      },
      { timeout: 20_000, what: "alice to refuse bob's posts over the quota" },
    )
    const storeFull = await a.store.countResources()
    // More of Bob's posts, then one of Dave's: only Dave's is stored.
    for (let i = n; i < n + 20; i++) await publish(i)
    await waitFor(() => a.ingestor.quotaOf(author)!.refused >= q.refused + 20, {
      timeout: 20_000,
      what: 'the 20 more refused',
    })
    const post = await d.publish({ kind: 'post', data: { body: 'from dave', type: 'text' } })
    await waitFor(() => a.has(post.id), { timeout: 20_000, what: "dave's post at alice" })
    const storeAfter = await a.store.countResources()
    const usage = await a.store.usageOf(author)
    t.diagnostic(
      `quota ${quota}: bob published ${n + 20}; alice's store ${storeBefore} -> ${storeFull} -> ${storeAfter} resources, bob ${before.count} -> ${usage.count} (${usage.bytes} bytes), refused ${a.ingestor.quotaOf(author)!.refused}`,
    )
    assert.equal(usage.count, quota)
    assert.equal(storeAfter, storeFull + 1, 'only dave’s post was stored')
    assert.ok(session(b), 'refusals within the allowance cost bob no penalty')
  })

  it('our own user’s resources are limited by neither the quota nor the push rate', async (t) => {
    const quota = 40
    const { a, a2, alice, events } = await trustedTrio(t, {
      quota: { maxCountPerAuthor: quota },
      limits: { maxPushPerMinute: 30 },
      second: true,
    })
    const author = alice.key.fingerprint
    const before = await a.store.usageOf(author)
    const n = 100
    let last = ''
    for (let i = 0; i < n; i++)
      last = (await a2!.publish({ kind: 'post', data: { body: `${i}`, type: 'text' } })).id
    await waitFor(() => a.has(last), { timeout: 20_000, what: "alice's last post at a" })
    const after = await a.store.usageOf(author)
    t.diagnostic(`alice ${before.count} -> ${after.count} resources at a (quota ${quota})`)
    assert.equal(after.count, before.count + n)
    const peer = a2!.key.fingerprint
    assert.ok(!events.some((e) => e.name === 'penalty' && e.detail['peer'] === peer), 'no penalty')
  })
})
