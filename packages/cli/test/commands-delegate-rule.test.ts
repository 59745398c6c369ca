/**
 * Issue 16 from the command line (direct mode, no daemon): `delegate grant|list|revoke`,
 * `send --for`, the `onBehalfOf` member of `inbox --json` with "Bob for Alice" in the text
 * inbox, and `rule add|list|remove`, each with `--json` and with bad input.
 * Between mailboxes: packages/daemon/test/delegation.test.ts, forward-rules.test.ts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { makeMutual, newUser, sdmpFails, sdmpJson, sdmpText } from './messaging-helpers.js'

describe('sdmp delegate and send --for', () => {
  it('grants, shows bob for alice in carol’s inbox, lists and revokes', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    const carol = await newUser(dir, 'Carol')
    await makeMutual(alice.home, bob.home)
    await makeMutual(alice.home, carol.home)
    await makeMutual(bob.home, carol.home)

    assert.equal((await sdmpFails(alice.home, ['delegate', 'grant', 'Bob'])).error, 'USAGE')
    assert.equal(
      (await sdmpFails(alice.home, ['delegate', 'grant', 'Bobb', '--send'])).error,
      'NOT_FOUND',
    )
    const g = await sdmpJson(alice.home, ['delegate', 'grant', 'Bob', '--send', '--until', '7d'])
    assert.deepEqual(
      [g['principal'], g['delegate'], g['scope'], g['state']],
      [alice.user, bob.user, ['send'], 'active'],
    )
    assert.ok(Date.parse(g['until']) > Date.now())
    await syncHomes(alice.home, bob.home)
    await syncHomes(alice.home, carol.home)
    const received = (await sdmpJson(bob.home, ['delegate', 'list']))['received']
    assert.equal(received[0].principal, alice.user)

    const sent = await sdmpJson(bob.home, ['send', 'Carol', 'moved to 3pm', '--for', 'Alice'])
    await syncHomes(bob.home, carol.home)
    const [m] = (await sdmpJson(carol.home, ['inbox', '--messages']))['messages']
    assert.equal(m.id, sent['id'])
    assert.equal(m.onBehalfOf, alice.user)
    assert.deepEqual([m.edited, m.deleted, m.forwardedFrom], [null, false, null])
    assert.match(await sdmpText(carol.home, ['inbox', '--messages']), /Bob for Alice/)

    const r = await sdmpJson(alice.home, ['delegate', 'revoke', 'Bob'])
    assert.equal(r['revoked'][0].state, 'revoked')
    assert.equal(
      await sdmpText(alice.home, ['delegate', 'revoke', 'Bob']),
      'Bob had no active delegation\n',
    )
    // (Bob's node refusing to send after it learns the revoke: daemon/test/delegation.test.ts.)
    const granted = (await sdmpJson(alice.home, ['delegate', 'list']))['granted']
    assert.deepEqual(
      granted.map((d: any) => d.state),
      ['revoked'],
    )
    assert.match(await sdmpText(alice.home, ['delegate', 'list']), /to Bob +send +revoked/)
  })
})

describe('sdmp rule', () => {
  it('adds, lists and removes forwarding rules; refuses bad input', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    assert.equal((await sdmpFails(alice.home, ['rule', 'add', '--to', 'Bob'])).error, 'USAGE')
    assert.equal((await sdmpFails(alice.home, ['rule', 'add', '--from', '*'])).error, 'USAGE')
    assert.equal(
      (await sdmpFails(alice.home, ['rule', 'add', '--from', 'a b', '--to', 'Bob'])).error,
      'BAD_REQUEST',
    )
    assert.equal(
      (await sdmpFails(alice.home, ['rule', 'add', '--from', '*', '--to', 'Nobody'])).error,
      'NOT_FOUND',
    )
    const r = await sdmpJson(alice.home, ['rule', 'add', '--from', 'work-*', '--to', 'Bob'])
    assert.deepEqual([r['from'], r['to']], ['work-*', [bob.user]])
    assert.deepEqual((await sdmpJson(alice.home, ['rule', 'list']))['rules'], [r])
    assert.match(await sdmpText(alice.home, ['rule', 'list']), /work-\* +Bob/)
    assert.equal((await sdmpJson(alice.home, ['rule', 'remove', r['id']]))['id'], r['id'])
    assert.equal(await sdmpText(alice.home, ['rule', 'list']), 'no forwarding rules\n')
    assert.equal((await sdmpFails(alice.home, ['rule', 'remove', r['id']])).error, 'NOT_FOUND')
  })
})
