/**
 * Edit and delete of messages between mailboxes (docs/protocol/edits.md): the latest version
 * shown and marked edited with its history; a delete erases the content from the reader's
 * index; anyone but the author is refused on every node (the hostile case: a recipient signs an
 * update of the author's message and seals it with the sender's own code path); a change that
 * arrives before its original applies once the original is indexed.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { isProtocolError } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  syncPeers,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { ingestAccepted } from '@sdmp/testkit/node-world'
import { PrekeyBook } from '../src/mail/index.js'
import { MailRecords, historyKey, messageKey } from '../src/mail/records.js'
import type { MessageRecord } from '../src/mail/records.js'
import { publishSealed, signChange } from '../src/mail/sender.js'

async function twoPeers(prefix: string): Promise<[Peer, Peer]> {
  const dir = tmpDir(after, prefix)
  const alice = await createPeer(dir, 'alice')
  const bob = await createPeer(dir, 'bob')
  after(() => closePeers([alice, bob]))
  await befriendPeers(alice, bob)
  return [alice, bob]
}

/** The raw index record of a message on a peer (what the node keeps, sealed). */
async function rawRecord(peer: Peer, id: string) {
  const records = new MailRecords(peer.account.store, peer.account.vault)
  return {
    record: await records.get<MessageRecord>(messageKey(id)),
    history: await records.get<unknown[]>(historyKey(id)),
  }
}

const bytesOf = async (peer: Peer, id: string) => (await peer.account.store.getResource(id))!

