/**
 * The mailbox between accounts on SQLite homes (docs/messaging.md): send and receive with exact
 * fields, threads, several recipients, delivered and read receipts, restarts, host-only
 * devices, and refusals.
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
  sealedBy,
  syncPeers,
  waitSealed,
} from '@sdmp/testkit/daemon-world'
import {
  SECRET_NAMES,
  authorizeDevice,
  publishPrekey,
  setReadReceipts,
} from '../src/account/index.js'
import { PrekeyBook } from '../src/mail/index.js'

const FP = /^[A-Za-z0-9_-]{86}$/

describe('Mailbox send and receive', () => {
  it('delivers a message both ways with every field as sent', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const a = alice.account.requireUser()
    const b = bob.account.requireUser()

    const expires = Date.now() + 3_600_000
    const sent = await alice.mailbox.send({
      to: [b],
      body: 'hello *bob*',
      type: 'markdown',
      subject: 'greetings',
      expires,
    })
    assert.match(sent.id, FP)
    assert.match(sent.outer, FP)
    assert.notEqual(sent.id, sent.outer)
    const mine = await alice.mailbox.get(sent.id)
    assert.ok(mine, 'the sender finds its message right after send')
    assert.equal(mine.direction, 'out')
    assert.equal(mine.state, 'sent')
    assert.equal(mine.reason, null)
    assert.deepEqual(mine.receipts, [])
    assert.equal((await alice.mailbox.get(sent.outer))?.id, sent.id, 'found by outer id too')
    assert.deepEqual(await alice.mailbox.list(), [], 'inbox holds received messages only')
    assert.equal((await alice.mailbox.list({ all: true })).length, 1)

    await pushPeer(alice, bob)
    const got = await bob.mailbox.get(sent.id)
    assert.deepEqual(got, {
      id: sent.id,
      from: a,
      to: [b],
      subject: 'greetings',
      body: 'hello *bob*',
      type: 'markdown',
      created: mine.created,
      conversation: sent.id,
      chat: a,
      replyTo: null,
      expires: new Date(expires).toISOString(),
      state: 'unread',
      reason: null,
      direction: 'in',
      forwardedFrom: null,
      edited: null,
      deleted: false,
      onBehalfOf: null,
      group: null,
      receipts: [],
    })
    const { receipts: _, ...listed } = got
    assert.deepEqual(await bob.mailbox.list(), [listed])
    assert.equal(await bob.mailbox.count(), 1)

    const back = await bob.mailbox.send({ to: [a], body: 'hi alice' })
    await pushPeer(bob, alice)
    const inbox = await alice.mailbox.list()
    assert.equal(inbox.length, 1)
    assert.equal(inbox[0]!.id, back.id)
    assert.equal(inbox[0]!.from, b)
    assert.equal(inbox[0]!.body, 'hi alice')
    assert.equal(inbox[0]!.type, 'text')
    assert.equal(inbox[0]!.subject, null)
    assert.equal(inbox[0]!.expires, null)
    const all = await alice.mailbox.list({ all: true })
    assert.deepEqual(
      all.map((m) => m.id),
      [back.id, sent.id],
      'newest first',
    )
    assert.deepEqual(await alice.mailbox.list({ all: true, limit: 1 }), [all[0]])
  })

  it('threads replies into the conversation of the first message', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const a = alice.account.requireUser()
    const b = bob.account.requireUser()

    const root = await alice.mailbox.send({ to: [b], body: 'lunch?' })
    await pushPeer(alice, bob)
    const reply = await bob.mailbox.send({ to: [a], body: 'yes', replyTo: root.id })
    await pushPeer(bob, alice)
    const seen = await alice.mailbox.get(reply.id)
    assert.equal(seen?.replyTo, root.id)
    assert.equal(seen?.conversation, root.id)
    // A reply may name the message by its outer id; it still threads by inner ids.
    const again = await alice.mailbox.send({ to: [b], body: 'noon', replyTo: reply.outer })
    const own = await alice.mailbox.get(again.id)
    assert.equal(own?.replyTo, reply.id)
    assert.equal(own?.conversation, root.id)

    await assert.rejects(alice.mailbox.send({ to: [b], body: 'x', replyTo: 'A'.repeat(86) }), (e) =>
      isProtocolError(e, ErrorCode.NOT_FOUND),
    )
  })

  it('seals one message for three recipients who each open it', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const others = [
      await createPeer(dir, 'bob'),
      await createPeer(dir, 'carol'),
      await createPeer(dir, 'dave'),
    ]
    t.after(() => closePeers([alice, ...others]))
    for (const o of others) await befriendPeers(alice, o)
    const to = others.map((o) => o.account.requireUser())
    const sent = await alice.mailbox.send({ to, body: 'team meeting at 3' })
    for (const o of others) {
      await pushPeer(alice, o)
      const m = await o.mailbox.get(sent.id)
      assert.equal(m?.body, 'team meeting at 3')
      assert.deepEqual(m?.to, to)
      assert.equal(m?.direction, 'in')
    }
    // Each recipient's delivered receipt comes back; the state waits for all three.
    for (const [i, o] of others.entries()) {
      await waitSealed(o, 1)
      await pushPeer(o, alice)
      const state = (await alice.mailbox.get(sent.id))?.state
      assert.equal(state, i < 2 ? 'sent' : 'delivered')
    }
    const detail = await alice.mailbox.get(sent.id)
    assert.deepEqual(detail?.receipts.map((r) => [r.user, r.status]).sort(), [
      ...to.map((u) => [u, 'delivered']).sort(),
    ])
  })

  it('refuses a recipient none of whose devices has a usable prekey', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const stranger = await createPeer(dir, 'stranger')
    t.after(() => closePeers([alice, bob, stranger]))
    await befriendPeers(alice, bob)
    const b = bob.account.requireUser()
    const s = stranger.account.requireUser()
    const before = await sealedBy(alice)
    await assert.rejects(alice.mailbox.send({ to: [b, s], body: 'x' }), (e) => {
      assert.ok(isProtocolError(e, ErrorCode.NOT_FOUND))
      assert.equal(
        e.message,
        `no device of ${s} can receive encrypted messages yet: their prekey has not arrived; sync first`,
      )
      return true
    })
    assert.deepEqual(await sealedBy(alice), before, 'nothing is published')
    await assert.rejects(alice.mailbox.send({ to: [], body: 'x' }), (e) =>
      isProtocolError(e, ErrorCode.BAD_REQUEST),
    )
    await assert.rejects(alice.mailbox.send({ to: [b, b], body: 'x' }), (e) =>
      isProtocolError(e, ErrorCode.SCHEMA_VIOLATION),
    )
    const [first] = await new PrekeyBook(alice.account).ownRecords()

    // Fifteen days on, every prekey has expired: Bob's is refused until he rotates and syncs.
    const later = () => Date.now() + 15 * 86_400_000
    await restartPeer(alice, later)
    await restartPeer(bob, later)
    await assert.rejects(alice.mailbox.send({ to: [b], body: 'x' }), (e) =>
      isProtocolError(e, ErrorCode.NOT_FOUND),
    )
    assert.deepEqual(await alice.mailbox.maintainPrekeys(), { published: true, deleted: [] })
    assert.deepEqual(await bob.mailbox.maintainPrekeys(), { published: true, deleted: [] })
    await syncPeers(alice, bob)
    const sent = await alice.mailbox.send({ to: [b], body: 'after rotation' })
    await pushPeer(alice, bob)
    assert.equal((await bob.mailbox.get(sent.id))?.body, 'after rotation')

    // A week after the first prekey expired, its secret is erased (forward secrecy).
    const name = SECRET_NAMES.prekeyPrefix + first!.keyId
    assert.ok(await alice.account.vault.get(name))
    await restartPeer(alice, () => Date.now() + 22 * 86_400_000)
    assert.deepEqual(await alice.mailbox.maintainPrekeys(), {
      published: true,
      deleted: [first!.keyId],
    })
    assert.equal(await alice.account.vault.get(name), undefined)
    assert.equal((await alice.mailbox.get(sent.id))?.body, 'after rotation', 'index kept')
  })
})

describe('Mailbox receipts', () => {
  it('turns a sent message delivered, then read, once each', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const b = bob.account.requireUser()
    await setReadReceipts(bob.account, true) // off by default (read-receipts.test.ts)

    const sent = await alice.mailbox.send({ to: [b], body: 'did you get this?' })
    await pushPeer(alice, bob)
    await waitSealed(bob, 1)
    await pushPeer(bob, alice)
    const delivered = await alice.mailbox.get(sent.id)
    assert.equal(delivered?.state, 'delivered')
    assert.equal(delivered?.receipts.length, 1)
    assert.equal(delivered?.receipts[0]?.user, b)
    assert.equal(delivered?.receipts[0]?.status, 'delivered')

    const read = await bob.mailbox.markRead(sent.id)
    assert.equal(read.state, 'read')
    assert.equal(read.direction, 'in')
    await waitSealed(bob, 2)
    assert.equal((await bob.mailbox.markRead(sent.outer)).state, 'read')
    await pushPeer(bob, alice)
    const detail = await alice.mailbox.get(sent.id)
    assert.equal(detail?.state, 'read')
    assert.equal(detail?.receipts[0]?.status, 'read')
    // A receipt is never answered with a receipt, and read is sent once.
    await alice.mailbox.stop()
    await bob.mailbox.stop()
    assert.equal((await sealedBy(bob)).length, 2)
    assert.equal((await sealedBy(alice)).length, 1)

    await assert.rejects(bob.mailbox.markRead('B'.repeat(86)), (e) =>
      isProtocolError(e, ErrorCode.NOT_FOUND),
    )
  })

  it('answers a message that started a session at once, then gathers receipts per author', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const carol = await createPeer(dir, 'carol')
    const bob = await createPeer(dir, 'bob', {
      receiptLinger: { quietMs: 60_000, maxMs: 60_000 },
    })
    t.after(() => closePeers([alice, bob, carol]))
    await befriendPeers(alice, bob)
    await befriendPeers(carol, bob)
    const b = bob.account.requireUser()
    // A first message starts a session (a prekey message); its author's node sends prekey
    // messages until an answer arrives (sessions.md §6), so that receipt does not linger.
    const zero = await alice.mailbox.send({ to: [b], body: 'zero' })
    await pushPeer(alice, bob)
    await waitSealed(bob, 1)
    await carol.mailbox.send({ to: [b], body: 'zero' })
    await pushPeer(carol, bob)
    await waitSealed(bob, 2)
    await pushPeer(bob, alice)
    await pushPeer(bob, carol)
    assert.equal((await alice.mailbox.get(zero.id))?.state, 'delivered')
    // On the confirmed sessions, three batches of lines (one push each): one receipt per author.
    const one = await alice.mailbox.send({ to: [b], body: 'one' })
    await pushPeer(alice, bob)
    const two = await alice.mailbox.send({ to: [b], body: 'two' })
    await pushPeer(alice, bob)
    const three = await carol.mailbox.send({ to: [b], body: 'three' })
    await pushPeer(carol, bob)
    assert.equal((await bob.mailbox.list()).length, 5)
    assert.equal((await sealedBy(bob)).length, 2, 'nothing more sent while the receipts linger')
    await bob.mailbox.stop() // a graceful stop sends what was decided
    assert.equal((await sealedBy(bob)).length, 4, 'one receipt for alice, one for carol')
    await restartPeer(bob)
    await pushPeer(bob, alice)
    await pushPeer(bob, carol)
    for (const m of [one, two]) assert.equal((await alice.mailbox.get(m.id))?.state, 'delivered')
    assert.equal((await carol.mailbox.get(three.id))?.state, 'delivered')
    await restartPeer(bob)
    assert.equal((await sealedBy(bob)).length, 4, 'decided receipts are not sent again')
  })

  it('shows a message read on one device as read on the other', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const phone = await createPeer(dir, 'bob-phone', { join: true })
    t.after(() => closePeers([alice, bob, phone]))
    await authorizeDevice(bob.account, await phone.account.joinRequest())
    await pushPeer(bob, phone)
    await restartPeer(phone) // the phone learns its user from the trust that arrived
    await publishPrekey(phone.account)
    await syncPeers(bob, phone)
    await befriendPeers(alice, bob)
    await syncPeers(bob, phone)

    const sent = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'two devices' })
    await pushPeer(alice, bob)
    await waitSealed(bob, 1) // bob's laptop sends the delivered receipt, sealed to the phone too
    await pushPeer(bob, phone)
    assert.equal((await phone.mailbox.get(sent.id))?.state, 'unread')
    await phone.mailbox.stop()
    assert.equal((await sealedBy(phone)).length, 1, 'the phone sent no second delivered receipt')
    await restartPeer(phone)
    await phone.mailbox.markRead(sent.id)
    await waitSealed(phone, 2)
    await pushPeer(phone, bob)
    assert.equal((await bob.mailbox.get(sent.id))?.state, 'read')
  })
})

describe('Mailbox durability and devices', () => {
  it('keeps its index across a restart and does not send receipts again', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const b = bob.account.requireUser()
    const one = await alice.mailbox.send({ to: [b], body: 'one' })
    const two = await alice.mailbox.send({ to: [b], body: 'two' })
    await pushPeer(alice, bob)
    // Both arrived in one batch: one delivered receipt names both (messaging.md §4).
    await waitSealed(bob, 1)
    const before = await bob.mailbox.list()
    assert.deepEqual(
      before.map((m) => m.id),
      [two.id, one.id],
    )
    const processed = bob.mailbox.processed

    await restartPeer(bob)
    assert.equal(bob.mailbox.processed, processed, 'the cursor was durable')
    await bob.mailbox.stop() // drain: any receipt it would send is sent by now
    assert.deepEqual(await bob.mailbox.list(), before)
    assert.equal(await bob.mailbox.count(), 2)
    assert.equal((await sealedBy(bob)).length, 1, 'no receipt sent twice')
    await restartPeer(bob)
    await pushPeer(bob, alice)
    for (const m of [one, two]) assert.equal((await alice.mailbox.get(m.id))?.state, 'delivered')
  })

  it('lets a host-only device store messages it cannot read', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const host = await createPeer(dir, 'bob-host', { join: true })
    t.after(() => closePeers([alice, bob, host]))
    await authorizeDevice(bob.account, await host.account.joinRequest(), { hostOnly: true })
    await befriendPeers(alice, bob)
    await pushPeer(bob, host)
    await restartPeer(host)
    assert.equal(host.account.user, bob.account.user, 'the host knows its user')

    const sent = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'secret' })
    await pushPeer(alice, host)
    assert.ok(await host.account.store.getResource(sent.outer), 'the host stores the envelope')
    assert.equal(await host.mailbox.count(), 0)
    assert.deepEqual(await host.mailbox.list({ all: true }), [])
    assert.equal(await host.mailbox.get(sent.id), undefined)
    const events = await host.mailbox.eventsAfter(0, 1000)
    assert.ok(!events.some((e) => e.type === 'message'))
    assert.ok(host.events.some((e) => e.name === 'mail.skipped'))
    // Bob's own device opens the copy the host relays.
    await pushPeer(host, bob)
    assert.equal((await bob.mailbox.get(sent.id))?.body, 'secret')
  })

  it('refuses to send after stop', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    t.after(() => closePeers([alice]))
    await alice.mailbox.stop()
    await assert.rejects(
      alice.mailbox.send({ to: [alice.account.requireUser()], body: 'x' }),
      (e) => isProtocolError(e, ErrorCode.CLOSED),
    )
  })
})
