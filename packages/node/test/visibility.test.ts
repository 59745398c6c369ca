/**
 * Issue 11 part 2, visibility (docs/protocol/sync.md §10): a sealed resource is offered, served
 * and relayed only to the nodes of its readers and to hosts acting for them. Over TCP on
 * loopback with SQLite stores: Alice (laptop + host-only node), Bob (phone), Carol (trusted by
 * Alice only, trusts Alice), and Dave, a contact Alice adds after her history exists.
 * @module
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  askAll,
  befriend,
  footprint,
  introduce,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  publishPrekey,
  pullAll,
  sendSealed,
  shutdownAll,
  spyOffers,
} from '@sdmp/testkit/node-world'
import type { DiskNode } from '@sdmp/testkit/node-world'

const hasAll = async (n: DiskNode, ids: readonly string[]) =>
  (await n.store.hasResources(ids)).every(Boolean)
const hasNone = async (n: DiskNode, ids: readonly string[]) =>
  !(await n.store.hasResources(ids)).some(Boolean)

describe('visibility of sealed resources', () => {
  after(shutdownAll)

  it('a third contact gains nothing while Alice and Bob exchange 50 private messages', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    const carol = makeUser('carol', 3)
    befriend(alice, bob)
    befriend(bob, alice)
    befriend(alice, carol)
    befriend(carol, alice)
    const laptop = await openDiskNode(makeNodeIdentity('alice-laptop', alice, 101), tmpDir(after))
    const host = await openDiskNode(
      makeNodeIdentity('alice-host', alice, 111, ['read_resource']),
      tmpDir(after),
    )
    const phone = await openDiskNode(makeNodeIdentity('bob-phone', bob, 102), tmpDir(after))
    const carolNode = await openDiskNode(makeNodeIdentity('carol', carol, 103), tmpDir(after))
    for (const n of [laptop, host, phone, carolNode]) await introduce(n, alice, bob, carol)
    const prekeys = [await publishPrekey(laptop), await publishPrekey(phone)]
    await publishPrekey(carolNode)

    await host.start()
    await laptop.start({ peers: [host.address()] })
    await phone.start({ peers: [host.address(), laptop.address()], listen: false })
    await carolNode.start({ peers: [host.address(), laptop.address()], listen: false })
    await waitFor(async () => (await hasAll(laptop, prekeys)) && hasAll(phone, prekeys), {
      what: 'prekeys on both readers',
    })
    await waitFor(() => carolNode.engine.sessions.size === 2, { what: 'carol connected to both' })
    const spy = spyOffers(carolNode)
    await pullAll(carolNode)
    const before = await footprint(carolNode)

    // 50 private messages, alternating directions.
    const sealed: string[] = []
    for (let i = 0; i < 50; i++)
      sealed.push(
        i % 2 === 0
          ? await sendSealed(laptop, [bob], `a->b ${i}`)
          : await sendSealed(phone, [alice], `b->a ${i}`),
      )
    await waitFor(() => hasAll(phone, sealed), { what: 'all 50 on bob', timeout: 30_000 })
    await waitFor(() => hasAll(laptop, sealed), { what: 'all 50 on alice', timeout: 30_000 })
    await waitFor(() => hasAll(host, sealed), { what: 'all 50 on alice host', timeout: 30_000 })

    // A public post still reaches Carol (control), then an explicit pull from both of Alice's
    // nodes settles what Carol may see.
    const post = await laptop.publish({ kind: 'post', data: { body: 'public', type: 'text' } })
    await waitFor(() => carolNode.has(post.id), { what: 'the public post on carol' })
    await pullAll(carolNode)
    const afterwards = await footprint(carolNode)
    assert.deepEqual(afterwards, {
      lines: before.lines + 1,
      resources: before.resources + 1,
      encrypted: before.encrypted,
    })
    assert.ok(await hasNone(carolNode, sealed))
    for (const id of sealed) {
      assert.equal(spy.offered.has(id), false, 'never offered to carol')
      assert.equal(spy.journaled.has(id), false, 'never pushed to carol')
    }

    // Asked by id, each of Alice's nodes answers Carol exactly as for ids that never existed.
    const unknown = Array.from({ length: 5 }, () => randomBytes(64).toString('base64url'))
    for (const missing of await askAll(carolNode, [...sealed, ...unknown]))
      assert.deepEqual(missing, [...sealed, ...unknown])

    // Alice's host relays to Bob while the laptop is offline.
    await phone.manager!.stop()
    phone.manager = undefined
    const late = await sendSealed(laptop, [bob], 'while you were away')
    await waitFor(() => host.has(late), { what: 'late message on the host' })
    await laptop.shutdown()
    await phone.start({ peers: [host.address()], listen: false })
    await waitFor(() => phone.has(late), { what: 'late message relayed by the host' })
    await pullAll(carolNode)
    assert.equal(await carolNode.has(late), false)
    assert.equal((await footprint(carolNode)).encrypted, before.encrypted)
  })

  it('a contact added after the history exists receives none of it', async () => {
    const alice = makeUser('alice', 11)
    const bob = makeUser('bob', 12)
    const dave = makeUser('dave', 14)
    befriend(alice, bob)
    befriend(bob, alice)
    const laptop = await openDiskNode(makeNodeIdentity('alice-laptop', alice, 121), tmpDir(after))
    const phone = await openDiskNode(makeNodeIdentity('bob-phone', bob, 122), tmpDir(after))
    for (const n of [laptop, phone]) await introduce(n, alice, bob)
    const prekeys = [await publishPrekey(laptop), await publishPrekey(phone)]
    await laptop.start()
    await phone.start({ peers: [laptop.address()], listen: false })
    await waitFor(async () => (await hasAll(laptop, prekeys)) && hasAll(phone, prekeys), {
      what: 'prekeys on both readers',
    })
    const early = await laptop.publish({
      kind: 'post',
      data: { body: 'before dave', type: 'text' },
    })
    const sealed: string[] = []
    for (let i = 0; i < 30; i++)
      sealed.push(
        i % 3 === 2
          ? await sendSealed(phone, [alice], `b->a ${i}`)
          : await sendSealed(laptop, [bob], `a->b ${i}`),
      )
    await waitFor(() => hasAll(laptop, sealed), { what: 'history on alice', timeout: 30_000 })

    // Alice adds Dave; Dave's node meets her laptop for the first time (reconciliation).
    const trust = befriend(alice, dave)
    befriend(dave, alice)
    await laptop.ingestor.ingest([trust.bytes])
    const daveNode = await openDiskNode(makeNodeIdentity('dave', dave, 124), tmpDir(after))
    await introduce(daveNode, alice, dave)
    await introduce(laptop, dave) // the invite exchange
    const spy = spyOffers(daveNode)
    await daveNode.start({ peers: [laptop.address()], listen: false })
    await waitFor(() => daveNode.has(early.id), { what: "alice's older public post on dave" })
    await pullAll(daveNode)

    // A newer trust makes the laptop offer Alice's whole journal to Dave again (sync.md §8.5).
    const again = befriend(alice, dave)
    await laptop.ingestor.ingest([again.bytes])
    const later = await laptop.publish({
      kind: 'post',
      data: { body: 'after the new trust', type: 'text' },
    })
    await waitFor(() => daveNode.has(later.id), { what: 'the later post on dave' })
    await pullAll(daveNode)

    assert.equal((await footprint(daveNode)).encrypted, 0)
    assert.ok(await hasNone(daveNode, sealed))
    for (const id of sealed) assert.equal(spy.offered.has(id), false, 'never offered to dave')
    for (const missing of await askAll(daveNode, sealed)) assert.deepEqual(missing, sealed)
  })
})
