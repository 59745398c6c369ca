#!/usr/bin/env node
/**
 * Enforces the dependency direction of HOUSE-STYLE: core and client import no `node:` module,
 * no database driver and no web framework; store/transport import no driver.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const rules = {
  core: [
    /^node:/,
    /^(fs|path|os|crypto|net|http|child_process)$/,
    /better-sqlite3/,
    /^pg$/,
    /^hono/,
    /sodium-native/,
  ],
  store: [/better-sqlite3/, /^pg$/, /^hono/],
}
let bad = 0
function walk(dir, pkg) {
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, pkg)
    else if (name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8')
      for (const m of text.matchAll(
        /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      )) {
        const spec = m[1] ?? m[2]
        if (rules[pkg].some((r) => r.test(spec))) {
          console.error(`${path.slice(root.length)}: ${pkg} must not import ${spec}`)
          bad++
        }
      }
    }
  }
}
for (const pkg of Object.keys(rules)) walk(join(root, 'packages', pkg, 'src'), pkg)
if (bad) process.exit(1)
console.log('# dependency direction: ok')
