/**
 * Content types between two homes through the real `sdmp` executable (docs/cli.md "Content
 * types"): the type the sender declares travels with the message; `show` renders markdown (plain
 * here: stdout is not a terminal), shows html as text after a note and never prints a control
 * character of a hostile body; `--json` keeps the body exactly as sent.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { makeMutual, newUser, sdmpJson, sdmpText } from './messaging-helpers.js'

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

describe('sdmp send --type and show', () => {
  it('markdown, html and a hostile text body reach bob and show safely', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)

    const markdown = '# Plan\n\n- **ship** it\n- read `docs/cli.md`'
    const html = '<p>Hi <b>Bob</b> &amp; <a href="https://evil.test">you</a></p>'
    const hostile = 'before\u001b]0;owned\u0007\u001b[2J\u009b31mafter'
    const ids: string[] = []
    for (const [type, body] of [
      ['markdown', markdown],
      ['html', html],
      ['text', hostile],
    ] as const)
      ids.push((await sdmpJson(alice.home, ['send', 'Bob', body, '--type', type]))['id'] as string)
    await syncHomes(alice.home, bob.home)

    const [md, ht, tx] = ids as [string, string, string]
    const json = await sdmpJson(bob.home, ['show', md])
    assert.equal(json['message']['type'], 'markdown')
    assert.equal(json['message']['body'], markdown, '--json keeps the body as sent')

    const shownMd = await sdmpText(bob.home, ['show', md])
    assert.match(shownMd, /\n\nPlan\n\n• ship it\n• read docs\/cli\.md\n$/)
    assert.match(shownMd, /type: {5}markdown/)
    assert.doesNotMatch(shownMd, /\u001b/, 'no color when stdout is not a terminal')

    const shownHtml = await sdmpText(bob.home, ['show', ht])
    assert.match(shownHtml, /\n\n\(html shown as text\)\nHi Bob & you\n$/)
    assert.doesNotMatch(shownHtml, /evil\.test|<p>/)

    const shownText = await sdmpText(bob.home, ['show', tx])
    assert.doesNotMatch(shownText, CONTROL)
    assert.match(shownText, /before\u241b\]0;owned\u2407\u241b\[2J\ufffd31mafter/)
    // The inbox and the chat log print the same bodies escaped too.
    for (const args of [['inbox', '--messages'], ['inbox'], ['chat', 'Alice']])
      assert.doesNotMatch(await sdmpText(bob.home, args), CONTROL, args.join(' '))
  })
})
