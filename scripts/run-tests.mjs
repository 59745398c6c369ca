#!/usr/bin/env node
/**
 * Collects every compiled test file and hands the explicit list to `node --test` (Node 20 takes
 * paths, not globs). Prints which store backends this run covers so CI output says so.
 *
 * Leak check (issue 6, docs/security.md §4): the run gets a fresh log directory
 * (`SDMP_TEST_LOG_DIR`) and a secrets registry (`SDMP_SECRETS_FILE`, outside that directory).
 * The runner's whole stdout+stderr is printed and also written to `test-run.log` there; daemons
 * started by tests write their stderr there too. Afterwards every file in the directory is
 * scanned for every registered secret (and its hex/base64url forms); a hit fails the run and
 * names the secret's label and the file, never the secret.
 * Usage: node scripts/run-tests.mjs [filter-substring ...]
 */
import { spawn } from 'node:child_process'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
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
// Tests of the repository scripts themselves (plain .mjs, nothing to compile).
for (const name of readdirSync(join(root, 'scripts')))
  if (name.endsWith('.test.mjs')) files.push(join(root, 'scripts', name))
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

const runDir = mkdtempSync(join(tmpdir(), 'sdmp-test-run-'))
const logDir = join(runDir, 'logs')
const secretsFile = join(runDir, 'secrets.jsonl')
mkdirSync(logDir, { mode: 0o700 })
const runLog = createWriteStream(join(logDir, 'test-run.log'))

const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    '--test-timeout=300000',
    ...chosen.map((f) => relative(root, f)),
  ],
  {
    cwd: root,
    stdio: ['inherit', 'pipe', 'pipe'],
    env: {
      ...process.env,
      STORES: stores,
      SDMP_TEST_LOG_DIR: logDir,
      SDMP_SECRETS_FILE: secretsFile,
      // Output goes through a pipe now: keep the reporter's colours when we print to a terminal.
      ...(process.stdout.isTTY && !process.env.NO_COLOR && { FORCE_COLOR: '1' }),
    },
  },
)
child.stdout.on('data', (d) => {
  process.stdout.write(d)
  runLog.write(d)
})
child.stderr.on('data', (d) => {
  process.stderr.write(d)
  runLog.write(d)
})
const exitCode = await new Promise((resolve) =>
  child.on('close', (code, signal) => resolve(signal ? 1 : (code ?? 1))),
)
await new Promise((resolve) => runLog.end(resolve))
const leaks = await scanLogs()
// The registry holds the secrets themselves: never leave it behind.
rmSync(secretsFile, { force: true })
if (leaks > 0) {
  console.error(`# logs kept for inspection in ${logDir}`)
  process.exit(1)
}
rmSync(runDir, { recursive: true, force: true })
process.exit(exitCode)

/** Scan the run's logs; print one line per hit (label and file only). Returns the hit count. */
async function scanLogs() {
  if (!existsSync(secretsFile) || statSync(secretsFile).size === 0) {
    console.log('# secret scan: no secrets registered by this run')
    return 0
  }
  // Only tests built with @sdmp/testkit register secrets, so it is built whenever we get here.
  const { countSecrets, scanForSecrets } = await import('@sdmp/testkit')
  const hits = scanForSecrets(logDir, secretsFile)
  const files = readdirSync(logDir).length
  console.log(
    `# secret scan: ${countSecrets(secretsFile)} secrets, ${files} log files, ${hits.length} leaks`,
  )
  for (const h of hits)
    console.error(`# LEAK: ${h.label} (${h.form}) found in ${relative(runDir, h.file)}`)
  return hits.length
}
