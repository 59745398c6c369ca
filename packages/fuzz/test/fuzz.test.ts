/**
 * The short fixed-seed fuzz pass of the test suite (issue 6): every target, 50 runs, plus
 * checks that the runner itself reports uncoded throws, hangs, heap growth and unhandled
 * rejections (a harness that cannot fail proves nothing).
 * @module
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ErrorCode, ProtocolError } from '@sdmp/core'
import { TARGETS, defineTarget, runTarget, selectTargets } from '../src/index.js'
import type { TargetResult } from '../src/index.js'

/** Fixed so the suite is repeatable; `SEED=n` explores other inputs. */
const SEED = process.env['SEED'] ? Number(process.env['SEED']) : 20261202
const RUNS = 50

const explain = (r: TargetResult) =>
  r.failure
    ? `${r.name}: ${r.failure.message}\n  seed ${r.failure.seed} path ${r.failure.path ?? '-'}\n` +
      `  counterexample ${r.failure.counterexample ?? '-'}\n` +
      `  replay: npm run fuzz -- --target ${r.name} --runs ${RUNS} --seed ${r.failure.seed}`
    : ''

describe('fuzz targets (fixed seed)', () => {
  for (const target of TARGETS) {
    it(`${target.name} survives ${RUNS} runs with coded errors only`, async () => {
      const r = await runTarget(target, { runs: RUNS, seed: SEED })
      assert.equal(r.failures, 0, explain(r))
      assert.equal(r.runs, RUNS)
    })
  }
})

describe('runTarget', () => {
  const opts = { runs: 20, seed: 1 }

  it('accepts ProtocolErrors and reports any other throw with seed and shrunk input', async () => {
    const coded = defineTarget('t.coded', '', () => ({
      arbitrary: fc.nat(),
      run: () => {
        throw new ProtocolError(ErrorCode.BAD_REQUEST, 'fine')
      },
    }))
    assert.equal((await runTarget(coded, opts)).failures, 0)
    const buggy = defineTarget('t.buggy', '', () => ({
      arbitrary: fc.nat(1000),
      run: (n: number) => {
        if (n > 10) throw new TypeError('boom')
      },
    }))
    const r = await runTarget(buggy, { runs: 200, seed: 1 })
    assert.equal(r.failures, 1)
    assert.match(r.failure!.message, /uncoded TypeError: boom/)
    assert.equal(r.failure!.counterexample, '11') // shrunk to the smallest failing input
    assert.equal(r.failure!.seed, 1)
    // The printed path replays exactly that counterexample.
    const again = await runTarget(buggy, { runs: 200, seed: 1, path: r.failure!.path! })
    assert.equal(again.failure?.counterexample, '11')
  })

  it('reports a run that never settles as a hang', async () => {
    const stuck = defineTarget('t.hang', '', () => ({
      arbitrary: fc.constant(0),
      run: () => new Promise<void>(() => undefined),
    }))
    const r = await runTarget(stuck, { runs: 1, seed: 1, runTimeoutMs: 20 })
    assert.match(r.failure?.message ?? '', /hang/)
  })

  it('reports heap growth above the limit across a target', async () => {
    const kept: Uint8Array[] = []
    const leaky = defineTarget('t.leak', '', () => ({
      arbitrary: fc.constant(0),
      run: () => void kept.push(new Uint8Array(1024 * 1024).fill(1)),
    }))
    const r = await runTarget(leaky, { runs: 20, seed: 1, maxHeapGrowthBytes: 4 * 1024 * 1024 })
    assert.equal(kept.length, 20)
    assert.match(r.failure?.message ?? '', /heap grew/)
  })

  it('reports an unhandled rejection (checked in a child process)', async () => {
    // In this process node:test would claim the rejection itself, so a child runs the target.
    const module = (name: string) =>
      JSON.stringify(new URL(`../src/${name}.js`, import.meta.url).href)
    const script = `
      import fc from 'fast-check'
      import { runTarget } from ${module('runner')}
      import { defineTarget } from ${module('target')}
      const t = defineTarget('t.reject', '', () => ({
        arbitrary: fc.constant(0),
        run: () => void Promise.reject(new Error('dropped')),
      }))
      const r = await runTarget(t, { runs: 3, seed: 1 })
      process.stdout.write(r.failure ? r.failure.message : 'none')`
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: new URL('.', import.meta.url).pathname },
        (e, stdout) => (e ? reject(e) : resolve(stdout)),
      ),
    )
    assert.match(out, /unhandled rejection: Error: dropped/)
  })

  it('selects targets by name or dotted prefix and refuses unknown names', () => {
    assert.deepEqual(
      selectTargets(['sync']).map((t) => t.name),
      TARGETS.filter((t) => t.name.startsWith('sync.')).map((t) => t.name),
    )
    assert.equal(selectTargets(['journal']).length, 1)
    assert.throws(() => selectTargets(['nope']), /unknown target 'nope'/)
  })
})
