/**
 * The account commands on one home, through the real `sdmp` executable: init and whoami
 * shapes, home files and modes, refusals (existing home, missing home), posts and the journal
 * chain, secrets sealed with a passphrase, and the exclusive lock between processes.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { signingKeyFromSeed, verifyJournal } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SECRET_NAMES } from '@sdmp/daemon/account'
import { SqliteStore } from '@sdmp/store-sqlite'
import { tmpDir } from '@sdmp/testkit'
import { linesOf, runSdmp } from './run-sdmp.js'

const FP = /^[A-Za-z0-9_-]{86}$/
const provider = createNodeProvider()

/** `sdmp ...args --home home --json`, asserting success; the parsed stdout. */
async function sdmpJson(home: string, args: string[], env: Record<string, string> = {}) {
  const run = await runSdmp([...args, '--home', home, '--json'], env)
  assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
  assert.equal(run.stderr, '')
  return JSON.parse(run.stdout) as Record<string, unknown>
}

/** A failing run: non-zero exit, nothing on stdout, exactly one `sdmp: ...` line on stderr. */
async function sdmpFails(home: string, args: string[], env: Record<string, string> = {}) {
  const run = await runSdmp([...args, '--home', home], env)
  assert.notEqual(run.code, 0, `expected failure of sdmp ${args.join(' ')}`)
  assert.equal(run.stdout, '')
  const lines = linesOf(run.stderr)
  assert.equal(lines.length, 1, run.stderr)
  assert.match(lines[0]!, /^sdmp: /)
  assert.doesNotMatch(run.stderr, /\n\s+at /)
  return { code: run.code, line: lines[0]! }
}

describe('sdmp init and whoami', () => {
  it('creates the user and a fully authorized node, with the documented JSON and files', async (t) => {
    const home = join(tmpDir(t.after.bind(t)), 'alice')
    const init = await sdmpJson(home, ['init', '--name', 'Alice'])
    assert.deepEqual(Object.keys(init), ['user', 'node', 'uri', 'recoveryWords'])
    assert.match(init['recoveryWords'] as string, /^[a-z]+( [a-z]+){23}$/)
    assert.match(init['user'] as string, FP)
    assert.match(init['node'] as string, FP)
    assert.notEqual(init['user'], init['node'])
    assert.equal(init['uri'], `sdmp://${init['user'] as string}`)

    const token = statSync(join(home, 'api-token'))
    assert.equal(token.mode & 0o777, 0o600)
    assert.match(readFileSync(join(home, 'api-token'), 'utf8'), /^[A-Za-z0-9_-]{43}\n$/)
    assert.equal(statSync(home).mode & 0o077, 0, 'home is private')
    assert.ok(statSync(join(home, 'store')).isDirectory())
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))
    assert.equal(config.user, init['user'])
    assert.equal(config.node, init['node'])
    assert.doesNotMatch(readFileSync(join(home, 'config.json'), 'utf8'), /seed|secret/i)
    // The recovery words are shown once and stored nowhere in the home.
    const phrase = init['recoveryWords'] as string
    for (const file of ['config.json', 'api-token'])
      assert.ok(!readFileSync(join(home, file), 'utf8').includes(phrase), file)

    const who = await sdmpJson(home, ['whoami'])
    assert.equal(who['user'], init['user'])
    assert.equal(who['node'], init['node'])
    assert.equal(who['uri'], init['uri'])
    // A home other than ~/.sdmp has ports of its own (issue 15 item 7), stored at init.
    assert.deepEqual(who['listen'], config.listen)
    const peerPort = Number(/^0\.0\.0\.0:(\d+)$/.exec(who['listen'].peer)?.[1])
    assert.ok(peerPort >= 7420 && peerPort < 15420 && peerPort % 2 === 0, `${peerPort}`)
    assert.equal(who['listen'].api, `127.0.0.1:${peerPort + 1}`)

    // The node's full authorization shows in the device list.
    const { devices } = (await sdmpJson(home, ['device', 'list'])) as {
      devices: { node: string; self: boolean; status: string; authorization: string[] }[]
    }
    assert.equal(devices.length, 1)
    assert.equal(devices[0]!.node, init['node'])
    assert.equal(devices[0]!.self, true)
    assert.equal(devices[0]!.status, 'active')
    assert.deepEqual([...devices[0]!.authorization].sort(), [
      'create_trust',
      'publish_resource',
      'read_encrypted',
      'read_resource',
      'revoke',
    ])
    const status = await sdmpJson(home, ['status'])
    assert.deepEqual(status['counts'], {
      resources: 5,
      journal: 6,
      contacts: 0,
      devices: 1,
      messages: 0,
    })
    assert.equal(status['store'], join(home, 'store'))
  })

  it('refuses to overwrite an existing home and leaves it intact', async (t) => {
    const home = join(tmpDir(t.after.bind(t)), 'h')
    const first = await sdmpJson(home, ['init'])
    const again = await sdmpFails(home, ['init'])
    assert.equal(again.code, 73)
    assert.match(again.line, /already exists/)
    assert.equal((await sdmpJson(home, ['whoami']))['user'], first['user'])
  })

  it('reports a missing home in one line for every account command', async (t) => {
    const home = join(tmpDir(t.after.bind(t)), 'nothing-here')
    for (const args of [
      ['whoami'],
      ['status'],
      ['journal'],
      ['post', 'hi'],
      ['invite'],
      ['device', 'list'],
      ['contact', 'list'],
    ]) {
      const r = await sdmpFails(home, args)
      assert.equal(r.line, `sdmp: no sdmp home at ${home}: run sdmp init`)
      assert.equal(r.code, 66)
    }
  })

  it('exits 2 with one line on bad arguments', async (t) => {
    const home = tmpDir(t.after.bind(t))
    for (const args of [
      ['post'],
      ['post', 'a', 'b'],
      ['device', 'revoke'],
      ['device', 'authorize'],
      ['contact', 'add'],
      ['contact', 'remove'],
      ['init', '--bogus'],
      ['device'],
      ['contact', 'frobnicate'],
    ]) {
      const r = await sdmpFails(home, args)
      assert.equal(r.code, 2, args.join(' '))
    }
  })
})

