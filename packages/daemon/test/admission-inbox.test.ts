/**
 * Issue 11 part 3, observation (3) (docs/protocol/sync.md §9, docs/messaging.md "Indexing"): a
 * stranger's sealed message relayed by a trusted peer is refused by admission, and even once
 * stored by a local path it never reaches the inbox. The rest of admission is the runtime's
 * (packages/node/test/admission.test.ts).
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tmpDir } from '@sdmp/testkit'
import { befriendPeers, closePeers, createPeer, peerResources } from '@sdmp/testkit/daemon-world'
import { addContact, createInvite } from '@sdmp/daemon'

describe('admission: a stranger’s sealed message', () => {
  it('(3) is refused from a peer, and never reaches the inbox even once stored', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const carol = await createPeer(dir, 'carol')
    t.after(() => closePeers([alice, bob, carol]))
    await befriendPeers(alice, bob)
    // Carol adds Alice (she has Alice's invite) but Alice never adds Carol.
    await addContact(carol.account, await createInvite(alice.account))
    await carol.mailbox.send({ to: [alice.account.requireUser()], body: 'hello from a stranger' })
    const carolsAll = await peerResources(carol)
    // Relayed by Bob's node (a trusted peer): the sealed message is outside Alice's closure.
    const outcomes = await alice.account.ingestor.ingest(carolsAll, { source: 'bob-node' })
    const sealed = await carol.account.store.queryResources({ kinds: ['encrypted'] })
    assert.equal(sealed.length, 1)
    const o = outcomes.find((x) => x.id === sealed[0]!.id)!
    // Its signer (Carol's node) is outside the closure too, so it waits unauthorized (bounded)
    // or is refused; either way it is not stored.
    assert.ok(
      o.status === 'pending' || (o.status === 'rejected' && o.code === 'FORBIDDEN'),
      o.status,
    )
    assert.ok(
      outcomes.every((x) => x.status !== 'stored'),
      'nothing of carol is stored',
    )
    assert.deepEqual(await alice.account.store.hasResources([sealed[0]!.id]), [false])
    // Even if it gets stored by a local path (an import), the inbox ignores it.
    await alice.account.ingestor.ingest(carolsAll)
    const head = (await alice.account.store.journalHead())!.position
    await alice.mailbox.waitProcessed(head)
    assert.deepEqual(await alice.mailbox.list(), [])
    // Bob's message still arrives.
    await bob.mailbox.send({ to: [alice.account.requireUser()], body: 'hi from bob' })
    await alice.account.ingestor.ingest(await peerResources(bob), { source: 'bob-node' })
    await alice.mailbox.waitProcessed((await alice.account.store.journalHead())!.position)
    assert.deepEqual(
      (await alice.mailbox.list()).map((m) => m.body),
      ['hi from bob'],
    )
  })
})
