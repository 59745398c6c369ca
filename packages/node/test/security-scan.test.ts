/**
 * Issue 6: the whole-run log scan (testkit secrets.ts, used by scripts/run-tests.mjs) catches a
 * planted secret in every form it may leak in, names it by label and file only, and stays
 * quiet on clean logs.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { registerSecret, scanForSecrets, tmpDir } from '@sdmp/testkit'

describe('security: log scan', () => {
  it('finds a planted secret in hex, base64url, base64 and text, by label and file', (t) => {
    const dir = tmpDir(t.after.bind(t))
    const logs = join(dir, 'logs')
    mkdirSync(join(logs, 'nested'), { recursive: true })
    const file = join(dir, 'secrets.jsonl')
    const seed = randomBytes(32)
    seed.set([0xfb, 0xff, 0xbf]) // base64 '+/+/': its base64 and base64url forms differ
    const token = `tok_${randomBytes(16).toString('hex')}`
    const body = `plaintext body ${randomBytes(8).toString('hex')}`
    registerSecret(seed, 'planted seed', { file })
    registerSecret(token, 'planted token', { file })
    registerSecret(body, 'planted body', { file })
    registerSecret('hi', 'too short to scan', { file })

    writeFileSync(join(logs, 'clean.log'), 'peer connected abcdef\nlistening on 127.0.0.1:0\n')
    assert.deepEqual(scanForSecrets(logs, file), [], 'clean logs have no hits')

    writeFileSync(join(logs, 'hex.log'), `key=${seed.toString('hex')}\n`)
    writeFileSync(join(logs, 'nested', 'b64.log'), `seed ${seed.toString('base64')} end`)
    writeFileSync(join(logs, 'token.log'), `Authorization: Bearer ${token}\n`)
    writeFileSync(join(logs, 'body.log'), `{"body":"${Buffer.from(body).toString('base64url')}"}`)
    const hits = scanForSecrets(logs, file)
    const seen = hits.map((h) => `${h.label}|${h.form}|${h.file.slice(logs.length + 1)}`).sort()
    assert.deepEqual(seen, [
      'planted body|base64url|body.log',
      'planted seed|base64|nested/b64.log',
      'planted seed|hex|hex.log',
      'planted token|text|token.log',
    ])
    // A report never carries the secret itself.
    const report = JSON.stringify(hits)
    for (const s of [seed.toString('hex'), seed.toString('base64url'), token, body])
      assert.ok(!report.includes(s))
  })

  it('registers nothing without SDMP_SECRETS_FILE or a file option', (t) => {
    const dir = tmpDir(t.after.bind(t))
    const saved = process.env['SDMP_SECRETS_FILE']
    delete process.env['SDMP_SECRETS_FILE']
    t.after(() => {
      if (saved !== undefined) process.env['SDMP_SECRETS_FILE'] = saved
    })
    registerSecret('a secret that goes nowhere', 'nowhere')
    writeFileSync(join(dir, 'x.log'), 'a secret that goes nowhere')
    assert.deepEqual(scanForSecrets(dir, join(dir, 'missing.jsonl')), [])
  })
})
