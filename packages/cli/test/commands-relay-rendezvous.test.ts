/**
 * `sdmp rendezvous start` and `sdmp start --no-listen --relay --rendezvous` (issue 17,
 * docs/cli.md, docs/protocol/relays.md): help, usage errors (one line, or the --json error
 * document), real runs that reach "listening" and stop on SIGTERM; a node that never listens
 * registers its relay address in a directory run by the real executable; config.json's
 * acceptPeers, relays and rendezvous are honoured and the flags win.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { provider } from '@sdmp/testkit/node-world'
import { lookupAddressRecord } from '@sdmp/daemon'
import { startDaemon, stopAllDaemons } from './daemon-proc.js'
import { BIN, linesOf, runSdmp } from './run-sdmp.js'
import { newUser, sdmpFails, sdmpJson } from './messaging-helpers.js'

afterEach(stopAllDaemons)

/** A foreground `sdmp` process: its stdout lines as they come, and a SIGTERM stop. */
function foreground(args: readonly string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  let done = false
  void closed.then(() => (done = true))
  after(async () => {
    if (!done) child.kill('SIGKILL')
    await closed
  })
  return {
    lines: () => linesOf(stdout),
    stderr: () => stderr,
    /** The first stdout line (fails if the process exits first). */
    async first(): Promise<string> {
      await waitFor(
        () => {
          if (done) throw new Error(`exited early: ${stderr}`)
          return stdout.includes('\n')
        },
        { timeout: 20_000, what: `sdmp ${args[0]} to start` },
      )
      return linesOf(stdout)[0]!
    },
    async stop(): Promise<number | null> {
      child.kill('SIGTERM')
      return closed
    },
  }
}

describe('sdmp rendezvous start', () => {
  it('--help lists --listen and --json', async () => {
    const run = await runSdmp(['rendezvous', 'start', '--help'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^Usage: sdmp rendezvous start \[--listen HOST:PORT\]/)
    assert.match(run.stdout, /--listen HOST:PORT/)
    const json = JSON.parse((await runSdmp(['rendezvous', 'start', '--help', '--json'])).stdout)
    assert.match(json.usage, /^sdmp rendezvous start/)
  })

  it('refuses bad --listen values and a port in use with coded errors', async () => {
    const home = join(tmpDir(after), 'none')
    for (const bad of ['nonsense', '127.0.0.1:99999']) {
      const f = await sdmpFails(home, ['rendezvous', 'start', '--listen', bad])
      assert.equal(f.code, 2, bad)
      assert.equal(f.error, 'BAD_REQUEST', bad)
      assert.match(f.line, /--listen: expected HOST:PORT/)
    }
    const held = createServer()
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve))
    after(() => new Promise<void>((resolve) => held.close(() => resolve())))
    const port = (held.address() as { port: number }).port
    const busy = await sdmpFails(home, ['rendezvous', 'start', '--listen', `127.0.0.1:${port}`])
    assert.equal(busy.error, 'UNAVAILABLE')
  })

  it('serves the directory until SIGTERM (text and --json)', async () => {
    const text = foreground(['rendezvous', 'start', '--listen', '127.0.0.1:0'])
    const line = await text.first()
    const m = /^rendezvous listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)
    assert.ok(m, line)
    // A real directory: an unknown node is a coded 404.
    const res = await fetch(`${m[1]}/v1/records/${'A'.repeat(43)}`)
    assert.equal(res.status, 404)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND')
    assert.equal(await text.stop(), 0)
    assert.match(text.stderr(), /SIGTERM: stopping/)
    assert.deepEqual(text.lines().slice(1), ['stopped'])

    const json = foreground(['rendezvous', 'start', '--listen', '127.0.0.1:0', '--json'])
    const url = (JSON.parse(await json.first()) as { url: string }).url
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(await json.stop(), 0)
    assert.deepEqual(JSON.parse(json.lines()[1]!), { stopped: true, signal: 'SIGTERM' })
  })
})

