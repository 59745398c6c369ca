/**
 * Sessions in the mailbox (docs/protocol/sessions.md §6-§8): two users, Bob with two devices,
 * messages both ways over restarts, every message opening on every reading node; first
 * messages carry prekey wraps and later ones session entries only; the sender's session state
 * is stored before publishing (an envelope sealed but never published, then a restart, never
 * makes a message key be used twice); a reinstalled device (a new node) gets a prekey wrap.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeResource, openSessionResource, validateResource } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  restartPeer,
  syncPeers,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { authorizeDevice, publishPrekey } from '../src/account/index.js'
import { PrekeyBook } from '../src/mail/index.js'
import { MailRecords } from '../src/mail/records.js'
import { signMessage } from '../src/mail/sender.js'
import { SessionBook } from '../src/mail/sessions.js'

/** The `encrypted` data of an outer resource `peer` stores. */
async function envelopeOf(peer: Peer, outer: string) {
  const bytes = await peer.account.store.getResource(outer)
  const r = decodeResource(peer.account.provider, bytes!)
  return r.raw as { recipients: unknown[]; sessions?: unknown[] }
}

/** Add a second device of `owner`'s user in `dir/name`, reading, synced with `owner`. */
async function addDevice(dir: string, owner: Peer, name: string): Promise<Peer> {
  const device = await createPeer(dir, name, { join: true })
  await authorizeDevice(owner.account, await device.account.joinRequest())
  await pushPeer(owner, device)
  await restartPeer(device) // it learns its user from the trust that arrived
  await publishPrekey(device.account)
  await syncPeers(owner, device)
  return device
}

