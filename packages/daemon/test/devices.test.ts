/**
 * Issue 11 part 1: a device added after the contacts exist (the order that failed) reaches
 * them through sync alone: Bob's node learns Alice's new device, connects to it and seals new
 * messages to it; the new device's messages reach Bob and Bob's replies reach both devices.
 * In-process daemons over loopback TCP (docs/daemon.md).
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  createAccount as create,
  inboxHas,
  startDaemon as start,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon as Node } from '@sdmp/testkit/daemon-world'
import { readRevocation } from '../src/account/revocation.js'

afterEach(stopDaemons)

describe('devices', () => {
  it(
    'a device added after the contacts exist reaches them through sync alone',
    { timeout: 180_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-devices-')
      const laptop = await start(await create(dir, 'alice'))
      const bob = await start(await create(dir, 'bob'))
      const ia = (await laptop.api.invite()).invite
      const ib = (await bob.api.invite()).invite
      await bob.api.addContact({ invite: ia, name: 'alice' })
      await laptop.api.addContact({ invite: ib, name: 'bob' })
      const alice = (await laptop.api.whoami()).user!
      await waitFor(
        async () =>
          (await bob.api.peers()).peers.some((p) => p.user === alice && p.state === 'connected'),
        { timeout: 30_000, what: 'bob connected to the laptop' },
      )
      const first = await bob.api.send({ to: ['alice'], body: 'before the phone' })
      await inboxHas(laptop, first.id, 'the laptop to get the first message')

      // Only now does Alice add her phone: no new invite is given to Bob.
      const phoneAccount = await create(dir, 'phone', true)
      const request = await phoneAccount.joinRequest()
      await laptop.api.authorizeDevice({ request })
      const phone = await start(phoneAccount)
      await phone.api.join({ invite: (await laptop.api.invite()).invite })
      const phoneNode = (await phone.api.whoami()).node

      await waitFor(
        async () =>
          (await bob.api.peers()).peers.some(
            (p) => p.node === phoneNode && p.state === 'connected',
          ),
        { timeout: 60_000, what: "bob's node to connect to the phone" },
      )

      // A newer invite of an existing contact refreshes, never duplicates.
      const again = await bob.api.addContact({ invite: (await laptop.api.invite()).invite })
      assert.equal(again.refreshed, true)
      assert.equal(again.nodes, 2)
      assert.equal((await bob.api.contacts()).contacts.length, 1)
      const toBoth = await bob.api.send({ to: ['alice'], body: 'to both of your devices' })
      await inboxHas(phone, toBoth.id, 'the phone to read a message bob sent after it joined')
      await inboxHas(laptop, toBoth.id, 'the laptop to read it too')

      // The phone shares the laptop's contact list and names (sealed to Alice's own devices).
      const bobUser = (await bob.api.whoami()).user!
      await waitFor(
        async () => (await phone.api.contacts()).contacts.some((c) => c.name === 'bob'),
        { timeout: 30_000, what: "the phone to learn the laptop's contacts" },
      )
      assert.deepEqual(
        (await phone.api.contacts()).contacts.map((c) => [c.name, c.user]),
        [['bob', bobUser]],
      )
      // Bob holds Alice's sealed list (a contact is sent her sealed traffic), never opens it.
      assert.deepEqual(
        (await bob.api.contacts()).contacts.map((c) => c.name),
        ['alice'],
      )
      const fromPhone = await phone.api.send({ to: ['bob'], body: 'from the phone' })
      await inboxHas(bob, fromPhone.id, 'bob to get the phone’s message')
      const reply = await bob.api.send({ to: ['alice'], body: 'reply', replyTo: fromPhone.id })
      await inboxHas(phone, reply.id, 'the reply on the phone')
      await inboxHas(laptop, reply.id, 'the reply on the laptop')
      // Revoking the phone tells it: status, whoami and device list say so, publishing is refused
      // with REVOKED, and its daemon stops dialling.
      await laptop.api.revokeDevice(phoneNode)
      const told = await waitFor(async () => (await phone.api.whoami()).revoked, {
        timeout: 30_000,
        what: 'the phone to learn it was revoked',
      })
      const laptopNode = (await laptop.api.whoami()).node
      assert.match(told.message, /^this device was revoked on \d{4}-\d{2}-\d{2} by /)
      assert.equal(told.by, laptopNode)
      assert.equal((await phone.api.status()).revoked?.message, told.message)
      assert.equal((await phone.api.devices()).revoked?.message, told.message)
      assert.deepEqual(readRevocation(phone.daemon.account.home)?.at, told.at)
      await assert.rejects(phone.api.post({ body: 'after revocation' }), { code: 'REVOKED' })
      await assert.rejects(phone.api.send({ to: [bobUser], body: 'after revocation' }), {
        code: 'REVOKED',
      })
      await waitFor(() => phone.daemon.network === undefined, {
        what: 'the phone to stop its network',
      })
      assert.ok((await phone.api.peers()).peers.every((p) => p.state !== 'connected'))
      await assert.rejects(phone.api.sync({ wait: true, timeoutMs: 1_000 }), { code: 'REVOKED' })
      const shown = await bob.api.show(fromPhone.id)
      assert.ok('message' in shown && shown.message.body === 'from the phone')
    },
  )

  it(
    'shares contact names across devices, and a removal on one reaches the other',
    { timeout: 180_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-contacts-')
      const laptop = await start(await create(dir, 'alice'))
      const phoneAccount = await create(dir, 'phone', true)
      await laptop.api.authorizeDevice({ request: await phoneAccount.joinRequest() })
      const phone = await start(phoneAccount)
      await phone.api.join({ invite: (await laptop.api.invite()).invite })
      const carol = await start(await create(dir, 'carol'))
      const dave = await start(await create(dir, 'dave'))
      for (const [other, name] of [
        [carol, 'carol'],
        [dave, 'dave'],
      ] as const) {
        await laptop.api.addContact({ invite: (await other.api.invite()).invite, name })
        await other.api.addContact({ invite: (await laptop.api.invite()).invite, name: 'alice' })
      }
      const names = async (n: Node) => (await n.api.contacts()).contacts.map((c) => c.name)
      await waitFor(async () => (await names(phone)).join() === 'carol,dave', {
        timeout: 30_000,
        what: 'the phone to list carol and dave',
      })
      await phone.api.removeContact('dave')
      await waitFor(async () => (await names(laptop)).join() === 'carol', {
        timeout: 30_000,
        what: 'the removal on the phone to reach the laptop',
      })
      // The removal holds: an older copy of the list does not bring dave back.
      await laptop.daemon.mailbox.shareContacts()
      await phone.api.sync({ wait: true, timeoutMs: 10_000 })
      assert.deepEqual(await names(phone), ['carol'])
    },
  )
})
