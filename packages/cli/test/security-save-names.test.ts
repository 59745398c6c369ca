/**
 * Issue 12 item 5 (docs/security.md "Hardening (issue 12)"): `sdmp save` names files by
 * safeFileName, never by the sender's name as given (`.bash_profile`, `../../x`, a right-to-left
 * override), writes only inside the target directory and never overwrites a file that exists:
 * the next one is `name (1).ext`.
 * @module
 */
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createNodeProvider } from '@sdmp/crypto-node'
import { openNodeService } from '@sdmp/daemon'
import { SqliteStore } from '@sdmp/store-sqlite'
import { tmpDir } from '@sdmp/testkit'
import { makeMutual, newUser, sdmpJson } from './messaging-helpers.js'

const T = { timeout: 120_000 }
const provider = createNodeProvider()

const HOSTILE = ['.bash_profile', '../../x', 'invoice\u202Efdp.sh', '.bash_profile']

describe('sdmp save with sender-chosen names', () => {
  it('writes safe names inside the target directory and never overwrites', T, async () => {
    const dir = tmpDir(after, 'sdmp-save-names-')
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)

    // The names a hostile sender puts in its message (the CLI's own send would not).
    const opened = await openNodeService({
      home: alice.home,
      provider,
      createStore: (d) => new SqliteStore({ dir: d, sha512: provider.sha512 }),
    })
    let id: string
    try {
      const refs = []
      for (const [i, name] of HOSTILE.entries()) {
        const bytes = new TextEncoder().encode(`file ${i}\n`)
        const blob = await opened.api.uploadBlob(
          (async function* () {
            yield bytes
          })(),
        )
        refs.push({ ...blob, name })
      }
      id = (await opened.api.send({ to: [bob.user], body: 'files', attachments: refs })).id
    } finally {
      await opened.close()
    }

    const deep = join(dir, 'a', 'b')
    const out = join(deep, 'out')
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, '_bash_profile'), 'mine\n')
    const saved = await sdmpJson(alice.home, ['save', id, '--out', out])
    const paths = (saved['saved'] as Array<{ path: string; name: string }>).map((s) => s.path)
    assert.deepEqual(paths, [
      join(out, '_bash_profile (1)'),
      join(out, 'x'),
      join(out, 'invoice_fdp.sh'),
      join(out, '_bash_profile (2)'),
    ])
    assert.deepEqual(
      (saved['saved'] as Array<{ name: string }>).map((s) => s.name),
      HOSTILE,
      'the JSON still reports the name the sender gave',
    )
    assert.equal(readFileSync(join(out, '_bash_profile'), 'utf8'), 'mine\n', 'not overwritten')
    assert.equal(readFileSync(join(out, '_bash_profile (1)'), 'utf8'), 'file 0\n')
    assert.equal(readFileSync(join(out, 'x'), 'utf8'), 'file 1\n')
    assert.equal(readFileSync(join(out, '_bash_profile (2)'), 'utf8'), 'file 3\n')
    assert.deepEqual(readdirSync(deep), ['out'], 'nothing written outside the target directory')
    assert.deepEqual(readdirSync(join(dir, 'a')), ['b'])

    // Saving again keeps everything and numbers on.
    const again = await sdmpJson(alice.home, ['save', id, '--out', out])
    assert.deepEqual(
      again['saved'].map((s: { path: string }) => s.path),
      ['_bash_profile (3)', 'x (1)', 'invoice_fdp (1).sh', '_bash_profile (4)'].map((n) =>
        join(out, n),
      ),
    )
    const files = readdirSync(out).sort()
    assert.equal(files.length, 9)
    for (const f of files) {
      assert.doesNotMatch(f, /^\./, 'no hidden file')
      assert.doesNotMatch(f, /[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/u, 'no control or bidi')
    }
  })
})
