/**
 * Groups between daemons (docs/protocol/groups.md): Alice creates a group with Bob and Carol,
 * who are not each other's contacts. Carol writes to the group and Bob reads it (their nodes
 * never connect: Alice's node relays under the group rule, and the group's member proofs let
 * Bob verify Carol and seal to her); Bob's reply-all reaches Carol. Alice removes Carol and
 * writes again: Carol's node never gets that envelope. Hostile: Dave, Bob's contact outside the
 * group, forges a group message (NOT_MEMBER); Bob, a member, forges a membership change
 * (NOT_ADMIN). Both are refused with their reason and never shown.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { decodeResource, fromBase64url, routeTag, sealResource } from '@sdmp/core'
import type { Account } from '@sdmp/daemon'
import { PrekeyBook } from '@sdmp/daemon'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriendDaemons,
  createAccount,
  inboxHas,
  startDaemon,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }

/** Seal `inner` from `account` to `readers` (and its own devices) and publish it. */
async function sealAndPublish(
  account: Account,
  inner: ReturnType<Account['signForUser']>,
  readers: string[],
) {
  const me = account.requireUser()
  const keys = await new PrekeyBook(account).requireRecipients([...readers, me])
  const outer = sealResource(
    account.provider,
    inner,
    keys,
    { key: account.nodeKey, user: me, trust: account.nodeTrusts('publish_resource')[0]!.id },
    { readers: [...readers, me] },
  )
  await account.publishSealed(outer, inner)
  return outer.id
}

const groupOf = async (n: TestDaemon, name: string) =>
  (await n.api.groups()).groups.find((g) => g.name === name)

const rejected = (n: TestDaemon, reason: string) =>
  n.events.some((e) => e.name === 'mail.group-rejected' && e.detail['reason'] === reason)

