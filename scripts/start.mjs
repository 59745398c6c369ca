#!/usr/bin/env node
/**
 * `npm start`: run this machine's sdmp node on its embedded default (SQLite under the home).
 * The home is `--home DIR` among the arguments, else $SDMP_HOME, else ~/.sdmp; a home that does not exist yet is created first
 * (`sdmp init`). Extra arguments go to `sdmp start` (`npm start -- --api 127.0.0.1:0`).
 * Signals are passed on, so Ctrl-C stops the node gracefully.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const bin = join(root, 'packages', 'cli', 'dist', 'src', 'bin.js')
const args = process.argv.slice(2)
// `npm start -- --home DIR` names the home as `sdmp start --home DIR` would: create that one.
const at = args.findIndex((a) => a === '--home' || a.startsWith('--home='))
const named = at < 0 ? undefined : args[at].startsWith('--home=') ? args[at].slice(7) : args[at + 1]
const home = named || process.env.SDMP_HOME || join(homedir(), '.sdmp')
const env = { ...process.env, SDMP_HOME: home }

if (!existsSync(join(home, 'config.json'))) {
  console.error(`# no sdmp home at ${home}: creating one (sdmp init)`)
  const init = spawnSync(process.execPath, [bin, 'init'], { env, stdio: ['ignore', 2, 2] })
  if (init.status !== 0) process.exit(init.status ?? 1)
}
const child = spawn(process.execPath, [bin, 'start', ...args], {
  env,
  stdio: 'inherit',
})
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
