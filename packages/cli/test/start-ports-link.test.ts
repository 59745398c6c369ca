/**
 * Issue 15 item 7 through the real executable: each home gets its own default ports at init, so
 * two homes started without port flags both listen; `sdmp start` prints the web sign-in link with
 * the home's API token in the fragment (`--json`: `webUrl`), and `--no-link` leaves it out.
 * The token is registered as a secret and never put in an assertion message: the run's logs are
 * scanned for it (scripts/run-tests.mjs).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { registerSecret, waitFor } from '@sdmp/testkit'
import { newHome } from './daemon-proc.js'
import { BIN } from './run-sdmp.js'

interface Started {
  /** stdout lines so far (they hold the token: never print them). */
  readonly lines: () => string[]
  readonly stop: () => Promise<number | null>
}

const stops: (() => Promise<unknown>)[] = []
after(async () => {
  await Promise.all(stops.map((s) => s()))
})

/** `sdmp start --home HOME ...args`, waiting until it printed `until` lines on stdout. */
async function start(home: string, args: readonly string[], until: number): Promise<Started> {
  const proc = spawn(process.execPath, [BIN, 'start', '--home', home, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
  })
  let out = ''
  let err = ''
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)))
  let stopped: Promise<number | null> | undefined
  const stop = () => {
    if (stopped === undefined) {
      proc.kill('SIGTERM')
      stopped = exited
    }
    return stopped
  }
  stops.push(stop)
  const lines = () => out.split('\n').filter((l) => l !== '')
  await waitFor(
    () => {
      // stderr carries no secret (security-daemon-logs.test.ts); stdout does.
      if (proc.exitCode !== null) throw new Error(`sdmp start exited: ${err}`)
      return lines().length >= until
    },
    { timeout: 20_000, what: 'sdmp start to print its addresses' },
  )
  return { lines, stop }
}

const configOf = (home: string) =>
  JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
    listen: { peer: string; api: string }
  }

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1))

describe('sdmp start: ports of each home, and the web sign-in link', () => {
  it('two homes get different default ports and both listen without port flags', async () => {
    const a = await newHome(after, 'ana')
    const b = await newHome(after, 'ben')
    const ca = configOf(a)
    const cb = configOf(b)
    assert.notEqual(portOf(ca.listen.peer), portOf(cb.listen.peer))
    assert.notEqual(portOf(ca.listen.api), portOf(cb.listen.api))
    for (const c of [ca, cb]) {
      assert.match(c.listen.peer, /^0\.0\.0\.0:\d+$/)
      assert.match(c.listen.api, /^127\.0\.0\.1:\d+$/)
    }
    // Only the host is given (tests bind loopback): the ports are each home's own.
    const sa = await start(a, ['--peer', '127.0.0.1', '--json'], 1)
    const sb = await start(b, ['--peer', '127.0.0.1', '--json'], 1)
    for (const [s, c] of [
      [sa, ca],
      [sb, cb],
    ] as const) {
      const first = JSON.parse(s.lines()[0]!) as { peer: string; api: string; webUrl: string }
      assert.equal(first.peer, `127.0.0.1:${portOf(c.listen.peer)}`)
      assert.equal(first.api, `http://${c.listen.api}`)
      const doc = await fetch(`${first.api}/openapi.json`)
      assert.equal(doc.status, 200)
    }
    assert.equal(await sa.stop(), 0)
    assert.equal(await sb.stop(), 0)
  })

  it('prints the sign-in link with the home token in the fragment; --no-link omits it', async () => {
    const home = await newHome(after, 'cleo')
    const token = readFileSync(join(home, 'api-token'), 'utf8').trim()
    registerSecret(token, `api-token of ${home}`)
    const s = await start(home, ['--peer', '127.0.0.1:0', '--api', '127.0.0.1:0'], 3)
    const lines = s.lines()
    const api = /^api listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[1] ?? '')?.[1]
    assert.ok(api !== undefined, 'the second line names the api address')
    const link = /^web: (http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9_-]+)$/.exec(lines[2] ?? '')
    assert.ok(link !== null, 'the third line is "web: http://127.0.0.1:PORT/#token=TOKEN"')
    assert.ok(link[1] === api, 'the link points at the api address')
    assert.ok(link[2] === token, "the link holds the home's api-token")
    // The token of the link opens the API (the page sends it as the bearer token).
    const who = await fetch(`${api}/v1/whoami`, { headers: { authorization: `Bearer ${link[2]}` } })
    assert.equal(who.status, 200)
    const page = await fetch(`${api}/`)
    assert.equal(page.status, 200)
    assert.equal(await s.stop(), 0)

    const json = await start(home, ['--peer', '127.0.0.1:0', '--api', '127.0.0.1:0', '--json'], 1)
    const first = JSON.parse(json.lines()[0]!) as { api: string; webUrl?: string }
    assert.ok(first.webUrl === `${first.api}/#token=${token}`, '--json has webUrl with the token')
    assert.equal(await json.stop(), 0)

    const quiet = await start(
      home,
      ['--peer', '127.0.0.1:0', '--api', '127.0.0.1:0', '--no-link'],
      2,
    )
    await quiet.stop()
    assert.ok(
      quiet.lines().every((l) => !l.includes(token)),
      '--no-link prints no token',
    )
    assert.ok(!quiet.lines().some((l) => l.startsWith('web: ')))
  })
})
