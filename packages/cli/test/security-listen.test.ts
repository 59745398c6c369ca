/**
 * Issue 12 item 7d (docs/daemon.md "Listening"): `sdmp start` on a busy API or peer port says
 * which address, which listener and which option to change, with exit 69 (EX_UNAVAILABLE), not
 * "internal error" (exit 70) or "tcp: cannot listen" with no port.
 * @module
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { newHome } from './daemon-proc.js'
import { linesOf, runSdmp } from './run-sdmp.js'

const T = { timeout: 120_000 }

/** A listener holding a loopback port; closed after the test. */
async function occupy(): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as { port: number }).port
}

describe('sdmp start on a busy port', () => {
  it('names the address, the listener and the option, exit 69', T, async () => {
    const home = await newHome(after, 'busy')
    const port = await occupy()
    const cases = [
      {
        args: ['--api', `127.0.0.1:${port}`, '--peer', '127.0.0.1:0'],
        line: `sdmp: cannot listen on 127.0.0.1:${port} for the client API: the port is in use (choose another with --api HOST:PORT)`,
      },
      {
        args: ['--api', '127.0.0.1:0', '--peer', `127.0.0.1:${port}`],
        line: `sdmp: cannot listen on 127.0.0.1:${port} for peers: the port is in use (choose another with --peer HOST:PORT)`,
      },
    ]
    for (const c of cases) {
      const r = await runSdmp(['start', '--home', home, ...c.args])
      assert.equal(r.code, 69, r.stderr)
      assert.equal(r.stdout, '')
      assert.deepEqual(linesOf(r.stderr), [c.line])
      const j = await runSdmp(['start', '--home', home, '--json', ...c.args])
      assert.equal(j.code, 69)
      assert.equal(JSON.parse(j.stderr).error.code, 'UNAVAILABLE')
      assert.equal(existsSync(join(home, 'daemon.json')), false, 'no daemon.json left')
    }
  })
})
