#!/usr/bin/env node
// The `sdmp` command as npm links it (node_modules/.bin/sdmp). This file is committed, not built,
// so that `npm ci` on a fresh clone can link it before the first build (npm skips bins whose file
// is missing, and `npx sdmp` then looks for a public package of that name instead).
import { existsSync } from 'node:fs'

const built = new URL('../dist/src/bin.js', import.meta.url)
if (!existsSync(built)) {
  console.error('sdmp: not built yet: run `npm run build` (or `npm start`) in the repository first')
  process.exit(69)
}
await import(built.href)
