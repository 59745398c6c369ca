/**
 * Multi-node topologies over real TCP with SQLite stores and peer managers: a chain and a star
 * where a resource reaches exactly the nodes its user's trust allows (sync.md §8.5), and a
 * partition that heals when the cut node comes back.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriend,
  introduce,
  journalIds,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  shutdownAll,
} from '@sdmp/testkit/node-world'
import type { DiskNode, User } from '@sdmp/testkit/node-world'

const post = (body: string) => ({ kind: 'post' as const, data: { body, type: 'text' } })

async function node(name: string, user: User, seed: number, auth?: string[]): Promise<DiskNode> {
  return openDiskNode(makeNodeIdentity(name, user, seed, auth), tmpDir(after))
}

/** Wait until every node's fetcher is idle and nothing is pending, twice in a row. */
async function quiescent(nodes: readonly DiskNode[]): Promise<void> {
  const quiet = () =>
    nodes.every((n) => n.engine.fetcher.pending === 0 && n.ingestor.pendingCount === 0)
  await waitFor(async () => quiet() && (await new Promise((r) => setImmediate(r)), quiet()), {
    what: 'quiescence',
  })
}

/** Assert who holds `id`: exactly the nodes in `yes`, none of `no`. */
async function holders(id: string, yes: DiskNode[], no: DiskNode[], what: string): Promise<void> {
  for (const n of yes) await waitFor(() => n.has(id), { what: `${what} on ${n.name}` })
  for (const n of no) assert.equal(await n.has(id), false, `${what} must not reach ${n.name}`)
}

describe('loopback topologies', () => {
  after(shutdownAll)

  it('chain: each resource travels as far as its user trusts, through other users nodes', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    const carol = makeUser('carol', 3)
    befriend(alice, bob)
    befriend(bob, alice)
    befriend(bob, carol)
    befriend(carol, bob) // alice and carol do not know each other
    const chain = [
      await node('alice-laptop', alice, 101),
      await node('alice-host', alice, 111, ['read_resource']),
      await node('bob-phone', bob, 102),
      await node('bob-laptop', bob, 112),
      await node('carol-phone', carol, 103),
    ]
    for (const n of chain) await introduce(n, alice, bob, carol)
    await chain[0]!.start()
    for (let i = 1; i < chain.length; i++)
      await chain[i]!.start({ peers: [chain[i - 1]!.address()] })
    const [aLaptop, aHost, bPhone, bLaptop, cPhone] = chain as [
      DiskNode,
      DiskNode,
      DiskNode,
      DiskNode,
      DiskNode,
    ]
    const pa = await aLaptop.publish(post('from alice'))
    const pc = await cPhone.publish(post('from carol'))
    const pb = await bLaptop.publish(post('from bob, to everyone'))
    await holders(pb.id, chain, [], 'bob post')
    await holders(pa.id, [aHost, bPhone, bLaptop], [], 'alice post')
    await holders(pc.id, [bLaptop, bPhone], [], 'carol post')
    // A last post from each end marks that everything sent before it has travelled the chain.
    const endA = await aLaptop.publish(post('alice end'))
    const endC = await cPhone.publish(post('carol end'))
    await holders(endA.id, [bLaptop], [], 'alice end marker')
    await holders(endC.id, [bPhone], [], 'carol end marker')
    await quiescent(chain)
    await holders(pa.id, [], [cPhone], 'alice post')
    await holders(pc.id, [], [aLaptop, aHost], 'carol post')
    for (const n of chain) {
      const ids = await journalIds(n)
      assert.equal(new Set(ids).size, ids.length, `${n.name}: no resource journaled twice`)
    }
  })

  it('star: the hub relays to trusted leaves only, and refuses an outsider', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    const carol = makeUser('carol', 3)
    const dave = makeUser('dave', 4)
    befriend(alice, bob)
    befriend(bob, alice)
    befriend(bob, carol)
    befriend(carol, bob)
    befriend(dave, bob) // dave added bob; bob never trusted dave
    const hub = await node('bob-server', bob, 112)
    const leaves = [
      await node('alice-laptop', alice, 101),
      await node('alice-phone', alice, 121),
      await node('bob-phone', bob, 102),
      await node('carol-phone', carol, 103),
    ]
    const outsider = await node('dave-phone', dave, 104)
    for (const n of [hub, ...leaves, outsider]) await introduce(n, alice, bob, carol, dave)
    const introduced = await outsider.store.countResources()
    await hub.start()
    for (const l of [...leaves, outsider]) await l.start({ peers: [hub.address()], listen: false })
    const [aLaptop, aPhone, bPhone, cPhone] = leaves as [DiskNode, DiskNode, DiskNode, DiskNode]
    const pa = await aPhone.publish(post('alice from her phone'))
    const pc = await cPhone.publish(post('carol'))
    const pb = await bPhone.publish(post('bob'))
    await holders(pb.id, [hub, ...leaves], [], 'bob post')
    await holders(pa.id, [hub, aLaptop, bPhone], [], 'alice post')
    await holders(pc.id, [hub, bPhone], [], 'carol post')
    await quiescent([hub, ...leaves])
    await holders(pa.id, [], [cPhone, outsider], 'alice post')
    await holders(pc.id, [], [aLaptop, aPhone, outsider], 'carol post')
    const st = outsider.manager!.status()[0]!
    assert.notEqual(st.state, 'connected')
    assert.equal(st.lastError, 'forbidden')
    assert.equal(await outsider.store.countResources(), introduced, 'dave received nothing')
  })

  it('heals a partition: both sides publish while cut, then all converge', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    befriend(alice, bob)
    befriend(bob, alice)
    const a = await node('alice-laptop', alice, 101)
    const b = await node('bob-phone', bob, 102)
    const c = await node('alice-phone', alice, 121)
    const d = await node('bob-laptop', bob, 112)
    const all = [a, b, c, d]
    for (const n of all) await introduce(n, alice, bob)
    // a <- b <- c <- d (each dials the previous one)
    await a.start()
    await b.start({ peers: [a.address()] })
    await c.start({ peers: [b.address()] })
    await d.start({ peers: [c.address()] })
    const first = await a.publish(post('before the cut'))
    await holders(first.id, all, [], 'first post')

    const cAddress = c.address()
    await c.manager!.stop() // cuts b-c and c-d
    c.manager = undefined
    await waitFor(() => b.engine.sessions.size === 1 && d.engine.sessions.size === 0, {
      what: 'the cut is seen',
    })
    const written = [first]
    for (const [n, i] of [a, b, c, d, a, c].map((n, i) => [n, i] as const))
      written.push(await n.publish(post(`during the cut ${i} on ${n.name}`)))
    assert.equal(await a.has(written[3]!.id), false, 'c was cut off')

    await c.start({ peers: [b.address()], port: cAddress.port }) // d re-dials c on its own
    for (const n of all)
      await waitFor(
        async () => (await n.store.hasResources(written.map((r) => r.id))).every(Boolean),
        { what: `${n.name} converged` },
      )
    await quiescent(all)
    const sets = await Promise.all(all.map(async (n) => new Set(await journalIds(n))))
    for (const s of sets.slice(1)) assert.deepEqual(s, sets[0])
  })
})
