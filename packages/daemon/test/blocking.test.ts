/**
 * Issue 16, blocking (docs/messaging.md "Blocking"): a blocked user's nodes are refused with
 * the reason `blocked` and see the blocker as `removed`; what they send is stored nowhere on
 * the blocker's node, also when a third node that trusts them both relays it (the hostile
 * case); `hide` hides what they sent before; unblocking restores all of it. In-process
 * daemons over loopback TCP.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import type { SdmpApi } from '@sdmp/client'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriendDaemons,
  connectedToUser,
  createAccount,
  inboxHas,
  startDaemon,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'
import { readRefusals } from '../src/account/standing.js'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }

const statusOf = async (api: SdmpApi, name: string) =>
  (await api.contacts()).contacts.find((c) => c.name === name)?.status

/** The newest sealed resource `n`'s user published (the outer of the message just sent). */
async function newestSealed(n: TestDaemon): Promise<string> {
  const user = n.daemon.account.requireUser()
  const metas = await n.daemon.account.store.queryResources({
    kinds: ['encrypted'],
    user,
    afterPosition: 0,
    limit: 10_000,
  })
  return metas[metas.length - 1]!.id
}

const holds = async (n: TestDaemon, id: string) =>
  (await n.daemon.account.store.hasResources([id]))[0] === true

