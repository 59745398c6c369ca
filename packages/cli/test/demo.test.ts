/**
 * Smoke test of the product path `npm start` runs today: `sdmp demo` on SQLite, as a real
 * process. The stores it leaves behind are reopened and their journals re-verified here.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createNodeProvider } from '@sdmp/crypto-node'
import { verifyJournal } from '@sdmp/core'
import { SqliteStore } from '@sdmp/store-sqlite'
import { tmpDir } from '@sdmp/testkit'
import { runSdmp } from './run-sdmp.js'

describe('sdmp demo', () => {
  it('exchanges an encrypted message and a receipt, leaving two verifiable SQLite stores', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const run = await runSdmp(['demo', '--dir', dir, '--json'])
    assert.equal(run.code, 0, run.stderr)
    const out = JSON.parse(run.stdout)
    assert.match(out.message, /^Hello Bob/)
    assert.deepEqual(
      out.steps.map((s: { step: string }) => s.step),
      ['identity', 'identity', 'trust', 'send', 'receive', 'receipt', 'journal', 'journal'],
    )
    const provider = createNodeProvider()
    for (const name of ['alice', 'bob']) {
      const store = new SqliteStore({ dir: `${dir}/${name}`, sha512: provider.sha512 })
      await store.open()
      try {
        const lines = (await store.readJournal(0, 1000)).map((r) => r.line)
        assert.equal(lines.length, out.journals[name])
        assert.equal(verifyJournal(lines, provider.sha512).ok, true)
        assert.equal(await store.countResources(), lines.length - 1)
      } finally {
        await store.close()
      }
    }
  })

  it('prints a readable report without --json', async (t) => {
    const run = await runSdmp(['demo', '--dir', tmpDir(t.after.bind(t))])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /receive\s+bob's node verified, stored and opened it/)
    assert.match(run.stdout, /hash chain verified/)
  })
})
