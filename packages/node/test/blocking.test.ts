/**
 * Blocking in the runtime (docs/messaging.md "Blocking"): the ingestor refuses what a blocked
 * user or any of their nodes authored (reason `blocked`, nothing stored or parked), the trust
 * gate refuses their nodes with `blocked` although their user is trusted, the engine serves
 * none of their stored resources, and an empty block list changes nothing.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { befriend, closeAll, introduce, makeNode, makeUser } from '@sdmp/testkit/node-world'

after(closeAll)

describe('blocking in the runtime', () => {
  it('refuses a blocked user and their nodes, at ingest and at the gate', async () => {
    const alice = makeUser('alice', 301)
    const bob = makeUser('bob', 302)
    befriend(alice, bob)
    befriend(bob, alice)
    const a = await makeNode('a', alice, 303)
    const b = await makeNode('b', bob, 304)
    await introduce(a, alice, bob)
    await introduce(b, alice, bob)
    a.ingestor.user = () => alice.key.fingerprint
    const me = alice.key.fingerprint
    const them = bob.key.fingerprint
    const post = await b.publish({ kind: 'post', data: { body: 'hi', type: 'text' } })
    const later = await b.publish({ kind: 'post', data: { body: 'again', type: 'text' } })
    const [first] = await a.ingestor.ingest([post.bytes], { source: 'b' })
    assert.equal(first?.status, 'stored', 'not blocked yet')
    assert.deepEqual(await a.engine.authorize({ fingerprint: b.key.fingerprint } as never), {
      ok: true,
    })
    assert.equal(a.engine.visibleTo(me, them), true)

    const blocked = new Set([them])
    a.ingestor.blocked = () => blocked
    assert.equal(a.ingestor.isBlocked(them, Date.now()), true)
    assert.equal(a.ingestor.isBlocked(b.key.fingerprint, Date.now()), true, 'their node too')
    assert.equal(a.ingestor.isBlocked(me, Date.now()), false)
    for (const source of ['b', undefined]) {
      const [o] = await a.ingestor.ingest([later.bytes], source === undefined ? {} : { source })
      assert.equal(o?.status, 'rejected')
      assert.equal(o?.reason, 'blocked')
      assert.equal(o?.code, 'FORBIDDEN')
    }
    assert.equal(await a.has(later.id), false)
    assert.equal(a.ingestor.pendingCount, 0, 'nothing parked')
    assert.deepEqual(await a.engine.authorize({ fingerprint: b.key.fingerprint } as never), {
      ok: false,
      reason: 'blocked',
    })
    assert.equal(a.engine.visibleTo(me, them), false, 'what we hold of theirs is served to no one')

    blocked.clear()
    const [o] = await a.ingestor.ingest([later.bytes], { source: 'b' })
    assert.equal(o?.status, 'stored', 'unblocked: accepted again')
  })
})