describe('sdmp start --no-listen --relay --rendezvous', () => {
  it('--help lists the options', async () => {
    const run = await runSdmp(['start', '--help'])
    assert.equal(run.code, 0, run.stderr)
    for (const o of ['--no-listen', '--relay ADDRESS', '--rendezvous URL', 'acceptPeers'])
      assert.ok(run.stdout.includes(o), o)
  })

  it('usage errors: exclusive flags, relays and directories that cannot be used', async () => {
    const { home } = await newUser(tmpDir(after), 'Alice')
    const relay = `ws://127.0.0.1:1/v1/peer#${'A'.repeat(43)}`
    const cases: [string[], RegExp][] = [
      [['--no-listen', '--peer', '127.0.0.1:0'], /--no-listen excludes --peer and --one-port/],
      [['--no-listen', '--one-port'], /--no-listen excludes --peer and --one-port/],
      [['--no-listen', '--relay', '127.0.0.1:7420'], /--relay: expected ws:\/\/ or wss:\/\//],
      [['--no-listen', '--relay', relay, '--rendezvous', 'ftp://x.example'], /--rendezvous: /],
      [['--rendezvous', 'not a url'], /--rendezvous: not a URL/],
    ]
    for (const [args, message] of cases) {
      const f = await sdmpFails(home, ['start', ...args])
      assert.equal(f.code, 2, args.join(' '))
      assert.equal(f.error, 'BAD_REQUEST', args.join(' '))
      assert.match(f.line, message)
    }
    // The same mistakes in config.json name config.json.
    editConfig(home, { rendezvous: 'gopher://x.example' })
    assert.match((await sdmpFails(home, ['start'])).line, /config\.json rendezvous: /)
    editConfig(home, { rendezvous: undefined, relays: ['127.0.0.1:7420'] })
    assert.match((await sdmpFails(home, ['start'])).line, /config\.json relays: expected ws/)
    // Mistyped members are an incompatible config.json, as any other.
    editConfig(home, { relays: 'ws://x' })
    assert.equal((await sdmpFails(home, ['start'])).error, 'INCOMPATIBLE_STORE')
  })

  it('a node that never listens registers its relay address in the directory; stops on SIGTERM', async () => {
    const rdv = foreground(['rendezvous', 'start', '--listen', '127.0.0.1:0', '--json'])
    const url = (JSON.parse(await rdv.first()) as { url: string }).url
    const { home } = await newUser(tmpDir(after), 'Alice')
    const relayNode = 'B'.repeat(43)
    const relay = `ws://127.0.0.1:1/v1/peer#${relayNode}`
    const laptop = await startDaemon(home, ['--no-listen', '--relay', relay, '--rendezvous', url])
    assert.equal(laptop.peer, '', 'no peer address: nothing listens')
    const node = (await sdmpJson(home, ['whoami']))['node'] as string
    // Its record in the directory holds only the address at the relay.
    const record = await waitFor(
      () => lookupAddressRecord(url, node, provider, Date.now()).catch(() => undefined),
      { timeout: 20_000, what: 'the laptop registered in the directory' },
    )
    assert.deepEqual(record.addresses, [`ws://127.0.0.1:1/v1/relay/${node}`])
    await laptop.stop()
    assert.equal(await rdv.stop(), 0)
  })

  it('honours acceptPeers, relays and rendezvous from config.json; flags win', async () => {
    const rdv = foreground(['rendezvous', 'start', '--listen', '127.0.0.1:0', '--json'])
    const url = (JSON.parse(await rdv.first()) as { url: string }).url
    const { home } = await newUser(tmpDir(after), 'Alice')
    const node = (await sdmpJson(home, ['whoami']))['node'] as string
    editConfig(home, {
      acceptPeers: false,
      relays: [`ws://127.0.0.1:1/v1/peer#${'C'.repeat(43)}`],
      rendezvous: url,
    })
    // Started without --peer (startDaemon passes one, which would win over the config).
    const bare = foreground(['start', '--home', home, '--api', '127.0.0.1:0', '--json'])
    assert.equal((JSON.parse(await bare.first()) as { peer: unknown }).peer, null)
    const record = await waitFor(
      () => lookupAddressRecord(url, node, provider, Date.now()).catch(() => undefined),
      { timeout: 20_000, what: 'registered from config.json' },
    )
    assert.deepEqual(record.addresses, [`ws://127.0.0.1:1/v1/relay/${node}`])
    assert.equal(await bare.stop(), 0)
    // --peer listens anyway, and --relay replaces the configured relays.
    const relay = `ws://127.0.0.1:2/v1/peer#${'D'.repeat(43)}`
    const listening = await startDaemon(home, ['--relay', relay])
    assert.match(listening.peer, /^127\.0\.0\.1:\d+$/)
    const newer = await waitFor(
      async () => {
        const r = await lookupAddressRecord(url, node, provider, Date.now())
        return r.seq > record.seq ? r : undefined
      },
      { timeout: 20_000, what: 'the new addresses registered' },
    )
    assert.deepEqual(newer.addresses, [listening.peer, `ws://127.0.0.1:2/v1/relay/${node}`])
    await listening.stop()
  })
})

/** Set (or, with undefined, remove) members of a home's config.json. */
function editConfig(home: string, members: Record<string, unknown>): void {
  const path = join(home, 'config.json')
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  for (const [k, v] of Object.entries(members))
    if (v === undefined) delete config[k]
    else config[k] = v
  writeFileSync(path, JSON.stringify(config, null, 2))
}
