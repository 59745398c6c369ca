#!/usr/bin/env node
/**
 * Bundle the web client (docs/web.md §Build): src/main.ts with its imports of @sdmp/client
 * (compiled by `tsc -b` first) into dist/www/app.js, plus dist/www/index.html and dist/www/app.css (a directory of its own, so
 * the daemon serves the bundle and nothing tsc writes beside it). The
 * bundle must stay browser-only: any `node:` import fails the build.
 * Usage: node packages/web/build.mjs (the root `npm run build` runs it after `tsc -b`).
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, 'dist', 'www')
mkdirSync(out, { recursive: true })

const result = await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
})

// platform: 'browser' already refuses unresolvable built-ins; this also catches any that were
// marked external or slipped in as a string, so the bundle never needs Node.
const nodeInputs = Object.keys(result.metafile.inputs).filter((p) => p.startsWith('node:'))
const bundle = readFileSync(join(out, 'app.js'), 'utf8')
if (nodeInputs.length > 0 || /["'`]node:[a-z_/]+["'`]/.test(bundle)) {
  console.error(
    `web build: the bundle imports node: modules (${nodeInputs.join(', ') || 'app.js'})`,
  )
  process.exit(1)
}
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'))
copyFileSync(join(here, 'src', 'app.css'), join(out, 'app.css'))
const kb = (Buffer.byteLength(bundle) / 1024).toFixed(1)
console.log(`web build: dist/www/index.html, app.css, app.js (${kb} KiB)`)
