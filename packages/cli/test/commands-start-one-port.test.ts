/**
 * `sdmp start --one-port --public-url URL` (issue 17 "One port", docs/daemon.md "One port"):
 * the real executable runs without a peer listener of its own, prints and records the `wss://`
 * address peers reach it at through the proxy, and answers the API for the public host name; wrong
 * flags are usage errors.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import { BIN } from './run-sdmp.js'
import { newUser, sdmpFails, sdmpJson } from './messaging-helpers.js'

describe('sdmp start --one-port', () => {
  it('publishes the wss address of --public-url and serves the API', async (t) => {
    const { home } = await newUser(tmpDir(t.after.bind(t)), 'Alice')
    const child = spawn(
      process.execPath,
      [
        BIN,
        'start',
        '--one-port',
        '--public-url',
        'https://chat.example.test',
        '--api',
        '127.0.0.1:0',
        '--json',
        '--home',
        home,
      ],
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    t.after(async () => {
      child.kill('SIGTERM')
      await closed
    })
    let stdout = ''
    const first = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
      })
      void closed.then((code) => reject(new Error(`sdmp start exited ${code}`)))
    })
    const started = JSON.parse(first) as { peer: string; api: string }
    assert.equal(started.peer, 'wss://chat.example.test/v1/peer')
    const who = await sdmpJson(home, ['whoami'])
    assert.equal(who['running']['peer'], 'wss://chat.example.test/v1/peer')
    // The API answers for the public host name (the proxy forwards Host as it is), and not for
    // another name (the DNS rebinding guard stays).
    const token = readFileSync(join(home, 'api-token'), 'utf8').trim()
    assert.equal(await statusFor(started.api, token, 'chat.example.test'), 200)
    assert.equal(await statusFor(started.api, token, 'rebind.example.test'), 403)
  })

  it('refuses --one-port with --peer, and a public URL peers cannot dial', async (t) => {
    const { home } = await newUser(tmpDir(t.after.bind(t)), 'Alice')
    const both = await sdmpFails(home, ['start', '--one-port', '--peer', '127.0.0.1:0'])
    assert.match(both.line, /--one-port and --peer/)
    const ftp = await sdmpFails(home, ['start', '--public-url', 'ftp://chat.example.test'])
    assert.match(ftp.line, /--public-url/)
  })
})

/** GET /v1/status with `Host: host`; the status code. */
function statusFor(api: string, token: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${api}/v1/status`, { headers: { authorization: `Bearer ${token}`, host } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject)
  })
}
