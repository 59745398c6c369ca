#!/usr/bin/env node
/**
 * Runs `npm ci` when dependencies are missing or older than package-lock.json, so that
 * `npm start` and `npm test` are each a single set-up command on a fresh clone.
 */
import { execSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const marker = join(root, 'node_modules', '.package-lock.json')
const lock = join(root, 'package-lock.json')
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.error('# installing dependencies (npm ci)')
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
}
