/**
 * `sdmp group` and `sdmp send @NAME` through the real executable in direct mode (homes synced
 * in process): Alice creates a group with Bob, Bob writes to it, Alice's inbox --json carries
 * `group`, `chat @team` shows the membership event, and a removal shows in `group list`. Also
 * the usage and error paths, with and without --json. (Members who are not contacts, relay and
 * forgeries: packages/daemon/test/group-daemons.test.ts.)
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { makeMutual, newUser, sdmpFails, sdmpJson, sdmpText } from './messaging-helpers.js'
import { runSdmp } from './run-sdmp.js'

describe('sdmp group (direct mode)', () => {
  it('creates a group, sends to @NAME, shows it in inbox and chat, removes a member', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await newUser(dir, 'Alice')
    const bob = await newUser(dir, 'Bob')
    await makeMutual(alice.home, bob.home)

    const created = await sdmpJson(alice.home, ['group', 'create', 'team', 'Bob'])
    assert.equal(created['name'], 'team')
    assert.equal(created['version'], 1)
    assert.equal(created['admin'], alice.user)
    assert.deepEqual(
      created['members'].map((m: { name: string; admin: boolean }) => [m.name, m.admin]),
      [
        ['Alice', true],
        ['Bob', false],
      ],
    )
    await syncHomes(alice.home, bob.home)
    const { groups } = await sdmpJson(bob.home, ['group', 'list'])
    assert.equal(groups.length, 1)
    assert.equal(groups[0].id, created['id'])
    assert.match(await sdmpText(bob.home, ['group', 'list']), /team .*Alice \(admin\), Bob .*v1/)

    const sent = await sdmpJson(bob.home, ['send', '@team', 'hello team'])
    assert.equal(sent['state'], 'sent')
    assert.match(await sdmpText(bob.home, ['send', '@team', 'again']), /^sent \S+ to group team/)
    await syncHomes(bob.home, alice.home)
    const { messages } = await sdmpJson(alice.home, ['inbox', '--messages'])
    const m = messages.find((x: { id: string }) => x.id === sent['id'])
    assert.ok(m, 'alice has the group message')
    assert.deepEqual(m.group, { id: created['id'], name: 'team', event: null })
    assert.equal(m.chat, `g-${created['id']}`)
    const log = await sdmpText(alice.home, ['chat', '@team'])
    assert.match(log, /me created the group with Bob/)
    assert.match(log, /hello team/)
    assert.match(await sdmpText(alice.home, ['show', sent['id']]), /group: {4}@team/)

    const removed = await sdmpJson(alice.home, ['group', 'remove', 'team', 'Bob'])
    assert.equal(removed['version'], 2)
    await syncHomes(alice.home, bob.home)
    assert.match(await sdmpText(bob.home, ['group', 'list']), /team .*removed/)
    assert.match(await sdmpText(bob.home, ['chat', '@team']), /Alice removed me/)
    assert.equal((await sdmpFails(bob.home, ['send', '@team', 'hi?'])).error, 'FORBIDDEN')
  })

  it('checks its arguments and says what is wrong', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const bob = await newUser(dir, 'Bob')
    for (const sub of ['create', 'add', 'remove', 'list']) {
      const help = await runSdmp(['group', sub, '--help'])
      assert.equal(help.code, 0, sub)
      assert.match(help.stdout, new RegExp(`group ${sub}`))
    }
    assert.equal((await runSdmp(['group', 'create', 'team', '--home', bob.home])).code, 2)
    assert.equal(
      (await sdmpFails(bob.home, ['group', 'create', 'team', 'Nobody'])).error,
      'NOT_FOUND',
    )
    assert.equal((await sdmpFails(bob.home, ['send', '@nope', 'hi'])).error, 'NOT_FOUND')
    assert.equal((await sdmpFails(bob.home, ['group', 'add', 'nope', 'x'])).error, 'NOT_FOUND')
    assert.equal((await runSdmp(['send', '@', 'hi', '--home', bob.home])).code, 2)
    assert.deepEqual(await sdmpJson(bob.home, ['group', 'list']), { groups: [] })
  })
})
