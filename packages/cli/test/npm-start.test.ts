/**
 * The README's product command, end to end: `npm start` on a fresh home creates it (`sdmp init`)
 * and runs the node on its embedded default (SQLite, no other server), answering on its API port.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, realpathSync } from 'node:fs'
import { promisify } from 'node:util'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'

/** The repository root, from packages/cli/dist/test. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

describe('npm start', () => {
  it(
    'creates a home and runs a node that answers on its api port',
    { timeout: 180_000 },
    async () => {
      const home = join(tmpDir(after, 'sdmp-npm-start-'), 'home')
      const child = spawn(
        'npm',
        ['start', '--', '--peer', '127.0.0.1:0', '--api', '127.0.0.1:0', '--json'],
        {
          cwd: ROOT,
          env: { ...withoutSdmp(process.env), SDMP_HOME: home },
          detached: true,
        },
      )
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
      let out = ''
      let err = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
      try {
        const first = await waitFor(
          () => {
            if (child.exitCode !== null) throw new Error(`npm start exited: ${err}`)
            for (const line of out.split('\n'))
              if (line.startsWith('{')) return JSON.parse(line) as { peer: string; api: string }
            return undefined
          },
          { timeout: 150_000, what: 'npm start to print its addresses' },
        )
        assert.match(first.api, /^http:\/\/127\.0\.0\.1:\d+$/)
        assert.match(first.peer, /^127\.0\.0\.1:\d+$/)
        const doc = await fetch(`${first.api}/openapi.json`)
        assert.equal(doc.status, 200)
        assert.equal(((await doc.json()) as { openapi: string }).openapi.slice(0, 2), '3.')
        const token = readFileSync(join(home, 'api-token'), 'utf8').trim()
        const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
          user: string
        }
        const who = await fetch(`${first.api}/v1/whoami`, {
          headers: { authorization: `Bearer ${token}` },
        })
        assert.equal(who.status, 200)
        assert.equal(((await who.json()) as { user: string }).user, config.user)
        const denied = await fetch(`${first.api}/v1/whoami`)
        assert.equal(denied.status, 401)
      } finally {
        try {
          process.kill(-child.pid!, 'SIGTERM')
        } catch {
          // the group is gone already (npm start exited): the assertion above names the cause
        }
        await exited
      }
    },
  )
})

describe('npx sdmp (the README commands)', () => {
  it(
    'runs the workspace command, never a package from the registry',
    { timeout: 120_000 },
    async () => {
      // npm links the bin at install time only when its file exists: it is a committed file.
      const bin = realpathSync(join(ROOT, 'node_modules', '.bin', 'sdmp'))
      assert.equal(bin, realpathSync(join(ROOT, 'packages', 'cli', 'bin', 'sdmp.js')))
      // Offline: if the workspace bin were not linked, npx would look for a public package named
      // `sdmp` (the supply-chain trap of issue 15) and fail here instead of fetching it.
      const env = { ...withoutSdmp(process.env), npm_config_offline: 'true' }
      const run = promisify(execFile)
      const help = await run('npx', ['sdmp', '--help'], { cwd: ROOT, env })
      assert.match(help.stdout, /Usage: sdmp/)
      const home = join(tmpDir(after, 'sdmp-npx-'), 'home')
      const init = await run('npx', ['sdmp', '--home', home, 'init', '--json'], { cwd: ROOT, env })
      const made = JSON.parse(init.stdout) as { user: string }
      const who = await run('npx', ['sdmp', '--home', home, 'whoami', '--json'], { cwd: ROOT, env })
      assert.equal((JSON.parse(who.stdout) as { user: string }).user, made.user)
    },
  )
})

/** The environment without inherited SDMP_* variables (a passphrase, another home). */
function withoutSdmp(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SDMP_')))
}
