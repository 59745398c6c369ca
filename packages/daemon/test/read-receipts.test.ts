/**
 * Issue 16, read receipts as a setting (docs/messaging.md §4): off by default, so the sender
 * never learns that a message was read, while the reader's other devices still do; turned on
 * for one contact (or for everyone), the read receipt reaches that sender. Delivered receipts
 * are not affected. The settings API refuses bad input with a coded error.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  restartPeer,
  syncPeers,
  waitSealed,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { authorizeDevice, publishPrekey } from '../src/account/index.js'
import { NodeService } from '../src/service/node-service.js'

/** Bob with a laptop and a phone, and Alice, all contacts and synced. */
async function world(dir: string): Promise<{ alice: Peer; bob: Peer; phone: Peer }> {
  const alice = await createPeer(dir, 'alice')
  const bob = await createPeer(dir, 'bob')
  const phone = await createPeer(dir, 'bob-phone', { join: true })
  await authorizeDevice(bob.account, await phone.account.joinRequest())
  await pushPeer(bob, phone)
  await restartPeer(phone) // the phone learns its user from the trust that arrived
  await publishPrekey(phone.account)
  await syncPeers(bob, phone)
  await befriendPeers(alice, bob)
  await syncPeers(bob, phone)
  return { alice, bob, phone }
}

describe('read receipts setting', () => {
  it('off by default: the sender never sees read, our other device does; an override sends it', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const { alice, bob, phone } = await world(dir)
    t.after(() => closePeers([alice, bob, phone]))
    const phoneApi = new NodeService(phone.account, phone.mailbox)
    assert.deepEqual(await phoneApi.settings(), {
      readReceipts: false,
      requests: 'open',
      contacts: [],
    })

    const first = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'one' })
    await pushPeer(alice, phone)
    await waitSealed(phone, 1) // the phone's delivered receipt, to alice and bob's devices
    await phone.mailbox.markRead(first.id)
    await waitSealed(phone, 2) // the read receipt: to bob's own devices only
    await pushPeer(phone, bob)
    await pushPeer(phone, alice)
    await pushPeer(bob, alice)
    assert.equal((await bob.mailbox.get(first.id))?.state, 'read', 'the laptop knows it was read')
    const atAlice = await alice.mailbox.get(first.id)
    assert.equal(atAlice?.state, 'delivered', 'alice never sees read')
    assert.deepEqual(
      atAlice?.receipts.map((r) => r.status),
      ['delivered'],
    )

    // Bob turns read receipts on for alice only (on the phone, where he reads).
    const aliceUser = alice.account.requireUser()
    const set = await phoneApi.updateSettings({ readReceipts: true, contact: aliceUser })
    assert.equal(set.readReceipts, false)
    assert.deepEqual(
      set.contacts.map((c) => [c.user, c.readReceipts]),
      [[aliceUser, true]],
    )
    const second = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'two' })
    await pushPeer(alice, phone)
    await waitSealed(phone, 3)
    await phone.mailbox.markRead(second.id)
    await waitSealed(phone, 4)
    await pushPeer(phone, alice)
    assert.equal((await alice.mailbox.get(second.id))?.state, 'read', 'the override sends it')
    assert.equal((await alice.mailbox.get(first.id))?.state, 'delivered', 'not sent afterwards')

    // Removing the override goes back to the default.
    assert.deepEqual(
      (await phoneApi.updateSettings({ readReceipts: null, contact: aliceUser })).contacts,
      [],
    )
  })

  it('refuses bad settings with a coded error', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    t.after(() => closePeers([alice]))
    const api = new NodeService(alice.account, alice.mailbox)
    await assert.rejects(api.updateSettings({ readReceipts: null }), (e) =>
      isProtocolError(e, ErrorCode.BAD_REQUEST),
    )
    await assert.rejects(api.updateSettings({ readReceipts: 'on' } as never), (e) =>
      isProtocolError(e, ErrorCode.BAD_REQUEST),
    )
    await assert.rejects(api.updateSettings({ readReceipts: true, contact: 'nobody' }), (e) =>
      isProtocolError(e, ErrorCode.NOT_FOUND),
    )
    assert.equal((await api.updateSettings({ readReceipts: true })).readReceipts, true)
    assert.equal((await api.settings()).readReceipts, true)
  })
})