describe('Mailbox sessions', () => {
  it('two users, two devices for Bob: every message opens everywhere, both ways, over restarts', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const phone = await addDevice(dir, bob, 'bob-phone')
    t.after(() => closePeers([alice, bob, phone]))
    await befriendPeers(alice, bob)
    await syncPeers(bob, phone)
    const a = alice.account.requireUser()
    const b = bob.account.requireUser()
    const everywhere = async (id: string, readers: readonly Peer[]) => {
      for (const p of readers) assert.ok(await p.mailbox.get(id), `${p.home} has ${id}`)
    }
    const deliver = async () => {
      await syncPeers(alice, bob)
      await syncPeers(bob, phone)
      await syncPeers(alice, phone)
    }

    const first = await alice.mailbox.send({ to: [b], body: 'first' })
    assert.equal((await envelopeOf(alice, first.outer)).recipients.length, 2, 'two prekey wraps')
    await deliver()
    await everywhere(first.id, [alice, bob, phone])
    // Answers go over the sessions Alice started (a responder sends at once) and confirm them.
    const answer = await bob.mailbox.send({ to: [a], body: 'answer', replyTo: first.id })
    const fromPhone = await phone.mailbox.send({ to: [a], body: 'from the phone' })
    await deliver()
    await everywhere(answer.id, [alice, bob, phone])
    await everywhere(fromPhone.id, [alice, bob, phone])

    const second = await alice.mailbox.send({ to: [b], body: 'second' })
    const env = await envelopeOf(alice, second.outer)
    assert.equal(env.recipients.length, 0, "no wrap once both of Bob's devices have a session")
    assert.equal(env.sessions?.length, 4, 'two session entries, the self entry and a dummy')
    await deliver()
    await everywhere(second.id, [alice, bob, phone])

    for (const p of [alice, bob, phone]) await restartPeer(p)
    const third = await alice.mailbox.send({ to: [b], body: 'after restarts' })
    assert.equal((await envelopeOf(alice, third.outer)).recipients.length, 0, 'sessions survived')
    const again = await bob.mailbox.send({ to: [a], body: 'after restarts too' })
    assert.equal((await envelopeOf(bob, again.outer)).recipients.length, 0)
    await deliver()
    await everywhere(third.id, [alice, bob, phone])
    await everywhere(again.id, [alice, bob, phone])
    // The sealing node reads its own envelope back without the inner resource in hand: the
    // self entry, keyed from its prekey secret (sessions.md §8.2).
    const outer = validateResource(
      alice.account.provider,
      (await alice.account.store.getResource(third.outer))!,
      alice.account.ingestor.graph,
      { now: Date.now() },
    )
    const own = openSessionResource(
      alice.account.provider,
      outer,
      {
        self: alice.account.node,
        secrets: await new PrekeyBook(alice.account).secrets(),
        sessions: [],
      },
      alice.account.ingestor.graph,
      { now: Date.now(), reader: a },
    )
    assert.equal(own.inner.id, third.id)
  })

  it('a sealed envelope never published, then a restart: the next message uses a new key', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const a = alice.account.requireUser()
    const b = bob.account.requireUser()
    const first = await alice.mailbox.send({ to: [b], body: 'starts the session' })
    await syncPeers(alice, bob)
    assert.ok(await bob.mailbox.get(first.id))
    await bob.mailbox.send({ to: [a], body: 'confirms the session' })
    await syncPeers(alice, bob)

    // What the mailbox does up to the publish, then "kill -9": the envelope is lost.
    const book = new PrekeyBook(alice.account)
    const sessions = new SessionBook(
      alice.account,
      new MailRecords(alice.account.store, alice.account.vault),
      book,
      (fn) => fn(),
    )
    const lostInner = signMessage(alice.account, { to: [b], body: 'sealed, never sent' }, undefined)
    const keys = await book.requireRecipients([b, a])
    const trust = alice.account.nodeTrusts('publish_resource')[0]!.id
    const lost = await sessions.seal(lostInner, keys, { trust }, { readers: [b, a] })
    await restartPeer(alice)

    const next = await alice.mailbox.send({ to: [b], body: 'after the crash' })
    assert.equal((await envelopeOf(alice, next.outer)).recipients.length, 0)
    await syncPeers(alice, bob)
    assert.ok(await bob.mailbox.get(next.id), 'the next message opens (a skipped counter)')
    // Had the restart reused the lost envelope's message key, one of the two would not open.
    await alice.account.publishSealed(lost, lostInner)
    await syncPeers(alice, bob)
    assert.ok(await bob.mailbox.get(lostInner.id), 'the lost one opens too, late: its own key')
  })

  it('a reinstalled device (a new node) gets a prekey wrap again and reads', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const b = bob.account.requireUser()
    const first = await alice.mailbox.send({ to: [b], body: 'one' })
    await syncPeers(alice, bob)
    assert.ok(await bob.mailbox.get(first.id))
    await bob.mailbox.send({ to: [alice.account.requireUser()], body: 'confirms' })
    const fresh = await addDevice(dir, bob, 'bob-reinstalled')
    t.after(() => closePeers([fresh]))
    await syncPeers(alice, bob)
    const next = await alice.mailbox.send({ to: [b], body: 'two' })
    const env = await envelopeOf(alice, next.outer)
    assert.equal(env.recipients.length, 2, 'a wrap for the new node (and a dummy)')
    await syncPeers(alice, bob)
    await syncPeers(bob, fresh)
    assert.ok(await bob.mailbox.get(next.id))
    assert.ok(await fresh.mailbox.get(next.id), 'the new node reads it')
  })

  it('a burst before the first answer loses nothing either way, and starts one session', async (t) => {
    // Before sessions.md §6 "Pending start", every message of a burst started a session of its
    // own and each side kept the newest 4: Bob answered on a session Alice had dropped, and
    // Alice then wrote on one Bob had dropped (a flood with replies lost ~1 message in 6).
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    // Clocks that move on every reading, as under load: no two sessions start in the same ms.
    const ticking = () => {
      let t = Date.now()
      return () => (t += 3)
    }
    await restartPeer(alice, ticking())
    await restartPeer(bob, ticking())
    const a = alice.account.requireUser()
    const b = bob.account.requireUser()
    const sendAll = async (from: Peer, to: string, n: number, tag: string) => {
      const sent: { id: string; outer: string }[] = []
      for (let i = 0; i < n; i++)
        sent.push(await from.mailbox.send({ to: [to], body: `${tag} ${i}` }))
      return sent
    }
    const readable = async (p: Peer, sent: readonly { id: string }[]) => {
      for (const { id } of sent) assert.ok(await p.mailbox.get(id), `${p.home} reads ${id}`)
    }

    // Bob writes first too: his prekey message starts a session of his, which Alice stores
    // while her own start is pending (it must not push hers out either).
    const early = await sendAll(bob, a, 1, 'early')
    const burst = await sendAll(alice, b, 6, 'burst')
    // While the start is pending, a message carries an entry on the pending session and a wrap.
    const pending = await envelopeOf(alice, burst[5]!.outer)
    assert.ok(pending.recipients.length > 0, 'still a prekey wrap')
    await syncPeers(alice, bob)
    await readable(alice, early)
    await readable(bob, burst)
    // Bob answers on his newest session, while Alice goes on writing before she sees it.
    const answer = await sendAll(bob, a, 1, 'answer')
    const more = await sendAll(alice, b, 6, 'more')
    await syncPeers(alice, bob)
    await readable(alice, answer)
    await readable(bob, more)
    // The answer confirmed the session: entries only from now on, and they open.
    const after = await sendAll(alice, b, 3, 'after')
    for (const { outer } of after) {
      const env = await envelopeOf(alice, outer)
      assert.equal(env.recipients.length, 0, 'no wrap once the session is confirmed')
    }
    const reply = await sendAll(bob, a, 3, 'reply')
    await syncPeers(alice, bob)
    await readable(bob, after)
    await readable(alice, reply)
  })
})
