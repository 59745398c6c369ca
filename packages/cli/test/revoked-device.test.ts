/**
 * A revoked device is told, on the command line (issue 11; docs/protocol/trust.md §6.1): once
 * it holds its revocation (recorded in `<home>/revoked.json` by the node that learned it by
 * sync, see packages/daemon/test/devices.test.ts), `whoami`, `status` and `device list` open with
 * "this device was revoked on DATE by DEVICE", and commands that publish refuse with REVOKED.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import { linesOf, runSdmp } from './run-sdmp.js'
import { newUser, sdmpJson } from './messaging-helpers.js'

describe('a revoked device', () => {
  it('says so in whoami, status and device list, and refuses to publish', async (t) => {
    const { home } = await newUser(tmpDir(t.after.bind(t)), 'Phone')
    const by = 'L'.repeat(86)
    writeFileSync(
      join(home, 'revoked.json'),
      JSON.stringify({ at: '2026-12-05T10:00:00.000Z', by, resource: 'R'.repeat(86) }),
      { mode: 0o600 },
    )
    const message = `this device was revoked on 2026-12-05 by ${by.slice(0, 12)}`
    for (const args of [['whoami'], ['status'], ['device', 'list']]) {
      const json = await sdmpJson(home, args)
      assert.equal(json['revoked']['message'], message, args.join(' '))
      assert.equal(json['revoked']['by'], by)
      const text = await runSdmp([...args, '--home', home])
      assert.equal(text.code, 0, text.stderr)
      assert.equal(linesOf(text.stdout)[0], message, args.join(' '))
    }
    // REVOKED exits 77 (EX_NOPERM), like FORBIDDEN.
    const run = await runSdmp(['post', 'hello', '--home', home])
    assert.equal(run.code, 77, run.stderr)
    assert.match(run.stderr, new RegExp(`^sdmp: ${message}: it can no longer publish`))
  })
})
