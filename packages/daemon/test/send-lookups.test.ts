/**
 * What every send looks up, read from the store only when it changed (issue 14). The prekey book's per-user reading (mail/prekeys.ts `recordsOf`, issue 14): every sealed send
 * asks for each reader's prekeys, so after the first call the store is queried only when a
 * prekey was stored since (`Ingestor.appendedOf`), and then only for the prekeys after the last
 * one read, however many messages the store holds; a new prekey is still seen at once, and
 * concurrent callers never list one twice.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ResourceMeta, ResourceQuery } from '@sdmp/store'
import { tmpDir } from '@sdmp/testkit'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  syncPeers,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { grantDelegation } from '../src/account/delegations.js'
import { publishPrekey } from '../src/account/index.js'
import { PrekeyBook } from '../src/mail/index.js'

/** Counts the prekey queries and rows of `peer`'s store and the resources it reads. */
function countReads(peer: Peer): { prekeyQueries: number; prekeyRows: number; resources: number } {
  const store = peer.account.store
  const seen = { prekeyQueries: 0, prekeyRows: 0, resources: 0 }
  const query = store.queryResources.bind(store)
  const get = store.getResource.bind(store)
  store.queryResources = async (q: ResourceQuery): Promise<ResourceMeta[]> => {
    const metas = await query(q)
    if (q.kinds?.includes('prekey')) {
      seen.prekeyQueries++
      seen.prekeyRows += metas.length
    }
    return metas
  }
  store.getResource = async (id: string) => {
    seen.resources++
    return get(id)
  }
  return seen
}

describe('PrekeyBook.recordsOf', () => {
  it('reads only prekeys stored since its last call, and sees a new one at once', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const b = bob.account.requireUser()
    const book = new PrekeyBook(alice.account)
    const reads = countReads(alice)

    const first = await book.recordsOf(b)
    assert.equal(first.length, 1, "Bob's one prekey")
    assert.equal(reads.prekeyRows, 1)

    // Messages both ways fill the store; asking again queries nothing and reads no resource.
    for (let i = 0; i < 5; i++) {
      await alice.mailbox.send({ to: [b], body: `to Bob ${i}` })
      await bob.mailbox.send({ to: [alice.account.requireUser()], body: `to Alice ${i}` })
    }
    await syncPeers(alice, bob)
    const before = { ...reads }
    assert.deepEqual(
      (await book.recordsOf(b)).map((r) => r.keyId),
      first.map((r) => r.keyId),
    )
    assert.deepEqual(reads, before, 'no query, nothing read again')

    // A new prekey of Bob's is read, alone, and listed beside the first.
    const next = await publishPrekey(bob.account)
    await syncPeers(alice, bob)
    const [again, concurrent] = await Promise.all([book.recordsOf(b), book.recordsOf(b)])
    for (const list of [again, concurrent])
      assert.deepEqual(list.map((r) => r.keyId).sort(), [first[0]!.keyId, next.keyId].sort())
    assert.equal(reads.prekeyRows - before.prekeyRows, 1, 'only the new prekey row')
  })
})

describe('Delegations a send looks up', () => {
  it('are read again only after a delegation was stored, and then seen at once', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const carol = await createPeer(dir, 'carol')
    t.after(() => closePeers([alice, bob, carol]))
    await befriendPeers(alice, bob)
    await befriendPeers(alice, carol)
    await befriendPeers(bob, carol)
    const a = alice.account.requireUser()
    let queries = 0
    const store = carol.account.store
    const query = store.queryResources.bind(store)
    store.queryResources = (q: ResourceQuery) => {
      if (q.kinds?.includes('delegation')) queries++
      return query(q)
    }

    const before = await carol.mailbox.send({ to: [a], body: 'before' })
    const read = queries
    for (let i = 0; i < 3; i++) await carol.mailbox.send({ to: [a], body: `more ${i}` })
    assert.equal(queries, read, 'no delegation query while none was stored')
    await pushPeer(carol, bob)
    assert.equal(await bob.mailbox.get(before.id), undefined, 'bob does not read for alice yet')

    // Alice lets Bob read for her: Carol's next send is sealed for Bob's node too.
    await grantDelegation(alice.account, 'bob', ['read'])
    await pushPeer(alice, carol)
    await pushPeer(alice, bob)
    const after = await carol.mailbox.send({ to: [a], body: 'after' })
    assert.ok(queries > read, 'read again once a delegation was stored')
    await pushPeer(carol, bob)
    assert.equal((await bob.mailbox.get(after.id))?.body, 'after')
  })
})
