/**
 * The fetcher (docs/protocol/sync.md §5): wanted ids go out in batches to peers that announced
 * them, within the per-peer limit, never twice at once, and each id is either received or
 * given up once every peer that announced it failed it. Also the cost of a large pull: a
 * dispatch stops once every source is full instead of walking every wanted id (docs/load.md §5
 * "Ninth pass").
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Fetcher } from '../src/sync/fetcher.js'
import type { FetchPeer } from '../src/sync/fetcher.js'

const LIMITS = { batch: 4, perPeer: 2 }

/** A peer whose requests wait until the test answers them. */
class TestPeer implements FetchPeer {
  readonly requests: { ids: readonly string[]; answer(missing: readonly string[]): void }[] = []
  open = 0
  isOpenReads = 0
  closed = false
  constructor(
    readonly key: string,
    readonly holds: ReadonlySet<string>,
  ) {}
  get isOpen(): boolean {
    this.isOpenReads++
    return !this.closed
  }
  requestResources(ids: readonly string[]): Promise<readonly string[]> {
    this.open++
    return new Promise((resolve) => {
      this.requests.push({
        ids,
        answer: (missing) => {
          this.open--
          resolve(missing)
        },
      })
    })
  }
}

/** Let queued microtasks (the fetcher's dispatch, the answers' continuations) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('fetcher', () => {
  it('keeps its limits and ends with every id received or failed by all its sources', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 200 }),
        async (announced, choices) => {
          const store = new Set<string>()
          const fetcher = new Fetcher(LIMITS, async (ids) => ids.map((id) => store.has(id)))
          // Each peer holds about half of what it announces.
          const peers = announced.map(
            (ids, k) =>
              new TestPeer(
                `p${k}`,
                new Set(ids.filter((i) => (i + k) % 2 === 0).map((i) => `r${i}`)),
              ),
          )
          const inFlight = new Set<string>()
          const checkRequest = (p: TestPeer, ids: readonly string[], k: number) => {
            assert.ok(ids.length > 0 && ids.length <= LIMITS.batch, 'batch size')
            assert.ok(p.open <= LIMITS.perPeer, 'requests open per peer')
            for (const id of ids) {
              assert.ok(announced[k]!.includes(Number(id.slice(1))), 'asked of a peer that has it')
              assert.ok(!inFlight.has(id), `${id} requested twice at once`)
              inFlight.add(id)
            }
          }
          const answered = new Set<object>()
          /** Answer request `r`: deliver what its peer holds, report the rest missing. */
          const answer = async (r: TestPeer['requests'][number]) => {
            const peer = peers.find((p) => p.requests.includes(r))!
            answered.add(r)
            const delivered = r.ids.filter((id) => peer.holds.has(id))
            for (const id of r.ids) inFlight.delete(id)
            for (const id of delivered) store.add(id)
            fetcher.received(delivered)
            r.answer(r.ids.filter((id) => !peer.holds.has(id)))
            await settle()
            observe()
          }
          const seen = peers.map(() => 0)
          const observe = () =>
            peers.forEach((p, k) => {
              for (; seen[k]! < p.requests.length; seen[k]!++)
                checkRequest(p, p.requests[seen[k]!]!.ids, k)
            })
          for (const [k, ids] of announced.entries())
            await fetcher.announce(
              peers[k]!,
              ids.map((i) => `r${i}`),
            )
          await settle()
          observe()
          for (const c of choices) {
            const waiting = peers.flatMap((p) => p.requests.filter((r) => !answered.has(r)))
            if (waiting.length === 0) break
            await answer(waiting[c % waiting.length]!)
          }
          // Answer whatever is left, in order, until the fetcher is idle.
          for (;;) {
            const r = peers.flatMap((p) => p.requests).find((x) => !answered.has(x))
            if (!r) break
            await answer(r)
          }
          // Nothing left to answer: an id still wanted now would never be asked for again.
          assert.equal(fetcher.pending, 0, 'ids left wanted with no request out')
          await fetcher.idle()
          // Every id some peer holds arrived; ids nobody holds were given up.
          const held = new Set(peers.flatMap((p) => [...p.holds]))
          assert.deepEqual([...store].sort(), [...held].sort())
        },
      ),
      { numRuns: 150 },
    )
  })

  it('a closed peer gets nothing; a peer that comes after it does', async () => {
    const fetcher = new Fetcher(LIMITS, async (ids) => ids.map(() => false))
    const a = new TestPeer('a', new Set(['r1']))
    a.closed = true
    await fetcher.announce(a, ['r1'])
    await settle()
    assert.equal(a.requests.length, 0)
    const b = new TestPeer('b', new Set(['r1']))
    await fetcher.announce(b, ['r1'])
    await settle()
    assert.deepEqual(
      b.requests.map((r) => r.ids),
      [['r1']],
    )
  })

  it('a large pull does not rescan every wanted id after each answer', async () => {
    // 20,000 ids from one peer, batches of 256, 4 requests open: 79 dispatches. Walking every
    // wanted id each time read the peer's isOpen ~800,000 times; stopping once the peer is
    // full reads it about once per dispatch.
    const n = 20_000
    const fetcher = new Fetcher({ batch: 256, perPeer: 4 }, async (ids) => ids.map(() => false))
    const ids = Array.from({ length: n }, (_, i) => `r${i}`)
    const peer = new TestPeer('a', new Set(ids))
    await fetcher.announce(peer, ids)
    await settle()
    let asked = 0
    while (peer.requests.length > 0) {
      const r = peer.requests.shift()!
      asked += r.ids.length
      fetcher.received(r.ids)
      r.answer([])
      await settle()
    }
    assert.equal(fetcher.pending, 0, 'ids left wanted with no request out')
    await fetcher.idle()
    assert.equal(asked, n, 'each id asked once')
    assert.ok(peer.isOpenReads < 1_000, `isOpen read ${peer.isOpenReads} times`)
  })
})
