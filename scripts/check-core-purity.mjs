#!/usr/bin/env node
/**
 * Enforces the dependency direction of HOUSE-STYLE and docs/architecture.md: core imports no
 * `node:` module, no database driver and no web framework; store imports no driver; the
 * protocol runtime (`@sdmp/node`) imports no HTTP framework or server, no client API contract,
 * nothing of the daemon (home layout, account, mailbox, API) and no database driver.
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
  node: [
    /^hono/,
    /^@hono\//,
    /^node:https?$/,
    /^@sdmp\/(daemon|client|cli|web)(\/|$)/,
    /(^|\/)(account|mail|service|daemon|api)\//,
    /better-sqlite3/,
    /^pg$/,
  ],
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
