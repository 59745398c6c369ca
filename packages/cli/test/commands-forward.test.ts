/**
 * `sdmp forward` through the real executable between three homes in direct mode: Alice writes
 * to Bob, Bob forwards to Carol (who does not know Alice) with a note; Carol's inbox --json
 * carries forwardedFrom (Alice's fingerprint, the original id) and `show` says who wrote it.
 * Also its usage and error paths, with and without --json.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { makeMutual, newUser, sdmpFails, sdmpJson, sdmpText } from './messaging-helpers.js'
import { runSdmp } from './run-sdmp.js'

describe('sdmp forward (direct mode)', () => {
  it('bob forwards alice’s message to carol, who sees it as alice’s', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    const carol = await newUser(dir, 'Carol')
    await makeMutual(alice.home, bob.home)
    await makeMutual(bob.home, carol.home)

    const { id: original } = await sdmpJson(alice.home, [
      'send',
      'Bob',
      '# Plan\n**ship** it',
      '--type',
      'markdown',
    ])
    await syncHomes(alice.home, bob.home)
    const sent = await sdmpJson(bob.home, [
      'forward',
      original.slice(0, 8),
      'Carol',
      '--note',
      'from alice',
    ])
    assert.deepEqual(Object.keys(sent), ['id', 'state', 'reason'])
    assert.equal(sent['state'], 'sent')
    await syncHomes(bob.home, carol.home)

    const { messages } = await sdmpJson(carol.home, ['inbox', '--messages'])
    const m = messages.find((x: { id: string }) => x.id === sent['id'])
    assert.ok(m, 'carol has the forward')
    assert.equal(m.from, bob.user)
    assert.equal(m.body, '# Plan\n**ship** it')
    assert.equal(m.type, 'markdown')
    assert.equal(m.forwardedFrom.user, alice.user)
    assert.equal(m.forwardedFrom.id, original)
    assert.equal(m.forwardedFrom.note, 'from alice')
    const { contacts } = await sdmpJson(carol.home, ['contact', 'list'])
    assert.ok(!contacts.some((c: { user: string }) => c.user === alice.user), 'alice is a stranger')

    const shown = await sdmpText(carol.home, ['show', sent['id']])
    assert.match(shown, new RegExp(`forward: {2}from ${alice.user}, signature verified`))
    assert.match(shown, new RegExp(`original: ${original}`))
    assert.match(shown, /note: {5}from alice/)
    assert.match(shown, /\n\nPlan\nship it\n$/)
    assert.match(await sdmpText(carol.home, ['chat', 'Bob']), /↪ forwarded from \S+: from alice/)
    // Bob sees Alice's name on his own copy.
    assert.match(await sdmpText(bob.home, ['show', sent['id']]), /forward: {2}from Alice \(/)
    // A message that is no forward has forwardedFrom null.
    const own = await sdmpJson(bob.home, ['show', original])
    assert.equal(own['message']['forwardedFrom'], null)
  })

  it('checks its arguments and says what is wrong', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const bob = await newUser(dir, 'Bob')
    const help = await runSdmp(['forward', '--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /forward ID TO\.\.\. \[--note TEXT\]/)
    const missing = await runSdmp(['forward', 'A'.repeat(86), '--home', bob.home])
    assert.equal(missing.code, 2, 'no recipient is a usage error')
    assert.equal((await sdmpFails(bob.home, ['forward', 'bad!', 'Carol'])).error, 'BAD_REQUEST')
    const unknown = await sdmpFails(bob.home, ['forward', 'A'.repeat(86), 'Carol'])
    assert.equal(unknown.error, 'NOT_FOUND')
    assert.equal(unknown.code, 66)
    const empty = await runSdmp(['forward', 'A'.repeat(86), 'a,,b', '--home', bob.home])
    assert.equal(empty.code, 2)
    assert.match(empty.stderr, /forward: empty recipient/)
  })
})
