/**
 * `npm run bench`'s flags (bench/run.mjs, docs/load.md §4): `--help` prints the usage and runs
 * nothing, and a flag it does not know, or an `--only` that names no bench file, is refused before
 * any bench starts, so a typo can never start a 20-minute run that rewrites BENCHMARKS.md.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
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

test('an --only run merges into a full run, and with none it leaves results.json and BENCHMARKS.md alone', (t) => {
  // A copy of the runner in a scratch root with two tiny bench modules (run.mjs finds its root
  // from its own path), so the real modules and the repository's outputs are never touched.
  const scratch = mkdtempSync(join(tmpdir(), 'sdmp-bench-runner-'))
  t.after(() => rmSync(scratch, { recursive: true, force: true }))
  mkdirSync(join(scratch, 'bench'))
  copyFileSync(runner, join(scratch, 'bench', 'run.mjs'))
  const dir = join(scratch, 'packages', 'tiny', 'dist', 'bench')
  mkdirSync(dir, { recursive: true })
  // gamma's rows belong to alpha's group, as reconcile.bench's and sync-e2e.bench's share `sync`.
  for (const [name, group, value] of [
    ['alpha', 'alpha', 1],
    ['beta', 'beta', 2],
    ['gamma', 'alpha', 3],
  ] as const)
    writeFileSync(
      join(dir, `${name}.bench.js`),
      `export async function run() { return [{ group: '${group}', name: '${name} row', value: Number(process.env.TINY_VALUE ?? ${value}), unit: 'x' }] }\n`,
    )
  const run = (...args: string[]) => runWith({}, ...args)
  const runWith = (env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, [join(scratch, 'bench', 'run.mjs'), ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, ...env },
    })
  const md = join(scratch, 'BENCHMARKS.md')
  const results = join(scratch, 'bench', 'results.json')
  // No full run yet: twice, so the second cannot merge into what the first wrote.
  for (let i = 0; i < 2; i++) {
    const partial = run('--only', 'alpha')
    assert.equal(partial.status, 0, partial.stderr)
    assert.match(partial.stderr, /no full run in bench\/results\.json to merge into/)
    assert.equal(existsSync(md), false, 'BENCHMARKS.md written from a partial run')
    assert.equal(existsSync(results), false, 'results.json written by a partial run')
  }
  const only = JSON.parse(readFileSync(join(scratch, 'bench', 'results.only.json'), 'utf8'))
  assert.deepEqual(
    only.results.map((r: { name: string }) => r.name),
    ['alpha row'],
  )
  // A full run, then an --only run merged into it: both groups stay in BENCHMARKS.md.
  assert.equal(run().status, 0)
  assert.match(readFileSync(md, 'utf8'), /alpha row[\s\S]*beta row/)
  const merged = run('--only', 'beta')
  assert.equal(merged.status, 0, merged.stderr)
  const text = readFileSync(md, 'utf8')
  assert.match(text, /alpha row[\s\S]*beta row/)
  assert.match(text, /Groups beta re-run on/)
  // Re-running one file of a shared group replaces that file's rows and keeps the other's.
  const shared = runWith({ TINY_VALUE: '7' }, '--only', 'gamma')
  assert.equal(shared.status, 0, shared.stderr)
  const rows = JSON.parse(readFileSync(results, 'utf8')).results as {
    name: string
    value: number
  }[]
  assert.deepEqual(
    rows.map((r) => [r.name, r.value]),
    [
      ['alpha row', 1],
      ['beta row', 2],
      ['gamma row', 7],
    ],
  )
  // A profiled run (slower figures) touches neither, full or --only.
  const before = [readFileSync(md, 'utf8'), readFileSync(results, 'utf8')]
  for (const args of [[], ['--only', 'alpha']]) {
    const profiled = runWith({ SDMP_BENCH_PROFILE: scratch }, ...args)
    assert.equal(profiled.status, 0, profiled.stderr)
    assert.match(profiled.stderr, /a profiled run/)
    assert.deepEqual([readFileSync(md, 'utf8'), readFileSync(results, 'utf8')], before)
  }
  assert.ok(existsSync(join(scratch, 'bench', 'results.profiled.json')))
})
