/**
 * `Ingestor.appendedOf` (ingest.ts, issue 14): the count of announced lines per kind, which the
 * daemon's per-send caches (prekeys, delegations) compare to skip the store. It must move for
 * every line the listeners hear of: this ingestor's own, and another writer's over the same
 * store once followed (several instances of one node, docs/scale.md); never for a duplicate.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStore } from '@sdmp/store'
import { waitFor } from '@sdmp/testkit'
import { befriend, makeNodeIdentity, makeUser, provider } from '@sdmp/testkit/node-world'
import { Ingestor } from '../src/ingest.js'

describe('Ingestor.appendedOf', () => {
  it('counts own and followed lines per kind, as the listeners hear them', async () => {
    const store = new MemoryStore({ sha512: provider.sha512 })
    const alice = makeUser('alice', 1)
    const node = makeNodeIdentity('alice-laptop', alice, 2)
    await store.initJournal(node.key.fingerprint)
    const a = new Ingestor({ provider, store })
    const b = new Ingestor({ provider, store })
    const follow = await b.followStore()
    const heard: string[] = []
    b.onAppended((lines) => heard.push(...lines.map((l) => l.resource.kind)))
    try {
      assert.equal(a.appendedOf('identity'), 0)
      // Alice's identity, her node's identity and its trust, through `a` alone.
      await a.ingest(alice.published.map((r) => r.bytes))
      assert.equal(a.appendedOf('identity'), 2)
      assert.equal(a.appendedOf('trust'), 1)
      await waitFor(() => heard.length === 3, { what: 'b followed the three lines' })
      assert.equal(b.appendedOf('identity'), 2)
      assert.equal(b.appendedOf('trust'), 1)

      // A duplicate appends nothing; a new trust moves only its kind.
      await a.ingest([alice.identity.bytes])
      const bob = makeUser('bob', 3)
      await a.ingest([bob.identity.bytes, befriend(alice, bob).bytes])
      assert.equal(a.appendedOf('identity'), 3)
      assert.equal(a.appendedOf('trust'), 2)
      assert.equal(a.appendedOf('prekey'), 0)
      await waitFor(() => heard.length === 5, { what: 'b followed the new lines' })
      assert.equal(b.appendedOf('identity'), 3)
      assert.equal(b.appendedOf('trust'), 2)
    } finally {
      await follow.stop()
    }
  })
})
