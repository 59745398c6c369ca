#!/usr/bin/env node
/**
 * `npm run bench`: runs every compiled `packages/<pkg>/dist/bench/*.bench.js`, prints one table,
 * writes bench/results.json and regenerates BENCHMARKS.md.
 * Flags: --quick (smaller loops; bench/results.quick.json only), --only SUBSTRING (bench files whose
 * path contains it), --help.
 * A full-size `--only` run replaces its bench files' rows in the last full run's results and
 * regenerates BENCHMARKS.md from the merge, naming the groups re-run and when, so one file can be
 * measured again without a 20-minute run; a ratio is only computed against a baseline of the
 * same run.
 * With SDMP_BENCH_PROFILE set (CPU profiles, slower figures) it writes bench/results.profiled.json
 * only.
 */
import { readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cpus, totalmem, platform, release } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'

const root = new URL('..', import.meta.url).pathname
const USAGE = `usage: npm run bench -- [--quick] [--only SUBSTRING] [--help]
  --quick            smaller loops (a smoke run; writes bench/results.quick.json only)
  --only SUBSTRING   only the bench files whose path contains SUBSTRING (e.g. daemon.bench);
                     a full-size --only run merges its rows into the last full run
                     (without one, it writes bench/results.only.json only)
  --help             this text
Runs every packages/<pkg>/dist/bench/*.bench.js, each in its own process, prints one table,
writes bench/results.json and BENCHMARKS.md (docs/load.md).`
const args = process.argv.slice(2)
let parsed
try {
  parsed = parseArgs({
    args,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
} catch (e) {
  // A mistyped flag must not start a 20-minute run that rewrites BENCHMARKS.md.
  console.error(`bench: ${e.message} (npm run bench -- --help lists the flags)`)
  process.exit(2)
}
if (parsed.help) {
  console.log(USAGE)
  process.exit(0)
}
const quick = parsed.quick === true
const only = parsed.only
if (only === '') {
  console.error(
    'bench: --only needs a non-empty SUBSTRING (npm run bench -- --help lists the flags)',
  )
  process.exit(2)
}
const ctx = { scale: quick ? 0.1 : 1, log: (m) => process.stderr.write(`  ${m}\n`) }

const files = []
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'dist', 'bench')
  if (!existsSync(dir)) continue
  for (const f of readdirSync(dir)) if (f.endsWith('.bench.js')) files.push(join(dir, f))
}
const chosen = files.filter((f) => !only || f.includes(only)).sort()
if (chosen.length === 0 && !process.env.SDMP_BENCH_CHILD) {
  console.error(
    only
      ? `bench: no bench file's path contains '${only}' (of ${files.length}; run \`npm run build\` first if none)`
      : 'bench: no compiled bench files (run `npm run build` first)',
  )
  process.exit(2)
}
// Each bench module runs in its own process, so one module's memory (a 10^6-item reconciliation
// set, say) cannot hide another's RSS growth; ratios across modules are computed below.
const results = []
if (process.env.SDMP_BENCH_CHILD) {
  const mod = await import(pathToFileURL(process.env.SDMP_BENCH_CHILD).href)
  process.stdout.write(JSON.stringify(await mod.run(ctx)))
  process.exit(0)
}
for (const file of chosen) {
  process.stderr.write(`bench ${file.slice(root.length)}\n`)
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), ...args],
    {
      env: { ...process.env, SDMP_BENCH_CHILD: file },
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    },
  )
  if (child.status !== 0) {
    console.error(`bench ${file.slice(root.length)} failed (exit ${child.status})`)
    process.exitCode = 1
    continue
  }
  // Each row remembers its bench file, so an --only run replaces exactly that file's rows.
  const source = file.slice(root.length)
  results.push(...JSON.parse(child.stdout).map((r) => ({ ...r, source })))
}

// Ratios against baselines measured in the same run, wherever they were produced.
for (const r of results) {
  if (r.ratio === undefined && r.baseline) {
    const base = results.find((x) => x.name === r.baseline)
    if (base && !base.unavailable && base.value > 0 && r.value > 0)
      r.ratio = r.lowerIsBetter ? base.value / r.value : r.value / base.value
  }
  if (r.met === undefined && r.targetRatio !== undefined && r.ratio !== undefined)
    r.met = r.ratio >= r.targetRatio
}

