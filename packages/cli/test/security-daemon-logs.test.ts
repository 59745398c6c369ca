/**
 * Issue 6 with real daemons on loopback: two users exchange an end-to-end message; neither
 * daemon's log (stderr) holds an API token or the message's plaintext. The bodies and tokens
 * are also registered for the whole-run scan of scripts/run-tests.mjs (daemon-proc.ts writes
 * every daemon's stderr into the run's log directory).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, afterEach, describe, it } from 'node:test'
import { registerSecret, scanForSecrets, tmpDir, waitFor } from '@sdmp/testkit'
import { befriend, newHome, startDaemon, stopAllDaemons, waitConnected } from './daemon-proc.js'

afterEach(stopAllDaemons)

describe('security: daemon logs', () => {
  it('hold no api token and no message plaintext', { timeout: 120_000 }, async () => {
    const [ha, hb] = await Promise.all([newHome(after, 'alice'), newHome(after, 'bob')])
    const [a, b] = await Promise.all([startDaemon(ha!), startDaemon(hb!)])
    const [ua, ub] = await Promise.all([a!, b!].map(async (d) => (await d.client.whoami()).user!))
    await befriend(a!, 'alice', b!, 'bob')
    await waitConnected(a!, ub!)
    await waitConnected(b!, ua!)

    const body = `for bob only ${randomBytes(12).toString('hex')}`
    registerSecret(body, 'message body alice to bob (daemons)')
    const sent = await a!.client.send({ to: ['bob'], body })
    const got = await waitFor(
      async () => (await b!.client.inbox({})).messages.find((m) => m.id === sent.id),
      { timeout: 30_000, what: 'the message at bob' },
    )
    assert.equal(got.body, body)
    await Promise.all([a!.stop(), b!.stop()])

    // Scan both logs here too, so the check holds when this file runs on its own.
    const dir = tmpDir(after)
    const registry = join(dir, 'secrets.jsonl')
    const logs = join(dir, 'logs')
    mkdirSync(logs)
    registerSecret(body, 'message body', { file: registry })
    for (const d of [a!, b!]) {
      const token = readFileSync(join(d.home, 'api-token'), 'utf8').trim()
      registerSecret(token, `api-token of ${d === a ? 'alice' : 'bob'}`, { file: registry })
      assert.ok(d.stderr().length > 0, 'the daemon logged its connection events')
      writeFileSync(join(logs, `${d === a ? 'alice' : 'bob'}.log`), d.stderr())
    }
    assert.deepEqual(scanForSecrets(logs, registry), [])
  })
})
