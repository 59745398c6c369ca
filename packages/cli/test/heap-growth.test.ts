/**
 * `boundHeapGrowth` (docs/daemon.md §4 "Memory"): after it, a process whose garbage outlives a
 * few young-generation collections (what a daemon's caches and in-flight messages make) keeps
 * its heap near 1.5x what is live; without it V8 let the same heap reach ~4x here. Each side
 * runs in a fresh process, since the flag holds for the rest of a process.
 * @module
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'
import { boundHeapGrowth } from '../src/heap-growth.js'

const HEAP_GROWTH = new URL('../src/heap-growth.js', import.meta.url).href

/**
 * Peak heap (minus the young generation) over the live heap at the end, in a fresh process:
 * 100,000 objects stay live while 6,000,000 more pass through a ring of 400,000 (each lives
 * long enough to be promoted, then dies in the old generation).
 */
async function growth(bounded: boolean): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8'
    if (${bounded}) (await import(${JSON.stringify(HEAP_GROWTH)})).boundHeapGrowth()
    const live = []
    for (let i = 0; i < 100_000; i++) live.push({ a: 'x'.repeat(20) + i, b: [i, i + 1] })
    const ring = new Array(400_000)
    let peak = 0
    for (let i = 0; i < 6_000_000; i++) {
      ring[i % ring.length] = { s: 'y' + i, n: [i, i, i, i] }
      if (i % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal)
    }
    globalThis.gc()
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
    console.log(JSON.stringify({ ratio: (peak - young) / process.memoryUsage().heapUsed, kept: live.length + ring.length }))
  `
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--input-type=module', '-e', script],
    { timeout: 60_000 },
  )
  return (JSON.parse(stdout) as { ratio: number }).ratio
}

describe('heap growth of a node process', () => {
  it('stays within 2.5x of the live heap once bounded; V8 alone lets it pass that', async () => {
    const [bounded, unbounded] = await Promise.all([growth(true), growth(false)])
    assert.ok(bounded <= 2.5, `bounded: peak heap ${bounded.toFixed(2)}x the live heap`)
    // The workload must be one V8 lets grow, or the first assertion would prove nothing.
    assert.ok(unbounded > 2.5, `unbounded: peak heap only ${unbounded.toFixed(2)}x the live heap`)
  })

  it("leaves an operator's own --heap-growing-percent alone", () => {
    assert.equal(boundHeapGrowth(['--heap-growing-percent=200']), false)
    assert.equal(boundHeapGrowth(['--heap_growing_percent', '200']), false)
    assert.equal(boundHeapGrowth(['--max-old-space-size=512']), true)
  })
})
