/** Multi-node sync scenarios over the real secure channel, in process. @module */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ErrorCode, isProtocolError, verifyJournal } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import {
  befriend,
  closeAll,
  connect,
  introduce,
  makeNode,
  makeUser,
  provider,
} from '@sdmp/testkit/node-world'

const post = (body: string) => ({ kind: 'post' as const, data: { body, type: 'text' } })

/** Alice and Bob, mutual contacts, one node each, both introduced to both users. */
async function twoFriends(limits: Parameters<typeof makeNode>[4] = {}) {
  const alice = makeUser('alice', 1)
  const bob = makeUser('bob', 2)
  const a = await makeNode('a', alice, 101, undefined, limits)
  const b = await makeNode('b', bob, 102)
  befriend(alice, bob)
  befriend(bob, alice)
  await introduce(a, alice, bob)
  await introduce(b, alice, bob)
  return { alice, bob, a, b }
}

describe('sync between nodes', () => {
  after(closeAll)

  it('pushes a new resource to a connected trusted peer in real time', async () => {
    const { a, b } = await twoFriends()
    const [ca] = await connect(a, b)
    await Promise.all(
      [...a.engine.sessions.values(), ...b.engine.sessions.values()].map((s) => s.synced()),
    )
    const r = await a.publish(post('hello bob'))
    await waitFor(() => b.has(r.id), { what: 'push to b' })
    const lines = (await b.store.readJournal(0, 1000)).map((x) => x.line)
    assert.equal(verifyJournal(lines, provider.sha512).ok, true)
    await ca.close()
  })

  it('lets a node that was offline catch up from where it stopped', async () => {
    const { a, b } = await twoFriends()
    const early = await a.publish(post('before the first connection'))
    let [ca] = await connect(a, b)
    await waitFor(() => b.has(early.id), { what: 'first-contact pull' })
    await ca.close()
    await waitFor(() => b.engine.sessions.size === 0, { what: 'b notices the close' })
    const offline: { id: string }[] = []
    for (let i = 0; i < 30; i++) offline.push(await a.publish(post(`while b was offline ${i}`)))
    ;[ca] = await connect(a, b)
    await waitFor(
      async () => (await b.store.hasResources(offline.map((r) => r.id))).every(Boolean),
      { what: 'catch-up' },
    )
    await ca.close()
  })

  it('reconciles on first contact so that both sides get what they lack', async () => {
    const { a, b } = await twoFriends()
    const fromA: { id: string }[] = []
    const fromB: { id: string }[] = []
    for (let i = 0; i < 40; i++) fromA.push(await a.publish(post(`a ${i}`)))
    for (let i = 0; i < 25; i++) fromB.push(await b.publish(post(`b ${i}`)))
    await connect(a, b)
    await waitFor(async () => (await b.store.hasResources(fromA.map((r) => r.id))).every(Boolean), {
      what: 'b has all of a',
    })
    await waitFor(async () => (await a.store.hasResources(fromB.map((r) => r.id))).every(Boolean), {
      what: 'a has all of b',
    })
    assert.equal(await a.store.countResources(), await b.store.countResources())
  })

  it('reconciles a large first contact in one round: each side scans its store once', async () => {
    const { a, b } = await twoFriends()
    // ~860 ids fit one 64 KiB answer, so a's answers are deferred across several frames
    // (sync.md §5.3); b said "done" after each and rescanned its store on the next frame.
    const posts: { id: string }[] = []
    for (let i = 0; i < 2_000; i++) posts.push(await a.publish(post(`a ${i}`)))
    const scans = { a: 0, b: 0 }
    for (const [side, node] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const query = node.store.queryResources.bind(node.store)
      node.store.queryResources = (q) => {
        // A snapshot of the visible set starts with the first page (reconcile-driver.ts).
        if (q.afterPosition === 0 && q.limit === 10_000) scans[side]++
        return query(q)
      }
    }
    await connect(b, a)
    await waitFor(async () => (await b.store.hasResources(posts.map((r) => r.id))).every(Boolean), {
      what: 'b has all of a',
      timeout: 60_000,
    })
    assert.deepEqual(scans, { a: 1, b: 1 })
  })

  it('never journals a private message in the clear', async () => {
    const { a, alice, bob } = await twoFriends()
    const { signResource } = await import('@sdmp/core')
    const clear = signResource(
      provider,
      {
        kind: 'message',
        user: alice.key.fingerprint,
        trust: a.trust.id,
        data: { body: 'oops', type: 'text', to: [bob.key.fingerprint] },
      },
      [a.key],
    )
    const [outcome] = await a.ingestor.ingest([clear.bytes])
    assert.equal(outcome!.status, 'rejected')
    assert.equal(outcome!.code, ErrorCode.FORBIDDEN)
    assert.equal(await a.has(clear.id), false)
  })

  it('relays a resource from A to C only through B', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    befriend(alice, bob)
    befriend(bob, alice)
    const a = await makeNode('alice-laptop', alice, 101)
    const host = await makeNode('alice-host', alice, 103, ['read_resource'])
    const c = await makeNode('bob-phone', bob, 102)
    for (const n of [a, host, c]) await introduce(n, alice, bob)
    await connect(a, host)
    await connect(host, c)
    const r = await a.publish(post('through the host'))
    await waitFor(() => c.has(r.id), { what: 'relay to c' })
    assert.equal(a.engine.sessions.has(c.key.fingerprint), false)
  })

  it('refuses an untrusted node before any data and sends it nothing', async () => {
    const alice = makeUser('alice', 1)
    const carol = makeUser('carol', 3)
    befriend(carol, alice) // carol added alice, but alice never trusted carol
    const a = await makeNode('a', alice, 101)
    const c = await makeNode('c', carol, 104)
    await introduce(a, alice, carol)
    await introduce(c, alice, carol)
    const secret = await a.publish(post('not for carol'))
    await assert.rejects(connect(c, a), (e) => isProtocolError(e, ErrorCode.FORBIDDEN))
    assert.equal(await c.has(secret.id), false)
  })

  it('disconnects a connected peer when its trust is revoked', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    const a = await makeNode('a', alice, 101)
    const b = await makeNode('b', bob, 102)
    const contact = befriend(alice, bob)
    befriend(bob, alice)
    await introduce(a, alice, bob)
    await introduce(b, alice, bob)
    const [ca] = await connect(a, b)
    const { signResource } = await import('@sdmp/core')
    const revoke = signResource(
      provider,
      {
        kind: 'revoke',
        user: alice.key.fingerprint,
        data: { resource: contact.id },
        created: Date.now(),
      },
      [alice.key],
    )
    await a.ingestor.ingest([revoke.bytes])
    const info = await ca.closed
    assert.equal(info.reason, 'revoked')
    const later = await a.publish(post('after the revocation'))
    assert.equal(await b.has(later.id), false)
  })

  it('penalizes and disconnects a peer that sends invalid resources', async () => {
    const { a, b } = await twoFriends({ maxPenalty: 3 })
    const [, cb] = await connect(a, b)
    const { resourceMessage } = await import('../src/index.js')
    for (let i = 0; i < 3; i++)
      await cb.send(resourceMessage(new TextEncoder().encode(`{"not":"a resource ${i}"}`)))
    const info = await cb.closed
    assert.equal(info.reason, 'penalty')
    assert.equal(info.by, 'remote')
  })
})