describe('blocking', () => {
  it(
    'refuses the blocked user, directly and through a relay; hides, and unblock restores',
    { timeout: 180_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-block-')
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const carol = await startDaemon(await createAccount(dir, 'carol'))
      await befriendDaemons(alice, 'alice', bob, 'bob')
      await befriendDaemons(alice, 'alice', carol, 'carol')
      await befriendDaemons(bob, 'bob', carol, 'carol')
      const bobUser = (await bob.api.whoami()).user!
      await connectedToUser(alice, bobUser)
      const before = await bob.api.send({ to: ['alice'], body: 'before the block' })
      await inboxHas(alice, before.id, 'alice to get the message sent before the block')
      await alice.api.send({ to: ['bob'], body: 'my answer' })

      // Alice blocks Bob, hiding what he sent.
      const blocked = await alice.api.block({ user: 'bob', hide: true })
      assert.deepEqual([blocked.user, blocked.name, blocked.hide], [bobUser, 'bob', true])
      assert.deepEqual(
        (await alice.api.blocks()).blocks.map((b) => [b.name, b.hide]),
        [['bob', true]],
      )
      const contact = (await alice.api.contacts()).contacts.find((c) => c.name === 'bob')
      assert.equal(contact?.blocked, true, 'the contact stays, marked blocked')
      assert.equal((await alice.api.inbox()).messages.length, 0, 'his message is hidden')
      await assert.rejects(alice.api.show(before.id), (e) => isProtocolError(e, 'NOT_FOUND'))
      // ...from the chats too: the chat with him is left out, and its page holds nothing of his.
      assert.deepEqual((await alice.api.chats()).chats, [], 'no chat with him is listed')
      const page = (await alice.api.chatMessages(bobUser)).messages
      assert.deepEqual(
        page.map((m) => [m.direction, m.body]),
        [['out', 'my answer']],
        'only what alice sent',
      )

      // Bob's node is cut and refused with `blocked`: alice shows as removed on his side.
      await waitFor(async () => (await statusOf(bob.api, 'alice')) === 'removed', {
        ...WAIT,
        what: "alice to show as removed on bob's node",
      })
      const aliceUser = (await alice.api.whoami()).user!
      const refusals = await readRefusals(bob.daemon.account)
      assert.deepEqual(
        refusals.map((r) => [r.user, r.reason]),
        [[aliceUser, 'blocked']],
        "bob's node was told the reason: blocked",
      )
      assert.equal(
        (await alice.api.peers()).peers.some((p) => p.user === bobUser && p.state === 'connected'),
        false,
      )

      // He sends anyway, to Alice and Carol: it says it will not be delivered (to Alice).
      const during = await bob.api.send({ to: ['alice', 'carol'], body: 'while blocked' })
      const shown = await bob.api.show(during.id)
      assert.ok('message' in shown)
      assert.equal(shown.message.state, 'rejected')
      const outer = await newestSealed(bob)

      // The hostile case: Carol's node, a reader that trusts both, relays it to Alice's.
      await waitFor(() => holds(carol, outer), { ...WAIT, what: 'carol to hold the envelope' })
      const bytes = (await carol.daemon.account.store.getResource(outer))!
      const [outcome] = await alice.daemon.account.ingestor.ingest([bytes], { source: 'relay' })
      assert.equal(outcome?.status, 'rejected')
      assert.equal(outcome?.reason, 'blocked')
      // Through the real relay: Carol's later message arrives, so the earlier line was offered.
      const carolUser = (await carol.api.whoami()).user!
      await connectedToUser(alice, carolUser)
      const fromCarol = await carol.api.send({ to: ['alice'], body: 'after the relay' })
      await inboxHas(alice, fromCarol.id, "alice to get carol's message")
      assert.equal(await holds(alice, outer), false, 'the relayed envelope is not stored')
      // Nor does Alice's node serve what it holds of Bob's to anyone.
      const engine = alice.daemon.network!.engine
      assert.equal(engine.visibleTo(carolUser, bobUser), false)

      // Unblock: his old message shows again, his node is accepted and new messages flow.
      const unblocked = await alice.api.unblock('bob')
      assert.deepEqual([unblocked.name, unblocked.unblocked], ['bob', true])
      assert.equal((await alice.api.blocks()).blocks.length, 0)
      assert.ok('message' in (await alice.api.show(before.id)))
      const chats = (await alice.api.chats()).chats.map((c) => c.id)
      assert.ok(chats.includes(bobUser), 'the chat with him is back')
      await connectedToUser(alice, bobUser)
      const afterwards = await bob.api.send({ to: ['alice'], body: 'after the unblock' })
      await inboxHas(alice, afterwards.id, 'alice to get the message after the unblock')
      // What he sent while blocked comes from his own node, which still owed it.
      await inboxHas(alice, during.id, 'alice to get the message sent during the block')
      await waitFor(async () => (await statusOf(bob.api, 'alice')) === 'mutual', {
        ...WAIT,
        what: 'alice to be mutual again on bob',
      })
      assert.equal((await alice.api.unblock('bob')).unblocked, false, 'not blocked any more')
    },
  )

  it('names by contact or fingerprint; refuses unknown names and oneself', async () => {
    const dir = tmpDir(after, 'sdmp-block-names-')
    const alice = await startDaemon(await createAccount(dir, 'alice'))
    const bob = await startDaemon(await createAccount(dir, 'bob'))
    await alice.api.addContact({ invite: (await bob.api.invite()).invite, name: 'bob' })
    await assert.rejects(
      alice.api.block({ user: 'bobb' }),
      (e) => isProtocolError(e, ErrorCode.NOT_FOUND) && /did you mean 'bob'/.test(e.message),
    )
    const me = (await alice.api.whoami()).user!
    await assert.rejects(alice.api.block({ user: me }), (e) =>
      isProtocolError(e, ErrorCode.BAD_REQUEST),
    )
    await assert.rejects(alice.api.block({ user: 'bob', hide: 'yes' } as never), (e) =>
      isProtocolError(e, ErrorCode.BAD_REQUEST),
    )
    // A stranger, by fingerprint.
    const stranger = 'A'.repeat(86)
    const b = await alice.api.block({ user: stranger })
    assert.deepEqual([b.user, b.name, b.hide], [stranger, null, false])
    // Blocking again changes `hide` only.
    assert.equal((await alice.api.block({ user: stranger, hide: true })).at, b.at)
    assert.deepEqual(
      (await alice.api.blocks()).blocks.map((x) => [x.user, x.hide]),
      [[stranger, true]],
    )
  })
})
