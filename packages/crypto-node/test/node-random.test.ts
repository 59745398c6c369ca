/**
 * The native provider's random pool (node-random.ts): each byte of CSPRNG output is handed out
 * once, in a fresh array, and zeroed in the pool as it goes; large draws bypass the pool.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createNodeProvider } from '../src/index.js'
import { RandomPool } from '../src/node-random.js'

/** A stand-in CSPRNG that writes 1, 2, 3, ... across fills, and remembers what it filled. */
function counterFill() {
  let next = 1
  const filled: Uint8Array[] = []
  const fill = (buf: Uint8Array) => {
    filled.push(buf)
    for (let i = 0; i < buf.length; i++) buf[i] = next++ & 0xff
  }
  return { fill, filled }
}

test('RandomPool: draws are consecutive, each byte once; used bytes are zeroed in the pool', () => {
  const { fill, filled } = counterFill()
  const pool = new RandomPool(16, fill)
  assert.deepEqual([...pool.take(3)], [1, 2, 3])
  assert.deepEqual([...pool.take(4)], [4, 5, 6, 7])
  const block = filled[0]!
  assert.deepEqual([...block.subarray(0, 7)], [0, 0, 0, 0, 0, 0, 0], 'handed-out bytes zeroed')
  assert.equal(block[7], 8, 'the rest still waits')
  // 4 bytes (a quarter of the pool) fit; then 4 more left 1 byte, so 2 bytes refill the block.
  assert.deepEqual([...pool.take(4)], [8, 9, 10, 11])
  assert.deepEqual([...pool.take(4)], [12, 13, 14, 15])
  assert.deepEqual([...pool.take(2)], [17, 18], 'the unused byte 16 is dropped on refill')
  assert.equal(filled.length, 2)
  assert.equal(filled[1], block, 'the same block refilled in place')
  // Larger than a quarter of the pool: its own fill, the pool untouched.
  const big = pool.take(5)
  assert.equal(filled.length, 3)
  assert.notEqual(filled[2], block)
  assert.equal(big.length, 5)
  assert.deepEqual([...pool.take(1)], [19])
})

test('RandomPool: every draw is a new array the caller owns; bad lengths are refused', () => {
  const pool = new RandomPool()
  const a = pool.take(32)
  const b = pool.take(32)
  assert.notDeepEqual(a, b)
  a.fill(0)
  assert.notDeepEqual(b, a, 'one draw does not alias another')
  assert.equal(pool.take(0).length, 0)
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => pool.take(bad), RangeError)
})

test('createNodeProvider: randomBytes draws distinct output of the asked length', () => {
  const p = createNodeProvider()
  const seen = new Set<string>()
  let draws = 0
  for (let i = 0; i < 2000; i++) {
    const n = [1, 12, 24, 32, 64, 2048][i % 6]!
    const r = p.randomBytes(n)
    assert.equal(r.length, n)
    if (n >= 12) {
      draws++
      seen.add(Buffer.from(r).toString('hex'))
    }
  }
  assert.equal(seen.size, draws, 'no draw repeats')
})
