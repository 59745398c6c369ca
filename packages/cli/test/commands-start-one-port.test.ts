/**
 * `sdmp start --one-port --public-url URL` (issue 17 "One port", docs/daemon.md §5): the real
 * executable runs without a peer listener of its own, prints and records the `wss://` address
 * peers reach it at through the proxy, and answers the API for the public host name; behind a
 * TLS-terminating proxy (test certificate in fixtures/, 127.0.0.1, valid 100 years) a contact's
 * daemon dials that wss address and messages flow both ways; wrong flags are usage errors.
 */
import { afterEach, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { startHttpProxy, tmpDir, waitFor } from '@sdmp/testkit'
import { waitPeer } from '@sdmp/testkit/daemon-world'
import { befriend, newHome, startDaemon, stopAllDaemons } from './daemon-proc.js'
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

describe('sdmp start --one-port behind a TLS reverse proxy', () => {
  afterEach(stopAllDaemons)

  it('a contact dials wss://…/v1/peer (certificate checked) and messages flow both ways', async (t) => {
    const cert = readFileSync(new URL('../../test/fixtures/test-tls-cert.pem', import.meta.url))
    const key = readFileSync(new URL('../../test/fixtures/test-tls-key.pem', import.meta.url))
    let target: URL | undefined
    const proxy = await startHttpProxy('', () => target!, { key, cert })
    t.after(() => proxy.close())
    const aliceHome = await newHome(t.after.bind(t), 'Alice')
    const publicUrl = `https://127.0.0.1:${proxy.port}`
    const alice = await startDaemon(aliceHome, ['--one-port', '--public-url', publicUrl])
    target = new URL(alice.api)
    assert.equal(alice.peer, `wss://127.0.0.1:${proxy.port}/v1/peer`)
    // Bob trusts the test CA (the proxy's self-signed certificate) and publishes an address
    // nobody listens on: the only connection is bob's, through the TLS proxy to alice.
    const bob = await startDaemon(
      await newHome(t.after.bind(t), 'Bob'),
      ['--advertise', '127.0.0.1:1'],
      {
        NODE_EXTRA_CA_CERTS: fileURLToPath(
          new URL('../../test/fixtures/test-tls-cert.pem', import.meta.url),
        ),
      },
    )
    await befriend(alice, 'alice', bob, 'bob')
    await waitPeer(bob.client, (p) => p.address === alice.peer, {
      timeout: 30_000,
      what: 'bob connected to alice through the TLS proxy',
    })
    const toBob = await alice.client.send({ to: ['bob'], body: 'over wss' })
    const toAlice = await bob.client.send({ to: ['alice'], body: 'and back' })
    await waitFor(async () => (await bob.client.inbox()).messages.some((m) => m.id === toBob.id), {
      timeout: 30_000,
      what: 'bob to get alice’s message',
    })
    await waitFor(
      async () => (await alice.client.inbox()).messages.some((m) => m.id === toAlice.id),
      { timeout: 30_000, what: 'alice to get bob’s message' },
    )
    assert.ok(proxy.upgrades() >= 1)
  })
})
