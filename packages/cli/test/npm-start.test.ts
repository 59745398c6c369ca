/**
 * The README's product command, end to end: `npm start` on a fresh home creates it (`sdmp init`)
 * and runs the node on its embedded default (SQLite, no other server), answering on its API port.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
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

/** The environment without inherited SDMP_* variables (a passphrase, another home). */
function withoutSdmp(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SDMP_')))
}
