/**
 * `sdmp init` recovery words and `sdmp identity rotate|recover` through the real executable
 * (docs/cli.md "Recovery and rotation"): the words are shown once and recover the identity on
 * a new device, read from a file or standard input and never from an argument.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import { runSdmp } from './run-sdmp.js'
import { sdmpFails, sdmpJson, sdmpText } from './messaging-helpers.js'

describe('sdmp identity', () => {
  it('init shows 24 recovery words once; recover takes them on a new device', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const laptop = join(dir, 'laptop')
    const init = await sdmpJson(laptop, ['init', '--name', 'Alice'])
    const words = init['recoveryWords'] as string
    assert.equal(words.split(' ').length, 24)
    assert.ok(!JSON.stringify(await sdmpJson(laptop, ['whoami'])).includes(words.split(' ')[0]!))
    const invite = (await sdmpJson(laptop, ['invite']))['invite'] as string

    const fresh = join(dir, 'fresh')
    await sdmpJson(fresh, ['init', '--join', '--name', 'new-laptop'])
    const noFile = await sdmpFails(fresh, ['identity', 'recover', invite])
    assert.equal(noFile.code, 2)
    assert.match(noFile.line, /--words-file/)
    const wrong = join(dir, 'wrong.txt')
    writeFileSync(wrong, words.split(' ').reverse().join(' '), { mode: 0o600 })
    const refused = await sdmpFails(fresh, ['identity', 'recover', invite, '--words-file', wrong])
    assert.equal(refused.error, 'BAD_REQUEST')
    assert.match(refused.line, /checksum|not a recovery word/)

    // As people copy them from the screen: numbered, over several lines, from stdin.
    const typed = words
      .split(' ')
      .map((w, i) => `${i + 1} ${w.toUpperCase()}`)
      .join('\n')
    const run = await runSdmp(
      ['identity', 'recover', invite, '--words-file', '-', '--home', fresh, '--json'],
      {},
      typed,
    )
    assert.equal(run.code, 0, run.stderr)
    const recovered = JSON.parse(run.stdout) as Record<string, unknown>
    assert.equal(recovered['kind'], 'recovery')
    assert.equal(recovered['previous'], init['user'])
    assert.notEqual(recovered['recoveryWords'], words)
    assert.equal((await sdmpJson(fresh, ['whoami']))['user'], recovered['user'])

    // The people-facing output shows the new words once, numbered.
    const text = await sdmpText(laptop, ['identity', 'rotate'])
    assert.match(text, /identity rotated: 1 device and 0 contacts trusted by the new key/)
    assert.doesNotMatch(text, /Recovery words/, 'a planned rotation keeps the same words')
    assert.notEqual((await sdmpJson(laptop, ['whoami']))['user'], init['user'])
  })
})
