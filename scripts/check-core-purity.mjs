#!/usr/bin/env node
/**
 * Checks the import rules of HOUSE-STYLE and docs/architecture.md §1 that matter most. For each
 * package in `rules` below, no `.ts` file under `packages/<pkg>/src` may import (static
 * `import`/`export ... from`, a bare `import '...'` or a dynamic `import('...')` with a literal
 * specifier) anything matching one of its patterns:
 * - core: no `node:` module nor the bare names fs, path, os, crypto, net, http, child_process;
 *   no database driver (better-sqlite3, pg), no web framework (hono), no native crypto
 *   (sodium-native): it must run in browsers;
 * - client: no `node:` module: the web app bundles it;
 * - store: no database driver, no web framework;
 * - transport: no database driver, no web framework;
 * - node (the protocol runtime): no HTTP framework (hono, @hono/*) or `node:http(s)`, no
 *   `@sdmp/daemon`, `@sdmp/client`, `@sdmp/cli` or `@sdmp/web`, no relative path through a
 *   daemon folder (`account/`, `mail/`, `service/`, `daemon/`, `api/`), no database driver.
 * It does not check which workspace package depends on which (declared in each package.json
 * and tsconfig.json, and not verified here), nor tests, benches or scripts.
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
  client: [/^node:/],
  store: [/better-sqlite3/, /^pg$/, /^hono/],
  transport: [/better-sqlite3/, /^pg$/, /^hono/],
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
        /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm,
      )) {
        const spec = m[1] ?? m[2] ?? m[3]
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
