/**
 * `sdmp edit`, `sdmp delete`, `sdmp show --history` and `sdmp post edit|delete` between homes
 * (direct mode; docs/cli.md "Edit and delete"): the recipient sees the latest version marked
 * edited and its history, then "deleted"; a short id works; anyone but the author gets
 * FORBIDDEN with a clear message; malformed and unknown ids fail with their codes.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { makeMutual, newUser, sdmpFails, sdmpJson, sdmpText } from './messaging-helpers.js'

describe('sdmp edit, delete and show --history (direct mode)', () => {
  it('alice edits and deletes; bob sees the edit, its history, then deleted', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    const { id } = await sdmpJson(alice.home, ['send', 'Bob', 'helo'])
    const short = (id as string).slice(0, 10)

    const edited = await sdmpJson(alice.home, ['edit', short, 'hello'])
    assert.equal(edited['message']['id'], id)
    assert.equal(edited['message']['body'], 'hello')
    assert.equal(typeof edited['message']['edited'], 'string')
    await syncHomes(alice.home, bob.home)

    const [listed] = (await sdmpJson(bob.home, ['inbox', '--messages']))['messages'] as Record<
      string,
      any
    >[]
    assert.equal(listed!['body'], 'hello')
    assert.equal(listed!['edited'], edited['message']['edited'])
    assert.equal(listed!['deleted'], false)
    const history = await sdmpJson(bob.home, ['show', short, '--history'])
    assert.deepEqual(Object.keys(history), ['message', 'versions'])
    assert.deepEqual(
      (history['versions'] as { body: string }[]).map((v) => v.body),
      ['helo', 'hello'],
    )
    const text = await sdmpText(bob.home, ['show', short, '--history'])
    assert.match(text, /edited:/)
    assert.match(text, /version 1 .*\nhelo/)

    // Bob may neither edit nor delete Alice's message.
    for (const args of [
      ['edit', short, 'mine now'],
      ['delete', short],
    ]) {
      const f = await sdmpFails(bob.home, args)
      assert.equal(f.code, 77, f.line)
      assert.equal(f.error, 'FORBIDDEN')
      assert.match(f.line, /is not yours: only its author may (edit|delete) it/)
    }

    const deleted = await sdmpJson(alice.home, ['delete', short])
    assert.equal(deleted['message']['deleted'], true)
    await syncHomes(alice.home, bob.home)
    const shown = await sdmpJson(bob.home, ['show', short])
    assert.equal(shown['message']['deleted'], true)
    assert.equal(shown['message']['body'], '')
    assert.match(await sdmpText(bob.home, ['show', short]), /\(deleted\)/)
    assert.deepEqual((await sdmpJson(bob.home, ['show', short, '--history']))['versions'], [])
    const again = await sdmpFails(alice.home, ['edit', short, 'back'])
    assert.equal(again.error, 'CONFLICT')
  })

  it('bad ids: malformed, unknown', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const malformed = await sdmpFails(alice.home, ['edit', 'x!', 'text'])
    assert.equal(malformed.error, 'BAD_REQUEST')
    const unknown = await sdmpFails(alice.home, ['delete', 'A'.repeat(86)])
    assert.equal(unknown.error, 'NOT_FOUND')
    assert.equal(unknown.code, 66)
    const history = await sdmpFails(alice.home, ['show', 'A'.repeat(86), '--history'])
    assert.equal(history.error, 'NOT_FOUND')
    for (const cmd of [['edit'], ['delete'], ['post', 'edit']]) {
      const help = await sdmpText(alice.home, [...cmd, '--help'])
      assert.match(help, /only (its|the) author may/i, cmd.join(' '))
      assert.match((await sdmpJson(alice.home, [...cmd, '--help']))['usage'], /ID/)
    }
  })

  it('posts: the author edits and deletes; the reader follows; others are refused', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    const { id } = await sdmpJson(alice.home, ['post', 'first draft'])
    // The plain form still posts (a word that names no subcommand is the text).
    assert.match((await sdmpJson(alice.home, ['post', 'editorial']))['id'], /^[A-Za-z0-9_-]{86}$/)
    const edited = await sdmpJson(alice.home, ['post', 'edit', id, 'final'])
    assert.equal(edited['post']['body'], 'final')
    assert.equal(typeof edited['post']['edited'], 'string')
    await syncHomes(alice.home, bob.home)
    const seen = await sdmpJson(bob.home, ['show', id])
    assert.equal(seen['post']['body'], 'final')
    const f = await sdmpFails(bob.home, ['post', 'delete', id])
    assert.equal(f.error, 'FORBIDDEN')
    assert.match(f.line, /is not yours/)
    await sdmpJson(alice.home, ['post', 'delete', id])
    await syncHomes(alice.home, bob.home)
    const gone = await sdmpJson(bob.home, ['show', id])
    assert.equal(gone['post']['deleted'], true)
    assert.equal(gone['post']['body'], '')
  })
})
