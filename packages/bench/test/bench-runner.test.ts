/**
 * `npm run bench`'s flags (bench/run.mjs, docs/load.md §4): `--help` prints the usage and runs
 * nothing, and a flag it does not know, or an `--only` that names no bench file, is refused before
 * any bench starts, so a typo can never start a 20-minute run that rewrites BENCHMARKS.md.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

const root = new URL('../../../../', import.meta.url).pathname
const runner = join(root, 'bench', 'run.mjs')

function bench(...args: string[]) {
  const outputs = ['BENCHMARKS.md', 'bench/results.json', 'bench/results.quick.json'].map((f) => {
    const p = join(root, f)
    return [p, existsSync(p) ? statSync(p).mtimeMs : undefined] as const
  })
  const run = spawnSync(process.execPath, [runner, ...args], { encoding: 'utf8', timeout: 30_000 })
  for (const [p, before] of outputs)
    assert.equal(existsSync(p) ? statSync(p).mtimeMs : undefined, before, `${p} was written`)
  return run
}

test('bench --help prints the flags and runs nothing', () => {
  const run = bench('--help')
  assert.equal(run.status, 0)
  assert.match(run.stdout, /^usage: npm run bench -- \[--quick\] \[--only SUBSTRING\]/)
  assert.doesNotMatch(run.stderr, /^bench packages\//m)
})

test('bench refuses an unknown flag, a missing --only value and an --only that matches nothing', () => {
  for (const [args, message] of [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--only'], /argument missing/],
    [['--only', 'no-such-bench-file'], /no bench file's path contains 'no-such-bench-file'/],
    [['--quick', 'extra'], /Unexpected argument 'extra'/],
  ] as const) {
    const run = bench(...args)
    assert.equal(run.status, 2, args.join(' '))
    assert.match(run.stderr, message)
    assert.doesNotMatch(run.stderr, /^bench packages\//m, 'no bench started')
  }
})
