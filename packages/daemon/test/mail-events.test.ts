/**
 * The mailbox event stream (docs/messaging.md "Events"): events derived from journal lines in
 * order, with their positions, resumable from any position, never ahead of the index; and the
 * index at rest: sealed by the vault under a passphrase, tamper-evident.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import type { SdmpEvent } from '@sdmp/client'
import { tmpDir } from '@sdmp/testkit'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  waitSealed,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { authorizeDevice, publishPost, removeContact, revokeDevice } from '../src/account/index.js'
import { MAIL_NS } from '../src/mail/index.js'

/** A comparable summary of an event. */
function summary(e: SdmpEvent): string {
  switch (e.type) {
    case 'message':
      return `message ${e.message.direction} ${e.message.body}`
    case 'receipt':
      return `receipt ${e.receipt.status}`
    case 'post':
      return `post ${e.post.body}`
    case 'contact':
      return `contact ${e.change}`
    case 'device':
      return `device ${e.change}`
    case 'peer':
    case 'contact-status':
    case 'request':
      return e.type
  }
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** Whether any file of the peer's store contains `text` in UTF-8. */
function storeContains(peer: Peer, text: string): boolean {
  const needle = Buffer.from(text)
  return filesUnder(join(peer.home, 'store')).some((f) => readFileSync(f).includes(needle))
}

describe('Mailbox events', () => {
  it('derives events in journal order and resumes from any position', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const phone = await createPeer(dir, 'alice-phone', { join: true })
    t.after(() => closePeers([alice, bob, phone]))
    await befriendPeers(alice, bob)
    const a = alice.account.requireUser()
    const b = bob.account.requireUser()

    const sent = await alice.mailbox.send({ to: [b], body: 'ping' })
    await pushPeer(alice, bob)
    await waitSealed(bob, 1)
    await bob.mailbox.send({ to: [a], body: 'pong' })
    await publishPost(bob.account, 'public note')
    await pushPeer(bob, alice)
    await waitSealed(alice, 2) // alice's own delivered receipt for pong
    const device = await authorizeDevice(alice.account, await phone.account.joinRequest())
    await revokeDevice(alice.account, device.node)
    await removeContact(alice.account, 'bob')
    await alice.mailbox.waitProcessed((await alice.account.store.journalHead())!.position)

    const events = await alice.mailbox.eventsAfter(0, 1000)
    assert.deepEqual(events.map(summary), [
      'device authorized', // init: the user trusts its first node
      'device prekey',
      'contact trusted', // alice adds bob
      'contact trusted-by', // bob's trust arrives
      'message out ping',
      'receipt delivered',
      'message in pong',
      'post public note',
      'receipt delivered', // alice's own receipt for pong, sealed to her devices too
      'device authorized',
      'device revoked',
      'contact revoked',
    ])
    const positions = events.map((e) => ('position' in e ? e.position : 0))
    for (let i = 1; i < positions.length; i++) assert.ok(positions[i]! > positions[i - 1]!)
    assert.ok(positions.at(-1)! <= alice.mailbox.processed)
    const receipts = events.filter((e) => e.type === 'receipt')
    assert.deepEqual(
      receipts.map((e) => [e.messages, e.receipt.user]),
      [
        [[sent.id], b],
        [[events[6]?.type === 'message' ? events[6].message.id : ''], a],
      ],
    )
    const byType = Object.fromEntries(events.map((e) => [summary(e), e]))
    const contact = byType['contact trusted-by']
    assert.ok(contact?.type === 'contact' && contact.user === b)
    const revoked = byType['device revoked']
    assert.ok(revoked?.type === 'device' && revoked.node === device.node)

    // Resume after any event: exactly the rest, in order; the limit cuts the front.
    for (let k = 0; k < events.length; k++)
      assert.deepEqual(await alice.mailbox.eventsAfter(positions[k]!, 1000), events.slice(k + 1))
    assert.deepEqual(await alice.mailbox.eventsAfter(0, 3), events.slice(0, 3))
    await assert.rejects(alice.mailbox.eventsAfter(-1, 10), (e) =>
      isProtocolError(e, ErrorCode.BAD_REQUEST),
    )
  })

  it('shows no event for a line whose index is not committed', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    t.after(() => closePeers([alice]))
    const processed = alice.mailbox.processed
    const before = await alice.mailbox.eventsAfter(0, 1000)
    await alice.mailbox.stop()
    await publishPost(alice.account, 'not yet indexed')
    assert.ok((await alice.account.store.journalHead())!.position > processed)
    assert.deepEqual(await alice.mailbox.eventsAfter(0, 1000), before)
    await alice.mailbox.start()
    const after = await alice.mailbox.eventsAfter(processed, 1000)
    assert.deepEqual(after.map(summary), ['post not yet indexed'])
  })
})

describe('Mailbox index at rest', () => {
  it('keeps no plaintext in the store of a passphrase home', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice', { passphrase: 'correct horse' })
    const bob = await createPeer(dir, 'bob', { passphrase: 'battery staple' })
    const carol = await createPeer(dir, 'carol')
    t.after(() => closePeers([alice, bob, carol]))
    await befriendPeers(alice, bob)
    await befriendPeers(alice, carol)
    const body = 'plaintext-canary-7f3a9c subject to sealing'
    const subject = 'subject-canary-19be'
    const sent = await alice.mailbox.send({
      to: [bob.account.requireUser(), carol.account.requireUser()],
      body,
      subject,
    })
    await pushPeer(alice, bob)
    await pushPeer(alice, carol)
    assert.equal((await bob.mailbox.get(sent.id))?.body, body)
    assert.equal((await carol.mailbox.get(sent.id))?.body, body)
    await alice.account.store.close()
    await bob.account.store.close()
    await carol.account.store.close()
    for (const p of [alice, bob]) {
      assert.equal(storeContains(p, body), false, `${p.home}: body at rest`)
      assert.equal(storeContains(p, subject), false, `${p.home}: subject at rest`)
    }
    // Without a passphrase the index is not sealed: the scan does find plaintext there.
    assert.equal(storeContains(carol, body), true)
  })

  it('refuses a tampered or moved index record', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice', { passphrase: 'pw' })
    const bob = await createPeer(dir, 'bob', { passphrase: 'pw2' })
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const one = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'one' })
    const two = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'two' })
    const store = alice.account.store
    const sealed = (await store.getLocal(MAIL_NS, `m:${one.id}`))!
    // Moved under another key: the vault binds each value to its key.
    await store.putLocal(MAIL_NS, [{ key: `m:${two.id}`, value: sealed }])
    await assert.rejects(alice.mailbox.get(two.id), (e) =>
      isProtocolError(e, ErrorCode.DECRYPT_FAILED),
    )
    const flipped = Uint8Array.from(sealed)
    flipped[flipped.length - 1]! ^= 1
    await store.putLocal(MAIL_NS, [{ key: `m:${one.id}`, value: flipped }])
    await assert.rejects(alice.mailbox.get(one.id), (e) =>
      isProtocolError(e, ErrorCode.DECRYPT_FAILED),
    )
  })
})
