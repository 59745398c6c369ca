/**
 * Issue 16 from the command line (direct mode, no daemon): `block`/`unblock`/`blocks` with
 * `--hide`, `settings` and `settings set read-receipts`, `profile` and `profile set --name`,
 * each with `--json` and with bad input (unknown names get the closest one suggested).
 * Between daemons: packages/daemon/test/blocking.test.ts, read-receipts.test.ts, profile.test.ts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { makeMutual, newUser, sdmpFails, sdmpJson, sdmpText } from './messaging-helpers.js'

describe('sdmp block, unblock, blocks', () => {
  it('blocks a contact, hides and shows again their messages; refuses bad names', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    const sent = await sdmpJson(bob.home, ['send', 'Alice', 'hello'])
    await syncHomes(bob.home, alice.home)
    assert.equal((await sdmpJson(alice.home, ['inbox', '--messages']))['messages'].length, 1)

    const bad = await sdmpFails(alice.home, ['block', 'Bobb'])
    assert.equal(bad.error, 'NOT_FOUND')
    assert.match(bad.line, /no contact named Bobb; did you mean 'Bob'\?/)
    assert.equal((await sdmpFails(alice.home, ['block', alice.user])).error, 'BAD_REQUEST')
    assert.equal((await sdmpFails(alice.home, ['block'])).error, 'USAGE')

    const blocked = await sdmpJson(alice.home, ['block', 'bob', '--hide'])
    assert.deepEqual([blocked['user'], blocked['name'], blocked['hide']], [bob.user, 'Bob', true])
    assert.deepEqual(
      (await sdmpJson(alice.home, ['blocks']))['blocks'].map((b: any) => [b.name, b.hide]),
      [['Bob', true]],
    )
    assert.match(await sdmpText(alice.home, ['blocks']), /^Bob +\S+ +hidden +\d{4}-/m)
    const contacts = (await sdmpJson(alice.home, ['contact', 'list']))['contacts']
    assert.equal(contacts[0].blocked, true)
    assert.match(await sdmpText(alice.home, ['contact', 'list']), /^Bob .* blocked /m)
    assert.deepEqual((await sdmpJson(alice.home, ['inbox', '--messages']))['messages'], [])
    assert.equal((await sdmpFails(alice.home, ['show', sent['id']])).error, 'NOT_FOUND')

    const unblocked = await sdmpJson(alice.home, ['unblock', 'Bob'])
    assert.deepEqual([unblocked['name'], unblocked['unblocked']], ['Bob', true])
    assert.equal((await sdmpJson(alice.home, ['inbox', '--messages']))['messages'].length, 1)
    assert.equal(await sdmpText(alice.home, ['unblock', 'Bob']), 'Bob was not blocked\n')
    assert.equal(await sdmpText(alice.home, ['blocks']), 'nobody is blocked\n')
    assert.equal((await sdmpFails(alice.home, ['unblock', 'Bobb'])).error, 'NOT_FOUND')
  })
})

describe('sdmp settings', () => {
  it('shows read receipts off by default, sets them for all or one contact', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    assert.deepEqual(await sdmpJson(alice.home, ['settings']), {
      readReceipts: false,
      requests: 'open',
      contacts: [],
    })
    assert.equal(
      await sdmpText(alice.home, ['settings', 'show']),
      'read-receipts  off\nrequests       open\n',
    )
    const set = await sdmpJson(alice.home, ['settings', 'set', 'read-receipts', 'on'])
    assert.equal(set['readReceipts'], true)
    const one = await sdmpJson(alice.home, [
      'settings',
      'set',
      'read-receipts',
      'off',
      '--contact',
      'Bob',
    ])
    assert.deepEqual(one['contacts'], [{ user: bob.user, name: 'Bob', readReceipts: false }])
    assert.match(await sdmpText(alice.home, ['settings']), /^Bob +off$/m)
    const back = ['settings', 'set', 'read-receipts', 'default', '--contact', 'Bob']
    assert.deepEqual((await sdmpJson(alice.home, back))['contacts'], [])

    const unknown = await sdmpFails(alice.home, ['settings', 'set', 'read-receipt', 'on'])
    assert.equal(unknown.error, 'USAGE')
    assert.match(unknown.line, /did you mean 'read-receipts'/)
    const value = ['settings', 'set', 'read-receipts', 'yes']
    assert.equal((await sdmpFails(alice.home, value)).error, 'USAGE')
    const noContact = ['settings', 'set', 'read-receipts', 'default']
    assert.equal((await sdmpFails(alice.home, noContact)).error, 'USAGE')
    const who = ['settings', 'set', 'read-receipts', 'on', '--contact', 'Bobb']
    const missing = await sdmpFails(alice.home, who)
    assert.equal(missing.error, 'NOT_FOUND')
    assert.match(missing.line, /did you mean 'Bob'/)
  })
})

describe('sdmp requests', () => {
  it('lists none, sets the policy, and refuses bad addresses and ids with coded errors', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    assert.deepEqual(await sdmpJson(alice.home, ['requests']), { requests: [] })
    assert.equal(await sdmpText(alice.home, ['requests', 'list']), 'no message requests\n')
    const closed = await sdmpJson(alice.home, ['settings', 'set', 'requests', 'closed'])
    assert.equal(closed['requests'], 'closed')
    assert.equal(
      (await sdmpFails(alice.home, ['settings', 'set', 'requests', 'no'])).error,
      'USAGE',
    )
    const missing = await sdmpFails(alice.home, ['requests', 'accept', 'abcdefgh'])
    assert.equal(missing.error, 'NOT_FOUND')
    const noText = await sdmpFails(alice.home, ['request', 'send', 'x@127.0.0.1:1'])
    assert.equal(noText.error, 'USAGE')
    const bad = await sdmpFails(alice.home, ['request', 'send', 'nobody', '--text', 'hi'])
    assert.equal(bad.error, 'BAD_REQUEST')
  })
})

describe('sdmp profile', () => {
  it('publishes a new display name that a contact sees beside their own name for us', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)
    const first = await sdmpJson(alice.home, ['profile'])
    assert.deepEqual([first['user'], first['name']], [alice.user, 'Alice'])
    const set = await sdmpJson(alice.home, ['profile', 'set', '--name', 'Alice Liddell'])
    assert.equal(set['name'], 'Alice Liddell')
    assert.ok(set['updated'] > first['updated'], 'a newer version')
    assert.equal((await sdmpJson(alice.home, ['profile', 'show']))['name'], 'Alice Liddell')
    assert.equal((await sdmpJson(alice.home, ['whoami']))['name'], 'Alice Liddell')

    await syncHomes(alice.home, bob.home)
    const [c] = (await sdmpJson(bob.home, ['contact', 'list']))['contacts']
    assert.deepEqual([c.name, c.displayName], ['Alice', 'Alice Liddell'], 'his name for her stays')
    assert.match(await sdmpText(bob.home, ['contact', 'list']), /^Alice +Alice Liddell +/m)

    assert.equal((await sdmpFails(alice.home, ['profile', 'set'])).error, 'USAGE')
    const long = ['profile', 'set', '--name', 'x'.repeat(129)]
    assert.equal((await sdmpFails(alice.home, long)).error, 'BAD_REQUEST')
    const blank = ['profile', 'set', '--name', '  ']
    assert.equal((await sdmpFails(alice.home, blank)).error, 'BAD_REQUEST')
  })
})