describe('groups between daemons', () => {
  it(
    'members who are not contacts talk through the group; a removed member reads nothing new; forgeries are refused',
    { timeout: 180_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-group-')
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const carol = await startDaemon(await createAccount(dir, 'carol'))
      const dave = await startDaemon(await createAccount(dir, 'dave'))
      await befriendDaemons(alice, 'alice', bob, 'bob')
      await befriendDaemons(alice, 'alice', carol, 'carol')
      await befriendDaemons(bob, 'bob', dave, 'dave')
      const fp = async (n: TestDaemon) => (await n.api.whoami()).user!
      const aliceFp = await fp(alice)
      const bobFp = await fp(bob)
      const carolFp = await fp(carol)
      const daveFp = await fp(dave)

      const created = await alice.api.createGroup({ name: 'team', members: ['bob', 'carol'] })
      assert.equal(created.version, 1)
      assert.deepEqual(
        created.members.map((m) => [m.user, m.admin]),
        [
          [aliceFp, true],
          [bobFp, false],
          [carolFp, false],
        ],
      )
      for (const n of [bob, carol])
        await waitFor(async () => (await groupOf(n, 'team'))?.version === 1, {
          ...WAIT,
          what: `${n.home} to learn the group`,
        })

      // Carol writes to the group: Bob, not her contact, reads it (relayed by Alice's node).
      const hi = await carol.api.sendToGroup('team', { body: 'hi all, carol here' })
      await inboxHas(bob, hi.id, 'bob to get carol’s group message')
      const atBob = (await bob.api.inbox()).messages.find((m) => m.id === hi.id)!
      assert.equal(atBob.from, carolFp)
      assert.deepEqual(atBob.group, { id: created.id, name: 'team', event: null })
      assert.equal(atBob.chat, `g-${created.id}`)
      assert.deepEqual([...atBob.to].sort(), [aliceFp, bobFp].sort())
      assert.ok(!(await bob.api.contacts()).contacts.some((c) => c.user === carolFp))
      await inboxHas(alice, hi.id, 'alice to get it too')

      // Bob replies to all (a reply to a group message goes to the group); Carol reads it.
      const re = await bob.api.send({ to: ['alice'], body: 'hello carol', replyTo: hi.id })
      await inboxHas(carol, re.id, 'carol to get bob’s reply-all')
      const atCarol = (await carol.api.inbox()).messages.find((m) => m.id === re.id)!
      assert.equal(atCarol.group?.id, created.id)
      assert.deepEqual([...atCarol.to].sort(), [aliceFp, carolFp].sort())

      // The chat list shows the group as one chat named after it, with its events.
      const chats = (await bob.api.chats()).chats
      const chat = chats.find((c) => c.id === `g-${created.id}`)
      assert.ok(chat, 'the group is a chat')
      assert.deepEqual(chat.group, { id: created.id, name: 'team' })
      const page = (await bob.api.chatMessages(chat.id)).messages
      assert.equal(page[0]!.id, re.id)
      assert.equal(page.at(-1)!.group?.event?.kind, 'create')

      // Hostile 1: Dave (Bob's contact, not a member) writes "to the group".
      const forgedMessage = dave.daemon.account.signForUser(
        {
          kind: 'message',
          data: { body: 'dave in disguise', type: 'text', to: [bobFp], group: created.id },
        },
        'publish_resource',
      )
      await sealAndPublish(dave.daemon.account, forgedMessage, [bobFp])
      await waitFor(() => rejected(bob, 'NOT_MEMBER'), {
        ...WAIT,
        what: 'bob to refuse dave’s group message (NOT_MEMBER)',
      })
      await assert.rejects(bob.api.show(forgedMessage.id), { code: 'NOT_FOUND' })

      // Hostile 2: Bob, a member but not the admin, publishes a "new version" adding Dave.
      const team = bob.daemon.mailbox.group('team')
      const fakeVersion = bob.daemon.account.signForUser(
        {
          kind: 'group',
          data: {
            id: team.id,
            salt: team.salt,
            name: 'team',
            version: 9,
            members: [aliceFp, bobFp, carolFp, daveFp].map((user) => ({
              user,
              proof: [],
            })),
          },
        },
        'publish_resource',
      )
      await sealAndPublish(bob.daemon.account, fakeVersion, [aliceFp, carolFp])
      for (const n of [alice, carol])
        await waitFor(() => rejected(n, 'NOT_ADMIN'), {
          ...WAIT,
          what: `${n.home} to refuse bob’s membership change (NOT_ADMIN)`,
        })
      assert.equal((await groupOf(carol, 'team'))?.members.length, 3)
      await assert.rejects(bob.api.addGroupMember('team', { member: 'dave' }), {
        code: 'FORBIDDEN',
      })

      // Alice removes Carol: a new version, shown as an event; Carol learns she is out.
      const v2 = await alice.api.removeGroupMember('team', 'carol')
      assert.equal(v2.version, 2)
      await waitFor(async () => (await groupOf(bob, 'team'))?.version === 2, {
        ...WAIT,
        what: 'bob to learn of the removal',
      })
      await waitFor(async () => (await groupOf(carol, 'team'))?.member === false, {
        ...WAIT,
        what: 'carol to learn of her removal',
      })
      const removal = (await carol.api.chatMessages(`g-${created.id}`)).messages[0]!
      assert.deepEqual(removal.group?.event, { kind: 'remove', users: [carolFp], by: aliceFp })
      await assert.rejects(carol.api.sendToGroup('team', { body: 'still here?' }), {
        code: 'FORBIDDEN',
      })

      // Alice writes to the group; then to Carol alone, so that Carol is known to be synced
      // past it (Alice's node pushes its journal in order).
      const secret = await alice.api.sendToGroup('team', { body: 'carol is gone' })
      await inboxHas(bob, secret.id, 'bob to get the message after the removal')
      const marker = await alice.api.send({ to: ['carol'], body: 'just for you' })
      await inboxHas(carol, marker.id, 'carol to get the later 1:1 message')
      await assert.rejects(carol.api.show(secret.id), { code: 'NOT_FOUND' })
      // Carol's node never received the envelope: sealed to Bob and Alice, tagged for them only.
      const store = alice.daemon.account.store
      const envelopes = await store.queryResources({
        kinds: ['encrypted'],
        user: aliceFp,
        limit: 10_000,
      })
      let found = 0
      for (const m of envelopes) {
        const r = decodeResource(alice.daemon.account.provider, (await store.getResource(m.id))!)
        const data = r.data as { readonly nonce: string; readonly routes: readonly string[] }
        const nonce = fromBase64url(data.nonce)
        const provider = alice.daemon.account.provider
        if (!data.routes.includes(routeTag(provider, nonce, bobFp))) continue
        if (data.routes.includes(routeTag(provider, nonce, carolFp))) continue
        found++
        assert.equal(await carol.daemon.account.store.getResource(m.id), undefined)
      }
      assert.ok(found >= 1, 'the message after the removal is among alice’s envelopes')
      const carolAll = (await carol.api.inbox({ all: true })).messages
      assert.ok(!carolAll.some((m) => m.body === 'carol is gone'))
      // Bob's inbox says which group (inbox --json `group`).
      const after2 = (await bob.api.inbox()).messages.find((m) => m.id === secret.id)!
      assert.equal(after2.group?.name, 'team')
      assert.deepEqual([...after2.to], [bobFp])
    },
  )

  it('checks group requests', async () => {
    const dir = tmpDir(after, 'sdmp-group-')
    const alice = await startDaemon(await createAccount(dir, 'alice'))
    await assert.rejects(alice.api.createGroup({ name: 'x', members: ['nobody'] }), {
      code: 'NOT_FOUND',
    })
    await assert.rejects(alice.api.createGroup({ name: '', members: ['x'] }), {
      code: 'BAD_REQUEST',
    })
    await assert.rejects(alice.api.sendToGroup('nope', { body: 'x' }), { code: 'NOT_FOUND' })
    await assert.rejects(alice.api.removeGroupMember('nope', 'x'), { code: 'NOT_FOUND' })
    assert.deepEqual((await alice.api.groups()).groups, [])
  })
})
