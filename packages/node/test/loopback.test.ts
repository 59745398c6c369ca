/**
 * Sync over real TCP on 127.0.0.1 with SQLite stores on disk, driven by the peer manager:
 * push and pull, catch-up after a restart from the stored position, re-dial with backoff.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  FAST_BACKOFF,
  befriend,
  introduce,
  journalIds,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  shutdownAll,
  spyStore,
} from '@sdmp/testkit/node-world'
import type { DiskNode, User } from '@sdmp/testkit/node-world'

const post = (body: string) => ({ kind: 'post' as const, data: { body, type: 'text' } })
const hasAll = async (n: DiskNode, ids: readonly { id: string }[]) =>
  (await n.store.hasResources(ids.map((r) => r.id))).every(Boolean)

/** Alice and Bob, trusting each other. */
function friends(): [User, User] {
  const alice = makeUser('alice', 1)
  const bob = makeUser('bob', 2)
  befriend(alice, bob)
  befriend(bob, alice)
  return [alice, bob]
}

describe('loopback sync with the peer manager', () => {
  after(shutdownAll)

  it('pulls on connection and pushes in both directions afterwards', async () => {
    const [alice, bob] = friends()
    const ia = makeNodeIdentity('a', alice, 101)
    const ib = makeNodeIdentity('b', bob, 102)
    const a = await openDiskNode(ia, tmpDir(after))
    const b = await openDiskNode(ib, tmpDir(after))
    await introduce(a, alice, bob)
    await introduce(b, alice, bob)
    const before = await a.publish(post('before the connection'))
    await a.start()
    await b.start({ peers: [a.address()], listen: false })
    await waitFor(() => b.has(before.id), { what: 'pull on first contact' })
    await waitFor(() => b.manager!.status()[0]!.state === 'connected', { what: 'connected' })
    const fromA = await a.publish(post('pushed by a'))
    const fromB = await b.publish(post('pushed by b'))
    await waitFor(() => b.has(fromA.id), { what: 'push a -> b' })
    await waitFor(() => a.has(fromB.id), { what: 'push b -> a' })
    const [ja, jb] = [await journalIds(a), await journalIds(b)]
    assert.deepEqual(new Set(ja), new Set(jb))
    assert.equal(new Set(jb).size, jb.length, 'no resource journaled twice')
    const st = b.manager!.status()[0]!
    assert.equal(st.fingerprint, ia.key.fingerprint)
    assert.equal(st.inbound, false)
  })

  it('catches up after a restart from its stored position, fetching only what it lacks', async () => {
    const [alice, bob] = friends()
    const ia = makeNodeIdentity('a', alice, 101)
    const ib = makeNodeIdentity('b', bob, 102)
    let aCalls: [string, unknown[]][] = []
    const a = await openDiskNode(ia, tmpDir(after), {
      wrapStore: (s) => {
        const w = spyStore(s)
        aCalls = w.calls
        return w.store
      },
    })
    const bDir = tmpDir(after)
    let b = await openDiskNode(ib, bDir)
    await introduce(a, alice, bob)
    await introduce(b, alice, bob)
    await a.start()
    await b.start({ peers: [a.address()], listen: false })
    const early: { id: string }[] = []
    for (let i = 0; i < 20; i++) early.push(await a.publish(post(`early ${i}`)))
    await waitFor(() => hasAll(b, early), { what: 'b has the early posts' })
    await waitFor(() => sawHead(b, a), { what: 'b recorded its position in a' })
    const headAtStop = (await a.store.journalHead())!.position
    await b.shutdown()
    await waitFor(() => a.engine.sessions.size === 0, { what: 'a notices b left' })

    const late: { id: string }[] = []
    for (let i = 0; i < 30; i++) late.push(await a.publish(post(`while b was offline ${i}`)))
    const mark = aCalls.length
    b = await openDiskNode(ib, bDir)
    assert.ok((await b.store.getPeerState(ia.key.fingerprint))?.lastKnown, 'position survived')
    await b.start({ peers: [a.address()], listen: false })
    await waitFor(() => hasAll(b, late), { what: 'b caught up' })
    await waitFor(() => b.engine.fetcher.pending === 0, { what: 'b fetcher idle' })

    const calls = aCalls.slice(mark)
    const reads = calls.filter(([m]) => m === 'readJournal').map(([, args]) => args[0] as number)
    assert.ok(reads.length > 0, 'b pulled journal pages')
    assert.ok(
      reads.every((p) => p >= headAtStop),
      `b resumed after position ${headAtStop}, read from ${reads.join(',')}`,
    )
    // Sync frames a resource from its bytes at rest (compact.md §7), getResource elsewhere.
    const served = calls.filter(([m]) => m === 'getStoredResource' || m === 'getResource').length
    assert.equal(served, late.length, 'a served exactly the resources b lacked')
    assert.equal(await b.store.countResources(), await a.store.countResources())
    const jb = await journalIds(b)
    assert.equal(new Set(jb).size, jb.length)
  })

  it('re-dials with backoff until a peer that was down comes up', async () => {
    const [alice, bob] = friends()
    const a = await openDiskNode(makeNodeIdentity('a', alice, 101), tmpDir(after))
    const b = await openDiskNode(makeNodeIdentity('b', bob, 102), tmpDir(after))
    await introduce(a, alice, bob)
    await introduce(b, alice, bob)
    // Find a free port, then leave it closed while b starts dialling it.
    await a.start()
    const target = a.address()
    await a.manager!.stop()
    a.manager = undefined
    const r = await a.publish(post('waiting for b'))
    await b.start({ peers: [target], listen: false })
    await waitFor(() => (b.manager!.status()[0]!.failures >= 2 ? true : undefined), {
      what: 'b failed to dial twice',
    })
    const down = b.manager!.status()[0]!
    assert.equal(down.state === 'backoff' || down.state === 'connecting', true)
    assert.equal(down.lastError, 'unavailable')
    await a.start({ port: target.port })
    await waitFor(() => b.has(r.id), { what: 'b reached a without a test-side retry' })
    assert.equal(b.manager!.status()[0]!.state, 'connected')
    assert.equal(b.manager!.status()[0]!.lastError, undefined, 'cleared once connected')
  })

  it('runs the same sync over WebSocket', async () => {
    const [alice, bob] = friends()
    const a = await openDiskNode(makeNodeIdentity('a', alice, 101), tmpDir(after))
    const b = await openDiskNode(makeNodeIdentity('b', bob, 102), tmpDir(after))
    await introduce(a, alice, bob)
    await introduce(b, alice, bob)
    const r = await a.publish(post('over websocket'))
    await a.start({ websocket: true, listen: false })
    await b.start({ peers: [a.wsAddress()], listen: false })
    await waitFor(() => b.has(r.id), { what: 'pull over websocket' })
    const pushed = await b.publish(post('back over websocket'))
    await waitFor(() => a.has(pushed.id), { what: 'push over websocket' })
  })

  it('backs off to the maximum after a trust refusal instead of re-dialling at once', async () => {
    const alice = makeUser('alice', 1)
    const carol = makeUser('carol', 3)
    befriend(carol, alice) // carol added alice; alice never trusted carol
    const a = await openDiskNode(makeNodeIdentity('a', alice, 101), tmpDir(after))
    const c = await openDiskNode(makeNodeIdentity('c', carol, 104), tmpDir(after))
    await introduce(a, alice, carol)
    await introduce(c, alice, carol)
    const secret = await a.publish(post('not for carol'))
    await a.start()
    const t0 = Date.now()
    await c.start({ peers: [a.address()], listen: false })
    const st = await waitFor(
      () => {
        const s = c.manager!.status()[0]!
        return s.state === 'backoff' ? s : undefined
      },
      { what: 'c refused and backing off' },
    )
    assert.equal(st.lastError, 'forbidden')
    const floor = FAST_BACKOFF.maxMs! * (1 - 0.5)
    assert.ok(
      st.nextAttemptAt! - t0 >= floor,
      `next attempt ${st.nextAttemptAt! - t0} ms after the start, expected >= ${floor}`,
    )
    assert.equal(await c.has(secret.id), false)
  })
})

/** Whether `node` recorded `from`'s current head line as the last line it saw (its position). */
async function sawHead(node: DiskNode, from: DiskNode): Promise<boolean> {
  const st = await node.store.getPeerState(from.key.fingerprint)
  if (!st?.lastKnown) return false
  const [row, head] = [
    await from.store.findJournalLine(st.lastKnown),
    await from.store.journalHead(),
  ]
  return row !== undefined && row.position === head?.position
}
