/**
 * How much slower this machine runs the same work after a pause (issue 14, docs/load.md §5
 * "Seventh pass"): one sign + decode of a post, warmed 5,000 times, then 100 rounds of "wait,
 * then time five in a row", for several waits, sleeping or busy. Prints the median time of the
 * 1st..5th operation after each kind of wait. A one-at-a-time message runs every step of its
 * path after such a pause, which is why its CPU cost is several times its share of a batch.
 *
 * Run: `node packages/bench/dist/bench/cold-probe.js`. Not part of `npm run bench`.
 * @module
 */
import { createNodeProvider } from '@sdmp/crypto-node'
import { decodeResource, signResource, signingKeyFromSeed } from '@sdmp/core'
import { percentile } from '@sdmp/testkit'

const provider = createNodeProvider()
const key = signingKeyFromSeed(provider, new Uint8Array(32).fill(3))

/** The measured work: what a node does to a post it publishes and one it receives. */
function work(i: number): void {
  const r = signResource(
    provider,
    {
      kind: 'post',
      user: key.fingerprint,
      data: { body: `${i} ${'x'.repeat(200)}`, type: 'text' },
    },
    [key],
  )
  decodeResource(provider, Uint8Array.from(r.bytes))
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const spin = (ms: number) => {
  const end = performance.now() + ms
  while (performance.now() < end);
}
const WAITS: readonly [string, () => Promise<void>][] = [
  ['none', async () => {}],
  ['busy-wait 0.2 ms', async () => spin(0.2)],
  ['busy-wait 2 ms', async () => spin(2)],
  ['busy-wait 20 ms', async () => spin(20)],
  ['sleep 2 ms', () => sleep(2)],
  ['sleep 20 ms', () => sleep(20)],
]

for (let i = 0; i < 5000; i++) work(i)
for (const [name, wait] of WAITS) {
  const byPosition: number[][] = [[], [], [], [], []]
  for (let round = 0; round < 100; round++) {
    await wait()
    for (const times of byPosition) {
      const t = process.hrtime.bigint()
      work(round)
      times.push(Number(process.hrtime.bigint() - t) / 1000)
    }
  }
  const p50s = byPosition.map((t) => percentile(t, 50).toFixed(0))
  console.log(`${name.padEnd(17)} ${p50s.join(' / ')} us (1st..5th operation after the wait, p50)`)
}
