#!/usr/bin/env node
/**
 * `npm run fuzz -- --runs N [--seed S] [--target NAME]... [--path P] [--list]` (docs/fuzz.md):
 * runs the targets, prints a table, and on failure the seed, replay path and shrunk input.
 * Exits 1 on any failure, 2 on a usage error.
 * @module
 */
import { parseArgs } from 'node:util'
import { TARGETS, selectTargets } from './registry.js'
import { formatTable, heapMeasuredAfterGc, runTargets } from './runner.js'

const USAGE = 'usage: npm run fuzz -- [--runs N] [--seed S] [--target NAME]... [--path P] [--list]'

function fail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n${USAGE}\n`)
  process.exit(2)
}

function int(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  if (!/^-?\d{1,15}$/.test(text)) fail(`--${name}: expected an integer, got '${text.slice(0, 40)}'`)
  return Number(text)
}

let values
try {
  values = parseArgs({
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      target: { type: 'string', multiple: true },
      path: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values
} catch (e) {
  fail(e instanceof Error ? e.message.split('\n')[0]! : String(e))
}
if (values.help === true) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
if (values.list === true) {
  for (const t of TARGETS) process.stdout.write(`${t.name.padEnd(22)} ${t.summary}\n`)
  process.exit(0)
}
const runs = int(values.runs, 'runs', 100)
if (runs < 1) fail('--runs: expected at least 1')
// A 32-bit seed, printed first so that even a crash mid-run can be replayed.
const seed = int(values.seed, 'seed', (Date.now() ^ (Math.random() * 2 ** 31)) | 0)
let targets
try {
  targets = selectTargets(values.target ?? [])
} catch (e) {
  fail((e as Error).message)
}
if (values.path !== undefined && targets.length !== 1)
  fail('--path replays one target: add --target')
process.stdout.write(
  `# fuzz: seed ${seed}, ${runs} runs per target, ${targets.length} targets` +
    `${heapMeasuredAfterGc ? '' : ' (no gc: heap figures are rough)'}\n`,
)
const results = await runTargets(targets, {
  runs,
  seed,
  ...(values.path !== undefined ? { path: values.path } : {}),
  onResult: (r) =>
    process.stdout.write(
      `# ${r.name}: ${r.failures > 0 ? 'FAIL' : 'ok'} (${r.runs} runs, ${r.ms} ms)\n`,
    ),
})
process.stdout.write(`\n${formatTable(results)}\n`)
const failed = results.filter((r) => r.failure)
for (const r of failed) {
  const f = r.failure!
  process.stdout.write(
    `\nFAIL ${r.name}: ${f.message}\n  seed: ${f.seed}\n` +
      (f.path !== undefined ? `  path: ${f.path}\n` : '') +
      (f.counterexample !== undefined ? `  counterexample: ${f.counterexample}\n` : '') +
      `  replay: npm run fuzz -- --target ${r.name} --runs ${runs} --seed ${f.seed}` +
      (f.path !== undefined ? ` --path ${f.path}` : '') +
      '\n',
  )
}
process.stdout.write(
  `\n${failed.length === 0 ? 'no failures' : `${failed.length} target(s) failed`}\n`,
)
// Targets may leave sockets-free timers (request timeouts) behind; the verdict is final here.
process.exit(failed.length === 0 ? 0 : 1)
