/**
 * BatchQueue (batch-queue.ts): concurrent calls are merged into batches within the bound, run one
 * batch at a time in arrival order, and each call gets exactly its own results or its batch's
 * error.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { BatchQueue } from '../src/batch-queue.js'

describe('BatchQueue', () => {
  it('merges calls that wait into batches of at most maxBatch, in order', async () => {
    const batches: number[][] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const q = new BatchQueue<number, number>(async (items) => {
      batches.push([...items])
      if (batches.length === 1) await gate
      return items.map((x) => x * 10)
    }, 4)
    const first = q.push([1])
    const waiting = [q.push([2, 3]), q.push([4]), q.push([5, 6]), q.push([7])]
    release()
    assert.deepEqual(await first, [10])
    assert.deepEqual(await Promise.all(waiting), [[20, 30], [40], [50, 60], [70]])
    assert.deepEqual(batches, [[1], [2, 3, 4], [5, 6, 7]])
  })

  it('runs a call larger than the bound alone; a failed batch rejects its calls, not the next', async () => {
    const q = new BatchQueue<number, number>(async (items) => {
      if (items.includes(0)) throw new Error('zero')
      return items.map((x) => x + 1)
    }, 2)
    const big = q.push([1, 2, 3])
    // These two wait while `big` runs, and go together as one batch, which fails.
    const bad = q.push([0])
    const sameBatch = q.push([5])
    assert.deepEqual(await big, [2, 3, 4])
    await assert.rejects(bad, /zero/)
    await assert.rejects(sameBatch, /zero/)
    assert.deepEqual(await q.push([7]), [8])
  })

  it('gives every call its own results for any calls and bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer(), { maxLength: 5 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 6 }),
        async (calls, max) => {
          const q = new BatchQueue<number, string>(async (items) => items.map(String), max)
          const results = await Promise.all(calls.map((c) => q.push(c)))
          assert.deepEqual(
            results,
            calls.map((c) => c.map(String)),
          )
        },
      ),
    )
  })

  it('refuses a bound that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      assert.throws(() => new BatchQueue(async () => [], bad), RangeError)
  })
})