describe('edit and delete between mailboxes', () => {
  it('an edit shows as the latest version, marked edited, with its history; a delete erases it', async () => {
    const [alice, bob] = await twoPeers('sdmp-edit-')
    const bobUser = bob.account.requireUser()
    const sent = await alice.mailbox.send({ to: [bobUser], body: 'helo', subject: 'hi' })
    await syncPeers(alice, bob)
    assert.equal((await bob.mailbox.get(sent.id))?.edited, null)

    const edited = await alice.mailbox.change(sent.id, { body: 'hello' })
    assert.equal(edited.body, 'hello')
    assert.equal(edited.subject, 'hi', 'the subject stays unless given')
    assert.ok(edited.edited !== null)
    await syncPeers(alice, bob)
    const seen = (await bob.mailbox.get(sent.id))!
    assert.equal(seen.body, 'hello')
    assert.equal(seen.edited, edited.edited)
    assert.equal(seen.deleted, false)
    const history = (await bob.mailbox.history(sent.id))!
    assert.deepEqual(
      history.map((v) => v.body),
      ['helo', 'hello'],
    )
    assert.equal(history[0]!.id, sent.id)
    // The inbox and the chat's last message show the edit too.
    assert.equal((await bob.mailbox.list()).find((m) => m.id === sent.id)?.body, 'hello')
    assert.equal((await bob.mailbox.chats()).chats[0]?.last.body, 'hello')
    // Forwarding it would forward the signed original, text Bob no longer sees: refused.
    await assert.rejects(bob.mailbox.forward(sent.id, { to: [bobUser] }), (e: unknown) =>
      isProtocolError(e, 'CONFLICT'),
    )
    const before = (await rawRecord(bob, sent.id)).record
    assert.ok(before?.signed !== undefined, 'the signed original is kept until a delete')

    const deleted = await alice.mailbox.change(sent.id, undefined)
    assert.equal(deleted.deleted, true)
    await syncPeers(alice, bob)
    const gone = (await bob.mailbox.get(sent.id))!
    assert.equal(gone.deleted, true)
    assert.equal(gone.body, '')
    assert.equal(gone.subject, null)
    assert.equal((await bob.mailbox.chats()).chats[0]?.last.deleted, true)
    assert.deepEqual(await bob.mailbox.history(sent.id), [])
    // The content is gone from Bob's index itself, not only hidden.
    const raw = await rawRecord(bob, sent.id)
    assert.equal(raw.record?.body, '')
    assert.equal(raw.record?.subject, undefined)
    assert.deepEqual(raw.history, [])
    // ...nor in the signed form kept for forwarding: no version's text is left anywhere.
    assert.equal(raw.record?.signed, undefined)
    assert.doesNotMatch(JSON.stringify(raw.record), /helo|hello/)
    await assert.rejects(bob.mailbox.forward(sent.id, { to: [bobUser] }), (e: unknown) =>
      isProtocolError(e, 'CONFLICT'),
    )
    // Nothing changes a deleted message any more.
    await assert.rejects(alice.mailbox.change(sent.id, { body: 'back' }), (e: unknown) =>
      isProtocolError(e, 'CONFLICT'),
    )
  })

  it('only the author may edit: a recipient is refused before signing', async () => {
    const [alice, bob] = await twoPeers('sdmp-edit-forbid-')
    const sent = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'mine' })
    await syncPeers(alice, bob)
    await assert.rejects(bob.mailbox.change(sent.id, { body: 'yours' }), (e: unknown) => {
      assert.ok(isProtocolError(e, 'FORBIDDEN'))
      assert.match((e as Error).message, /is not yours: only its author may edit it/)
      return true
    })
    await assert.rejects(bob.mailbox.change(sent.id, undefined), (e: unknown) =>
      isProtocolError(e, 'FORBIDDEN'),
    )
  })

  it("hostile: a recipient's crafted update or delete of the author's message is refused everywhere", async () => {
    const [alice, bob] = await twoPeers('sdmp-edit-hostile-')
    const aliceUser = alice.account.requireUser()
    const bobUser = bob.account.requireUser()
    const sent = await alice.mailbox.send({ to: [bobUser], body: 'the truth' })
    await syncPeers(alice, bob)
    const original = (await bob.mailbox.get(sent.id))!
    const record = (await rawRecord(bob, sent.id)).record!

    // Bob signs an update and a delete naming Alice's message, addressed to her so that her
    // node opens them, and seals them with the sender's own code path.
    const book = new PrekeyBook(bob.account)
    const readers = [aliceUser, bobUser]
    const { keys } = await book.recipientsOf(readers)
    for (const edit of [{ body: 'a lie' }, undefined]) {
      const forged = signChange(bob.account, { ...record, to: [aliceUser] }, edit)
      await publishSealed(bob.account, forged, keys, readers)
    }
    await syncPeers(alice, bob)
    for (const peer of [alice, bob]) {
      const now = (await peer.mailbox.get(sent.id))!
      assert.equal(now.body, 'the truth')
      assert.equal(now.edited, null)
      assert.equal(now.deleted, false)
      assert.deepEqual(
        (await peer.mailbox.history(sent.id))!.map((v) => v.body),
        ['the truth'],
      )
      assert.equal(peer.mailbox.rejectedChanges, 2, 'both refused, with a reason')
      const reasons = peer.events.filter((e) => e.name === 'mail.change-rejected')
      assert.deepEqual(
        reasons.map((e) => e.detail['reason']),
        ['NOT_AUTHOR', 'NOT_AUTHOR'],
      )
    }
    assert.equal((await bob.mailbox.get(sent.id))!.body, original.body)
  })

  it('an edit and a delete that arrive before the original apply once it is indexed', async () => {
    const [alice, bob] = await twoPeers('sdmp-edit-order-')
    const sent = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'v1' })
    const outers: string[] = [sent.outer]
    // The edits are published after the original: only their envelopes go to Bob first.
    const before = new Set(
      (await alice.account.store.queryResources({ kinds: ['encrypted'] })).map((m) => m.id),
    )
    await alice.mailbox.change(sent.id, { body: 'v2' })
    await alice.mailbox.change(sent.id, { body: 'v3' })
    const changes = (await alice.account.store.queryResources({ kinds: ['encrypted'] }))
      .map((m) => m.id)
      .filter((id) => !before.has(id))
    assert.equal(changes.length, 2)
    // Newest first: v3, then v2, then the original.
    for (const id of [...changes].reverse()) {
      await ingestAccepted(bob.account.ingestor, [await bytesOf(alice, id)])
      await bob.mailbox.waitProcessed((await bob.account.store.journalHead())!.position)
      assert.equal(await bob.mailbox.get(sent.id), undefined, 'not shown before the original')
    }
    for (const id of outers) await ingestAccepted(bob.account.ingestor, [await bytesOf(alice, id)])
    await bob.mailbox.waitProcessed((await bob.account.store.journalHead())!.position)
    const seen = (await bob.mailbox.get(sent.id))!
    assert.equal(seen.body, 'v3')
    assert.ok(seen.edited !== null)
    assert.deepEqual(
      (await bob.mailbox.history(sent.id))!.map((v) => v.body),
      ['v1', 'v2', 'v3'],
    )
  })

  it("hosts drop the sealed bytes on the author's delete (either order), never on a forged one", async () => {
    const dir = tmpDir(after, 'sdmp-edit-host-')
    const [alice, bob, carol, dave] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((n) => createPeer(dir, n)),
    )
    after(() => closePeers([alice!, bob!, carol!, dave!]))
    for (const [a, b] of [
      [alice, bob],
      [alice, carol],
      [bob, carol],
      [alice, dave],
    ] as const)
      await befriendPeers(a!, b!)
    const aliceUser = alice!.account.requireUser()
    const bobUser = bob!.account.requireUser()
    // Carol holds the envelope of a message to Bob, which she cannot open (a host for it).
    const sent = await alice!.mailbox.send({ to: [bobUser], body: 'for bob only' })
    const originalBytes = await bytesOf(alice!, sent.outer)
    await syncPeers(alice!, bob!)
    await pushPeer(alice!, carol!)
    assert.ok(await carol!.account.store.getResource(sent.outer))
    assert.equal(await carol!.mailbox.get(sent.id), undefined, 'carol cannot read it')

    // Bob forges a delete whose envelope names Alice's envelope: nothing is dropped anywhere.
    const record = (await rawRecord(bob!, sent.id)).record!
    const { keys } = await new PrekeyBook(bob!.account).recipientsOf([aliceUser, bobUser])
    const forged = signChange(bob!.account, { ...record, to: [aliceUser] }, undefined)
    await publishSealed(bob!.account, forged, keys, [aliceUser, bobUser], { replaces: sent.outer })
    await pushPeer(bob!, carol!)
    await syncPeers(alice!, bob!)
    for (const peer of [alice!, bob!, carol!])
      assert.ok(await peer.account.store.getResource(sent.outer), peer.home)
    assert.equal((await bob!.mailbox.get(sent.id))?.deleted, false)

    // Alice deletes: every node that holds the envelope drops its bytes, keeping the line.
    const before = await carol!.account.store.getMeta(sent.outer)
    await alice!.mailbox.change(sent.id, undefined)
    await pushPeer(alice!, carol!)
    await syncPeers(alice!, bob!)
    for (const peer of [alice!, bob!, carol!]) {
      assert.equal(await peer.account.store.getResource(sent.outer), undefined, peer.home)
      assert.ok(await peer.account.store.getMeta(sent.outer), 'the metadata and line stay')
    }
    assert.deepEqual(await carol!.account.store.getMeta(sent.outer), before)
    assert.equal((await bob!.mailbox.get(sent.id))?.deleted, true)

    // Dave gets the delete first, then the original: its bytes go as soon as it is stored.
    const deletes = await alice!.account.store.queryResources({
      kinds: ['encrypted'],
      ref: sent.outer,
      user: aliceUser,
    })
    assert.equal(deletes.length, 1)
    await ingestAccepted(dave!.account.ingestor, [await bytesOf(alice!, deletes[0]!.id)])
    await ingestAccepted(dave!.account.ingestor, [originalBytes])
    assert.ok(await dave!.account.store.getMeta(sent.outer))
    assert.equal(await dave!.account.store.getResource(sent.outer), undefined)
  })
})
