/**
 * GroupCommit without a database: queued calls share one run, each caller gets its own slice of
 * results in order, and a failed run rejects every caller in it (none may be acknowledged).
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { GroupCommit } from '../src/group-commit.js'

describe('GroupCommit', () => {
  it('folds calls queued behind a running transaction into one run, results split per caller', async () => {
    const runs: number[][] = []
    const gc = new GroupCommit<number, string>(async (items) => {
      runs.push([...items])
      return items.map((i) => `r${i}`)
    }, 100)
    const calls = [[1], [2, 3], [4], [5, 6, 7]].map((c) => gc.submit(c))
    assert.deepEqual(await Promise.all(calls), [['r1'], ['r2', 'r3'], ['r4'], ['r5', 'r6', 'r7']])
    // The first call starts alone; everything queued meanwhile goes in the second run.
    assert.deepEqual(runs, [[1], [2, 3, 4, 5, 6, 7]])
  })

  it('never puts more than maxItems in one run unless a single call is larger', async () => {
    const sizes: number[] = []
    const gc = new GroupCommit<number, number>(async (items) => {
      sizes.push(items.length)
      return [...items]
    }, 5)
    const calls = [[0], [1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11, 12], [13]].map((c) => gc.submit(c))
    const flat = (await Promise.all(calls)).flat()
    assert.deepEqual(
      flat,
      Array.from({ length: 14 }, (_, i) => i),
    )
    assert.deepEqual(sizes, [1, 5, 7, 1])
  })

  it('rejects every caller of a failed run and keeps serving later calls', async () => {
    let fail = true
    const gc = new GroupCommit<number, number>(async (items) => {
      if (fail) throw new Error('commit failed')
      return [...items]
    }, 100)
    const results = await Promise.allSettled([gc.submit([1]), gc.submit([2]), gc.submit([3])])
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    )
    fail = false
    assert.deepEqual(await gc.submit([4]), [4])
    await gc.drain()
  })

  it('gives every call its own results for any calls and bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer(), { maxLength: 5 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 6 }),
        async (calls, max) => {
          const gc = new GroupCommit<number, string>(async (items) => items.map(String), max)
          const results = await Promise.all(calls.map((c) => gc.submit(c)))
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
      assert.throws(() => new GroupCommit(async () => [], bad), RangeError)
  })
})
