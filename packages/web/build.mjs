#!/usr/bin/env node
/**
 * Bundle the web client (docs/web.md §Build): src/main.ts with its imports of @sdmp/client
 * (compiled by `tsc -b` first) into dist/www/app.js, plus dist/www/index.html and dist/www/app.css (a directory of its own, so
 * the daemon serves the bundle and nothing tsc writes beside it). The
 * bundle must stay browser-only: any `node:` import fails the build.
 * Usage: node packages/web/build.mjs (the root `npm run build` runs it after `tsc -b`).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, 'dist', 'www')
rmSync(out, { recursive: true, force: true }) // no stale chunk from an earlier build
mkdirSync(out, { recursive: true })

const result = await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outdir: out,
  entryNames: 'app',
  // Code only some views need (the QR encoder) is a chunk of its own, loaded on first use.
  splitting: true,
  chunkNames: 'chunk-[hash]',
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
const scripts = Object.keys(result.metafile.outputs).filter((p) => p.endsWith('.js'))
const texts = scripts.map((p) => readFileSync(p, 'utf8'))
if (nodeInputs.length > 0 || texts.some((t) => /["'`]node:[a-z_/]+["'`]/.test(t))) {
  console.error(
    `web build: the bundle imports node: modules (${nodeInputs.join(', ') || 'app.js'})`,
  )
  process.exit(1)
}
const bundle = readFileSync(join(out, 'app.js'), 'utf8')
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'))
copyFileSync(join(here, 'src', 'app.css'), join(out, 'app.css'))
const kib = (text) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`
const chunks = texts.filter((t) => t !== bundle).map(kib)
console.log(
  `web build: dist/www/index.html, app.css, app.js (${kib(bundle)})` +
    (chunks.length === 0 ? '' : `, chunks loaded on demand (${chunks.join(', ')})`),
)
