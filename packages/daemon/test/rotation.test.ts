/**
 * Issue 11: identity rotation and recovery between real daemons over loopback TCP
 * (docs/protocol/keys.md §5). A planned rotation reaches contacts and the user's other devices
 * through sync alone; a recovery on a fresh device with the recovery words restores the
 * identity, and a contact that takes its new invite keeps talking to it.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  accountDeps,
  befriendDaemons,
  createAccount as create,
  inboxHas,
  startDaemon as start,
  stopDaemons,
  waitPeer,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon as Node } from '@sdmp/testkit/daemon-world'

afterEach(stopDaemons)

/** Make `a` and `b` mutual contacts (the kit's order) and wait until `a` is connected to `b`. */
async function befriend(a: Node, aName: string, b: Node, bName: string): Promise<void> {
  await befriendDaemons(a, aName, b, bName)
  const bUser = (await b.api.whoami()).user!
  await waitPeer(a.api, (p) => p.user === bUser, {
    timeout: 30_000,
    what: `${aName} connected to ${bName}`,
  })
}

describe('identity rotation', () => {
  it(
    'a planned rotation reaches contacts and the other devices through sync',
    { timeout: 180_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-rotate-')
      const laptop = await start(await create(dir, 'alice'))
      const phoneAccount = await create(dir, 'phone', true)
      await laptop.api.authorizeDevice({ request: await phoneAccount.joinRequest() })
      const phone = await start(phoneAccount)
      await phone.api.join({ invite: (await laptop.api.invite()).invite })
      const bob = await start(await create(dir, 'bob'))
      await befriend(laptop, 'alice', bob, 'bob')
      const old = (await laptop.api.whoami()).user!
      const bobUser = (await bob.api.whoami()).user!

      // The phone does not hold the identity key: it cannot rotate.
      await assert.rejects(phone.api.rotateIdentity(), { code: 'FORBIDDEN' })
      const rotated = await laptop.api.rotateIdentity()
      assert.equal(rotated.previous, old)
      assert.equal(rotated.kind, 'key')
      assert.deepEqual([rotated.devices, rotated.contacts], [2, 1])
      assert.equal(rotated.recoveryWords, undefined, 'a planned rotation keeps the words')
      assert.equal((await laptop.api.whoami()).user, rotated.user)

      await waitFor(async () => (await phone.api.whoami()).user === rotated.user, {
        timeout: 30_000,
        what: 'the phone to move to the new identity',
      })
      await waitFor(
        async () =>
          (await bob.api.contacts()).contacts.some(
            (c) => c.name === 'alice' && c.user === rotated.user && c.status === 'mutual',
          ),
        { timeout: 30_000, what: "bob's contact alice to follow the rotation" },
      )
      // Bob no longer trusts the old identity: a thief holding its key reaches nobody.
      const graph = bob.daemon.account.ingestor.graph
      assert.equal(graph.trustsUser(bobUser, old, Date.now()), false)
      assert.equal(graph.trustsUser(bobUser, rotated.user, Date.now()), true)

      const toBoth = await bob.api.send({ to: ['alice'], body: 'after the rotation' })
      await inboxHas(laptop, toBoth.id, 'the laptop to read a message sealed to the new identity')
      await inboxHas(phone, toBoth.id, 'the phone to read it too')
      const fromPhone = await phone.api.send({ to: ['bob'], body: 'from the phone, new key' })
      await inboxHas(bob, fromPhone.id, "bob to get the phone's message")
      assert.equal(
        (await bob.api.inbox()).messages.find((m) => m.id === fromPhone.id)?.from,
        rotated.user,
      )
    },
  )

  it(
    'the other devices follow a rotation with no contact to relay it',
    { timeout: 60_000 },
    async () => {
      // The rotating laptop restarts its network as the new identity right after publishing it:
      // the phone gets the new identity and trusts before that, or never (keys.md §5.4).
      const dir = tmpDir(after, 'sdmp-rotate-alone-')
      const laptop = await start(await create(dir, 'alice'))
      const phoneAccount = await create(dir, 'phone', true)
      await laptop.api.authorizeDevice({ request: await phoneAccount.joinRequest() })
      const phone = await start(phoneAccount)
      await phone.api.join({ invite: (await laptop.api.invite()).invite })
      const old = (await laptop.api.whoami()).user!
      await waitPeer(laptop.api, (p) => p.user === old, {
        timeout: 30_000,
        what: 'the laptop connected to the phone',
      })
      const rotated = await laptop.api.rotateIdentity()
      await waitFor(async () => (await phone.api.whoami()).user === rotated.user, {
        timeout: 30_000,
        what: 'the phone to move to the new identity',
      })
      // Each device publishes a prekey under the new identity (keys.md §5.4): both hold both
      // once they sync with each other again.
      const prekeys = (n: Node) =>
        n.daemon.account.store.queryResources({ user: rotated.user, kinds: ['prekey'] })
      await waitFor(async () => (await prekeys(laptop)).length >= 2, {
        timeout: 30_000,
        what: "the laptop to get the phone's new prekey",
      })
      await waitFor(async () => (await prekeys(phone)).length >= 2, {
        timeout: 30_000,
        what: "the phone to get the laptop's new prekey",
      })
    },
  )

  it(
    'recovery on a fresh device with the words restores the identity and bob keeps talking',
    { timeout: 180_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-recover-')
      const laptopAccount = await create(dir, 'alice')
      const words = laptopAccount.recoveryWords!
      const laptop = await start(laptopAccount)
      const bob = await start(await create(dir, 'bob'))
      await befriend(laptop, 'alice', bob, 'bob')
      const old = (await laptop.api.whoami()).user!
      const before = await bob.api.send({ to: ['alice'], body: 'before the loss' })
      await inboxHas(laptop, before.id, 'the laptop to read the first message')
      // The laptop is lost.
      await stopDaemons()
      const bobAgain = await start(await reopen(bob))
      const fresh = await start(await create(dir, 'new-laptop', true))
      // Alice asks Bob for her old identity: `sdmp contact invite alice` on his node.
      const oldInvite = (await bobAgain.api.contactInvite('alice')).invite
      await assert.rejects(bobAgain.api.contactInvite('nobody'), { code: 'NOT_FOUND' })

      // Wrong words are refused without a trace of the words in the message: two different
      // wrong phrases get the very same message, which holds none of their words. (A lone
      // short word such as "act" can occur inside an ordinary message, so each word is checked
      // as a whole word and the messages are compared.)
      const messages: string[] = []
      for (const name of ['someone-else', 'another-one']) {
        const other = (await create(dir, name)).recoveryWords!
        await assert.rejects(
          fresh.api.recoverIdentity({ invite: oldInvite, words: other }),
          (e: Error & { code?: string }) => {
            assert.equal(e.code, 'FORBIDDEN')
            assert.ok(!e.message.includes(other))
            const said = new Set(e.message.toLowerCase().split(/[^a-z]+/))
            const echoed = other.split(' ').filter((w) => said.has(w))
            assert.ok(echoed.length < 3, `words echoed: ${echoed.length}`)
            messages.push(e.message)
            return true
          },
        )
      }
      assert.equal(messages[0], messages[1], 'the same message whatever the wrong words')
      await assert.rejects(fresh.api.recoverIdentity({ invite: oldInvite, words: 'not words' }), {
        code: 'BAD_REQUEST',
      })

      const recovered = await fresh.api.recoverIdentity({ invite: oldInvite, words })
      assert.equal(recovered.kind, 'recovery')
      assert.equal(recovered.previous, old)
      assert.notEqual(recovered.recoveryWords, words, 'new words replace the spent ones')
      assert.equal((await fresh.api.whoami()).user, recovered.user)

      // Mallory's invite claims to replace Alice, proven by Mallory's own key: refused.
      const forged = await forgedReplacement(dir, old)
      await assert.rejects(
        bobAgain.api.addContact({ invite: forged }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'FORBIDDEN')
          assert.match(e.message, /claims to replace the identity of alice/)
          return true
        },
      )
      assert.deepEqual(
        (await bobAgain.api.contacts()).contacts.map((c) => [c.name, c.user]),
        [['alice', old]],
      )

      await fresh.api.addContact({ invite: (await bobAgain.api.invite()).invite, name: 'bob' })
      const moved = await bobAgain.api.addContact({ invite: (await fresh.api.invite()).invite })
      assert.deepEqual(moved.replaced, { from: old, kind: 'recovery' })
      assert.equal(moved.name, 'alice')
      assert.deepEqual(
        (await bobAgain.api.contacts()).contacts.map((c) => [c.name, c.user]),
        [['alice', recovered.user]],
      )
      const after1 = await bobAgain.api.send({ to: ['alice'], body: 'welcome back' })
      await inboxHas(fresh, after1.id, 'the recovered device to read bob')
      const answer = await fresh.api.send({ to: ['bob'], body: 'thanks', replyTo: after1.id })
      await inboxHas(bobAgain, answer.id, 'bob to read the recovered identity')
      // Bob's conversation history with the old identity is still there.
      assert.ok((await bobAgain.api.inbox({ all: true })).messages.some((m) => m.id === before.id))
    },
  )
})

/**
 * An invite of a new account whose identity claims to replace `victim`, with a proof signed by
 * its own key (neither the victim's key nor its recovery key).
 */
async function forgedReplacement(dir: string, victim: string): Promise<string> {
  const { signRotation } = await import('@sdmp/core')
  const { encodeInvite } = await import('../src/account/codec.js')
  const mallory = await create(dir, 'mallory')
  try {
    const key = mallory.userKey!
    const identity = mallory.identity(key, 'user', 'alice', {
      rotation: signRotation(mallory.provider, key, victim, key.fingerprint),
    })
    const graph = mallory.ingestor.graph
    const trust = graph.trustsBetween(key.fingerprint, mallory.node, Date.now())[0]!
    const nodeIdentity = await mallory.store.getResource(graph.identity(mallory.node)!.id)
    const trustBytes = await mallory.store.getResource(trust.id)
    return encodeInvite({
      user: key.fingerprint,
      resources: [identity.bytes, nodeIdentity!, trustBytes!],
    })
  } finally {
    await mallory.close()
  }
}

/** Reopen a stopped daemon's home. */
async function reopen(n: Node) {
  const { Account } = await import('../src/account/account.js')
  return Account.open(accountDeps(n.home))
}
