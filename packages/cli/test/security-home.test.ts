/**
 * Issue 12 items 1 and 7c (docs/security.md "Hardening (issue 12)"): a home and everything in it
 * is private (0700 directories, 0600 files) whatever the umask, a pre-existing 0755 directory is
 * tightened by init, opening a home others can read is refused with the fix, and init on a file
 * says so instead of "internal error: EEXIST".
 * @module
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createNodeProvider } from '@sdmp/crypto-node'
import { Account } from '@sdmp/daemon/account'
import { SqliteStore } from '@sdmp/store-sqlite'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { runCli } from '../src/main.js'
import { linesOf, runSdmp } from './run-sdmp.js'

const T = { timeout: 120_000 }
const provider = createNodeProvider()

/** `sdmp ARGS --home HOME --json` in this process (so this file's umask applies, not bin's). */
async function cli(home: string, args: string[]): Promise<Record<string, any>> {
  let out = ''
  let err = ''
  const code = await runCli([...args, '--home', home, '--json'], {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: {},
  })
  assert.equal(code, 0, `sdmp ${args.join(' ')}: ${err}`)
  return JSON.parse(out) as Record<string, any>
}

/** Every path under `root` (root included) with its permission bits. */
function modes(root: string): Array<{ path: string; dir: boolean; mode: number }> {
  const found: Array<{ path: string; dir: boolean; mode: number }> = []
  const walk = (path: string, depth: number) => {
    assert.ok(depth < 10, `unexpectedly deep home at ${path}`)
    const st = statSync(path)
    found.push({ path, dir: st.isDirectory(), mode: st.mode & 0o777 })
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name), depth + 1)
  }
  walk(root, 0)
  return found
}

function assertPrivate(root: string): number {
  const all = modes(root)
  for (const f of all)
    assert.equal(
      f.mode.toString(8),
      (f.dir ? 0o700 : 0o600).toString(8),
      `${f.path} (${f.dir ? 'directory' : 'file'})`,
    )
  return all.length
}

describe('private homes (issue 12 item 1)', () => {
  let saved: number
  before(() => {
    saved = process.umask(0o022)
  })
  after(() => {
    process.umask(saved)
  })

  it('init, send and attachments leave only 0700 directories and 0600 files', T, async () => {
    const dir = tmpDir(after, 'sdmp-perms-')
    const alice = join(dir, 'alice')
    const bob = join(dir, 'bob')
    // A home that exists before init, as `mkdir -m 755` leaves it.
    mkdirSync(alice, { mode: 0o755 })
    chmodSync(alice, 0o755)
    await cli(alice, ['init', '--name', 'Alice'])
    await cli(bob, ['init', '--name', 'Bob'])
    assertPrivate(alice)

    const { invite: ia } = await cli(alice, ['invite'])
    const { invite: ib } = await cli(bob, ['invite'])
    await cli(bob, ['contact', 'add', ia])
    await cli(alice, ['contact', 'add', ib])
    await syncHomes(alice, bob)
    await syncHomes(bob, alice)
    const file = join(dir, 'data.bin')
    writeFileSync(file, randomBytes(100_000))
    const { id } = await cli(alice, ['send', 'Bob', 'hello', '--attach', file])
    await cli(alice, ['send', 'Bob', 'again'])
    await syncHomes(alice, bob)
    const out = join(dir, 'out')
    mkdirSync(out)
    await cli(alice, ['save', id, '--out', out])

    // The WAL exists while the store is open (a clean close checkpoints and removes it).
    const open = await Account.open({
      home: alice,
      provider,
      createStore: (d) => new SqliteStore({ dir: d, sha512: provider.sha512 }),
    })
    let names: string[]
    try {
      names = modes(alice).map((f) => f.path.slice(alice.length))
      assertPrivate(alice)
    } finally {
      await open.close()
    }
    for (const part of ['/api-token', '/config.json', '/store/store.db', '/store/store.db-wal'])
      assert.ok(names.includes(part), `${part} exists (it is checked)`)
    assert.ok(
      names.some((n) => n.startsWith('/store/blobs/') && /[0-9a-f]{64}$/.test(n)),
      'a blob file exists (it is checked)',
    )
    assert.ok(assertPrivate(alice) > 8)
    assertPrivate(bob)
    // The user's own directory keeps its mode; the saved file is private.
    const savedFiles = modes(out).filter((f) => !f.dir)
    assert.equal(savedFiles.length, 1)
    assert.equal(savedFiles[0]!.mode.toString(8), '600')
  })

  it('the executable creates a private home under umask 022', T, async () => {
    const dir = tmpDir(after, 'sdmp-perms-bin-')
    const home = join(dir, 'home')
    mkdirSync(home, { mode: 0o755 })
    chmodSync(home, 0o755)
    const r = await runSdmp(['init', '--home', home, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assertPrivate(home)
  })

  it('start and inbox refuse a home whose store others can read, naming the fix', T, async () => {
    const dir = tmpDir(after, 'sdmp-perms-refuse-')
    const home = join(dir, 'home')
    await cli(home, ['init', '--name', 'Alice'])
    for (const [path, mode] of [
      [join(home, 'store', 'store.db'), 0o640],
      [join(home, 'config.json'), 0o620],
      [home, 0o755],
      [join(home, 'api-token'), 0o620],
    ] as const) {
      chmodSync(path, mode)
      for (const args of [['start', '--peer', '127.0.0.1:0', '--api', '127.0.0.1:0'], ['inbox']]) {
        const r = await runSdmp([...args, '--home', home])
        assert.equal(r.code, 77, `${args[0]} with ${path} at ${mode.toString(8)}: ${r.stderr}`)
        assert.equal(r.stdout, '')
        const lines = linesOf(r.stderr)
        assert.equal(lines.length, 1, r.stderr)
        assert.equal(
          lines[0],
          `sdmp: ${path} is accessible by other users (mode 0${mode.toString(8)}); ` +
            `the home holds your keys: run chmod -R go-rwx ${home}`,
        )
        const j = await runSdmp([...args, '--home', home, '--json'])
        assert.equal(j.code, 77)
        assert.equal(JSON.parse(j.stderr).error.code, 'FORBIDDEN')
      }
      // The printed fix works.
      chmodSync(path, statSync(path).isDirectory() ? 0o700 : 0o600)
      await cli(home, ['inbox'])
    }
  })
})

describe('init on a path that is a file (issue 12 item 7c)', () => {
  it('says the home is a file, with a CONFLICT exit code', T, async () => {
    const dir = tmpDir(after, 'sdmp-init-file-')
    const home = join(dir, 'home')
    writeFileSync(home, 'not a directory')
    for (const target of [home, join(home, 'below')]) {
      const r = await runSdmp(['init', '--home', target])
      assert.equal(r.code, 73, r.stderr)
      assert.doesNotMatch(r.stderr, /internal error/)
      assert.match(
        r.stderr,
        target === home
          ? /^sdmp: .*\/home is a file, not a directory: choose another --home\n$/
          : /^sdmp: cannot create the home .*\/home\/below \(ENOTDIR\)\n$/,
      )
    }
  })
})
