#!/usr/bin/env node
/**
 * Collects every compiled test file and hands the explicit list to `node --test` (Node 20 takes
 * paths, not globs). Prints which store backends this run covers so CI output says so.
 * Usage: node scripts/run-tests.mjs [filter-substring ...]
 */
import { spawn } from 'node:child_process'
import { readdirSync, statSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)

function collect(dir, out) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) collect(path, out)
    else if (name.endsWith('.test.js')) out.push(path)
  }
  return out
}

const files = []
for (const pkg of readdirSync(join(root, 'packages')))
  collect(join(root, 'packages', pkg, 'dist', 'test'), files)
const chosen = files
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort()
if (chosen.length === 0) {
  console.error('no test files found: run `npm run build` first')
  process.exit(1)
}
const stores = process.env.STORES ?? 'memory,sqlite' + (process.env.PG_URL ? ',postgres' : '')
console.log(
  `# test files: ${chosen.length}; store backends: ${stores}${process.env.PG_URL ? '' : ' (set PG_URL to add postgres)'}`,
)
const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    '--test-timeout=300000',
    ...chosen.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, STORES: stores } },
)
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
