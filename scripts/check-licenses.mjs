#!/usr/bin/env node
/**
 * Lists every dependency's license from package-lock.json and fails when one is not compatible
 * with shipping sdmp under Apache-2.0 (policy: SECURITY.md, "Dependencies"). Run by `npm test`.
 * Usage: node scripts/check-licenses.mjs [--list] [--json]
 */
import { readFileSync } from 'node:fs'
import { checkLock } from './lib/licenses.mjs'

const root = new URL('..', import.meta.url).pathname
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8'))
const { packages, problems } = checkLock(lock)
const third = packages.filter((p) => !p.workspace)

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ packages: third, problems }, null, 2))
} else {
  const counts = new Map()
  for (const p of third) {
    const key = `${p.license ?? '(none)'}${p.dev ? ' (dev)' : ''}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`)
  console.log(`# licenses: ${third.length} packages: ${summary.join(', ')}`)
  if (process.argv.includes('--list'))
    for (const p of third)
      console.log(`${p.name}@${p.version}\t${p.license ?? '(none)'}${p.dev ? '\tdev' : ''}`)
}
for (const line of problems) console.error(`license: ${line}`)
process.exit(problems.length === 0 ? 0 : 1)