describe('sdmp post and journal', () => {
  it('publishes a post whose journal line ends the verified chain', async (t) => {
    const home = join(tmpDir(t.after.bind(t)), 'h')
    const init = await sdmpJson(home, ['init'])
    const { id } = (await sdmpJson(home, ['post', 'hello, world'])) as { id: string }
    assert.match(id, FP)
    const rows = (await runSdmp(['journal', '--home', home, '--json'])).stdout
    const journal = JSON.parse(rows) as { position: number; line: string }[]
    assert.equal(journal[0]!.line, init['node'])
    assert.deepEqual(
      journal.map((r) => r.position),
      journal.map((_, i) => i + 1),
    )
    const last = journal[journal.length - 1]!.line
    assert.ok(last.endsWith(`@${init['user'] as string}/${id}`), last)
    const check = verifyJournal(
      journal.map((r) => r.line),
      provider.sha512,
    )
    assert.equal(check.ok, true, JSON.stringify(check))
    // Text output: the same lines, one per line.
    const text = await runSdmp(['journal', '--home', home])
    assert.deepEqual(
      linesOf(text.stdout),
      journal.map((r) => r.line),
    )
  })
})

describe('secrets at rest', () => {
  it('seals the keys with SDMP_PASSPHRASE; a wrong or missing passphrase is UNAUTHORIZED', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const home = join(dir, 'h')
    const env = { SDMP_PASSPHRASE: 'correct horse battery staple' }
    const init = await sdmpJson(home, ['init'], env)
    await sdmpJson(home, ['post', 'sealed keys still sign'], env)

    // The stored seeds are ciphertext: neither is the 32-byte seed of the node or user key.
    const store = new SqliteStore({ dir: join(home, 'store'), sha512: provider.sha512 })
    await store.open()
    try {
      for (const [name, fp] of [
        [SECRET_NAMES.nodeSeed, init['node']],
        [SECRET_NAMES.userSeed, init['user']],
      ] as const) {
        const raw = (await store.getSecret(name))!
        assert.ok(raw !== undefined, name)
        assert.notEqual(raw.length, 32, `${name} is sealed`)
        assert.notEqual(signingKeyFromSeed(provider, raw.subarray(0, 32)).fingerprint, fp)
      }
    } finally {
      await store.close()
    }

    const wrongJson = await runSdmp(['post', 'x', '--home', home, '--json'], {
      SDMP_PASSPHRASE: 'wrong',
    })
    assert.equal(wrongJson.code, 77)
    assert.equal(JSON.parse(wrongJson.stderr).error.code, 'UNAUTHORIZED')
    const wrongText = await sdmpFails(home, ['status'], { SDMP_PASSPHRASE: 'wrong' })
    assert.match(wrongText.line, /wrong passphrase/)
    const missing = await sdmpFails(home, ['status'])
    assert.match(missing.line, /passphrase is needed/)
    assert.equal(missing.code, 77)

    // --passphrase-file works as well (one trailing newline dropped).
    const file = join(dir, 'pass')
    writeFileSync(file, 'correct horse battery staple\n')
    const status = await sdmpJson(home, ['status', '--passphrase-file', file])
    assert.equal(status['encrypted'], true)
    // Nothing was posted by the refused runs.
    assert.equal((status['counts'] as { resources: number }).resources, 5)
  })

  it('refuses a passphrase for a home created without one (it would mix sealed and plain keys)', async (t) => {
    const home = join(tmpDir(t.after.bind(t)), 'h')
    await sdmpJson(home, ['init'])
    const r = await sdmpFails(home, ['status'], { SDMP_PASSPHRASE: 'x' })
    assert.match(r.line, /no passphrase/)
    assert.equal((await sdmpJson(home, ['status']))['encrypted'], false)
  })
})

describe('one process per home', () => {
  it('a second process gets the IN_USE line while the store is held', async (t) => {
    const home = join(tmpDir(t.after.bind(t)), 'h')
    await sdmpJson(home, ['init'])
    const store = new SqliteStore({ dir: join(home, 'store'), sha512: provider.sha512 })
    await store.open()
    try {
      const r = await sdmpFails(home, ['post', 'blocked'])
      assert.equal(r.code, 75)
      assert.match(
        r.line,
        new RegExp(`^sdmp: store in use by another process \\(pid ${process.pid}\\)`),
      )
      const json = await runSdmp(['status', '--home', home, '--json'])
      assert.equal(JSON.parse(json.stderr).error.code, 'IN_USE')
    } finally {
      await store.close()
    }
    // Released: the next command works, and the refused post left nothing behind.
    const status = await sdmpJson(home, ['status'])
    assert.equal((status['counts'] as { resources: number }).resources, 4)
  })
})