const fmt = (v) =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString()
const toRow = (r) => [
  r.group,
  r.name,
  r.unavailable ? `not measured (${r.unavailable})` : `${fmt(r.value)} ${r.unit}`,
  r.target ?? '',
  r.baseline ?? '',
  // Two significant digits below 0.01x, so a ratio of 0.003 does not print as 0.00x.
  r.ratio === undefined ? '' : `${r.ratio >= 0.01 ? r.ratio.toFixed(2) : r.ratio.toPrecision(2)}x`,
  r.met === undefined ? '' : r.met ? 'yes' : 'NO',
]
const rows = results.map(toRow)
const head = ['group', 'benchmark', 'result', 'target', 'baseline (same run)', 'ratio', 'met']
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
console.log(line(head))
console.log(widths.map((w) => '-'.repeat(w)).join('  '))
for (const r of rows) console.log(line(r))

// A partial full-size run keeps the other groups of the last full run (see the header).
// A quick run has a file of its own, so it never replaces the full run that a later full-size
// `--only` run merges into.
const resultsPath = join(root, 'bench', quick ? 'results.quick.json' : 'results.json')
// Under a CPU profiler (SDMP_BENCH_PROFILE, load-daemons.ts) every figure is slower: such a run
// keeps its rows in a file of its own and never enters results.json or BENCHMARKS.md.
const profiled = Boolean(process.env['SDMP_BENCH_PROFILE'])
let reruns = []
let fullDate
if (only && !quick && !profiled && existsSync(resultsPath)) {
  const last = JSON.parse(readFileSync(resultsPath, 'utf8'))
  if (!last.quick && Array.isArray(last.results)) {
    const rerun = new Set(results.map((r) => r.group))
    const rerunFiles = new Set(chosen.map((f) => f.slice(root.length)))
    // The re-run files' rows take the place of those files' old rows (rows recorded before rows
    // had a source: of their whole group), where the first of them stood; a new file goes last.
    // Other files' rows stay, even in a group they share (reconcile.bench and sync-e2e.bench).
    const replaced = (r) => (r.source ? rerunFiles.has(r.source) : rerun.has(r.group))
    const placed = new Set()
    const merged = []
    for (const r of last.results) {
      if (!replaced(r)) merged.push(r)
      else
        for (const x of results)
          if (!placed.has(x) && (r.source ? x.source === r.source : x.group === r.group)) {
            placed.add(x)
            merged.push(x)
          }
    }
    merged.push(...results.filter((x) => !placed.has(x)))
    const names = [...new Set(results.map((r) => r.group))].join(', ')
    // A run that produced no row (its module failed) re-ran nothing: the record stays as it was.
    const earlier = (last.reruns ?? []).filter(
      (line) => !line.startsWith(`Groups ${names} `) && !line.startsWith('Groups  '),
    )
    reruns =
      names === ''
        ? earlier
        : [
            ...earlier,
            `Groups ${names} re-run on ${new Date().toISOString().slice(0, 10)} (\`--only ${only}\`).`,
          ]
    fullDate = last.fullDate ?? last.date
    results.splice(0, results.length, ...merged)
  }
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  os: `${platform()} ${release()}`,
}
const date = new Date().toISOString()
// A full-size `--only` run with no full run to merge into (none recorded on this machine) keeps
// its rows in a file of its own: bench/results.json stays a full run's, so a later `--only`
// never merges into a part and rewrites BENCHMARKS.md from it.
const partial = only && !quick && !fullDate && !profiled
if (partial)
  process.stderr.write(
    'bench: no full run in bench/results.json to merge into: rows written to bench/results.only.json, BENCHMARKS.md unchanged\n',
  )
if (profiled)
  process.stderr.write(
    'bench: a profiled run (SDMP_BENCH_PROFILE): rows written to bench/results.profiled.json, results.json and BENCHMARKS.md unchanged\n',
  )
writeFileSync(
  profiled
    ? join(root, 'bench', 'results.profiled.json')
    : partial
      ? join(root, 'bench', 'results.only.json')
      : resultsPath,
  JSON.stringify(
    { date, machine, quick, ...(fullDate && { fullDate, reruns }), results },
    null,
    2,
  ) + '\n',
)
if ((!only || fullDate) && !quick && !profiled) {
  const md = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${date.slice(0, 10)}. Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}.`,
    'Every ratio compares two figures measured in the same run. Raw figures: `bench/results.json`.',
    ...(fullDate
      ? ['', `Full run on ${String(fullDate).slice(0, 10)}; since then: ${reruns.join(' ')}`]
      : []),
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...results.map(toRow).map((r) => `| ${r.join(' | ')} |`),
    '',
    ...results.filter((r) => r.notes).map((r) => `- **${r.name}**: ${r.notes}`),
    '',
  ].join('\n')
  writeFileSync(join(root, 'BENCHMARKS.md'), md)
}
