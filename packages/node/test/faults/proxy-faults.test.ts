/**
 * Real nodes (SQLite stores, peer managers) connected through the testkit's FaultProxy (issue
 * 6, docs/faults.md): corrupted or duplicated bytes end the secure channel with a coded error
 * and the dialler re-dials once the link heals; sync completes under delay; after a cut or a
 * blackhole both nodes converge, both journals verify and no acknowledged resource is missing.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { isProtocolError } from '@sdmp/core'
import type { CloseInfo } from '@sdmp/transport'
import { FaultProxy, seedFromEnv, tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriend,
  introduce,
  journalIds,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  shutdownAll,
} from '@sdmp/testkit/node-world'
import type { DiskNode } from '@sdmp/testkit/node-world'

const seed = seedFromEnv()
const proxies: FaultProxy[] = []
after(() => Promise.all(proxies.map((p) => p.close())))

/** A frame body of a few KiB, so a flipped byte almost always lands in AEAD ciphertext. */
const post = (body: string) => ({
  kind: 'post' as const,
  data: { body: `${body} ${'.'.repeat(3000)}`, type: 'text' },
})

/** Codes a damaged byte stream may end with: the AEAD tag check, or a damaged length prefix. */
const STREAM_DAMAGE = new Set(['decrypt_failed', 'limit_exceeded'])

/** `a` listens; `b` dials `a` through a fault proxy. */
async function pair(): Promise<{ a: DiskNode; b: DiskNode; proxy: FaultProxy }> {
  const alice = makeUser('alice', 1)
  const bob = makeUser('bob', 2)
  befriend(alice, bob)
  befriend(bob, alice)
  const a = await openDiskNode(makeNodeIdentity('a', alice, 101), tmpDir(after))
  const b = await openDiskNode(makeNodeIdentity('b', bob, 102), tmpDir(after))
  await introduce(a, alice, bob)
  await introduce(b, alice, bob)
  await a.start()
  const proxy = await FaultProxy.start({ target: a.manager!.tcpAddress!, seed })
  proxies.push(proxy)
  return { a, b, proxy }
}

const dialViaProxy = (b: DiskNode, a: DiskNode, proxy: FaultProxy) =>
  b.start({
    peers: [{ host: proxy.host, port: proxy.port, fingerprint: a.key.fingerprint }],
    listen: false,
  })

const connected = (b: DiskNode) =>
  waitFor(() => b.manager!.status()[0]?.state === 'connected', { what: 'b connected' })

/** The open channel `node` holds to `peer`. */
function channelTo(node: DiskNode, peer: DiskNode) {
  const s = node.engine.sessions.get(peer.key.fingerprint)
  assert.ok(s?.isOpen, `${node.name} has an open session to ${peer.name}`)
  return s.channel
}

/** Publish on `from` until `closed` settles (the damaged stream must carry traffic to fail). */
async function publishUntil(from: DiskNode, closed: Promise<CloseInfo>): Promise<CloseInfo> {
  let info: CloseInfo | undefined
  void closed.then((i) => (info = i))
  for (let i = 0; !info; i++) {
    if (i > 200) throw new Error('the damaged channel never closed')
    await from.publish(post(`traffic ${i}`))
    await new Promise((r) => setImmediate(r))
  }
  return info
}

/** Both journals verify, hold the same resources once each, and include every acked id. */
async function assertConverged(a: DiskNode, b: DiskNode, acked: readonly string[]) {
  const sameSets = async () => {
    const [ja, jb] = [new Set(await journalIds(a)), new Set(await journalIds(b))]
    return ja.size === jb.size && [...ja].every((id) => jb.has(id))
  }
  await waitFor(sameSets, { what: 'both nodes hold the same resources', timeout: 15_000 })
  const [ja, jb] = [await journalIds(a), await journalIds(b)]
  assert.equal(new Set(ja).size, ja.length, 'a journaled nothing twice')
  assert.equal(new Set(jb).size, jb.length, 'b journaled nothing twice')
  for (const n of [a, b]) {
    const have = await n.store.hasResources(acked)
    assert.ok(have.every(Boolean), `${n.name} lacks an acknowledged resource`)
  }
}

describe(`nodes through a fault proxy (SEED=${seed})`, () => {
  after(shutdownAll)

  it('corrupted bytes end the channel with a coded error; b re-dials after heal', async () => {
    const { a, b, proxy } = await pair()
    await dialViaProxy(b, a, proxy)
    await connected(b)
    const victim = channelTo(b, a)
    proxy.set('down', { corrupt: 1 })
    const info = await publishUntil(a, victim.closed)
    assert.ok(STREAM_DAMAGE.has(info.reason), `b's channel ended with ${info.reason}`)
    assert.equal(info.clean, false)
    assert.ok(isProtocolError(info.error), 'a coded ProtocolError')
    assert.ok(proxy.counters.corrupted > 0)
    // Still corrupting: the re-dials fail too, until the link heals.
    await waitFor(() => (b.manager!.status()[0]!.failures >= 2 ? true : undefined), {
      what: 'b failed while the link corrupts',
    })
    proxy.heal()
    await connected(b)
    const acked = [
      (await a.publish(post('after heal a'))).id,
      (await b.publish(post('after heal b'))).id,
    ]
    await assertConverged(a, b, acked)
  })

  it('duplicated bytes end the channel with a coded error; b re-dials after heal', async () => {
    const { a, b, proxy } = await pair()
    await dialViaProxy(b, a, proxy)
    await connected(b)
    // Duplicate b -> a: a is the side that sees a replayed frame (its nonce no longer matches).
    const victim = channelTo(a, b)
    proxy.set('up', { duplicate: 1 })
    const info = await publishUntil(b, victim.closed)
    assert.ok(STREAM_DAMAGE.has(info.reason), `a's channel ended with ${info.reason}`)
    assert.ok(isProtocolError(info.error), 'a coded ProtocolError')
    assert.ok(proxy.counters.duplicated > 0)
    proxy.heal()
    await waitFor(() => a.engine.sessions.get(b.key.fingerprint)?.isOpen, { what: 're-dialled' })
    const acked = [(await b.publish(post('after heal'))).id]
    await assertConverged(a, b, acked)
  })

  it('completes sync in both directions over a delayed, jittery link', async () => {
    const { a, b, proxy } = await pair()
    proxy.set('both', { delayMs: 5, jitterMs: 20 })
    const acked: string[] = []
    for (let i = 0; i < 100; i++) acked.push((await a.publish(post(`early ${i}`))).id)
    await dialViaProxy(b, a, proxy)
    await waitFor(async () => (await b.store.hasResources(acked)).every(Boolean), {
      what: 'b caught up over the slow link',
      timeout: 15_000,
    })
    for (let i = 0; i < 20; i++) acked.push((await b.publish(post(`pushed ${i}`))).id)
    await assertConverged(a, b, acked)
    assert.ok(proxy.counters.delayed > 0, 'the link really was delayed')
    assert.equal(proxy.counters.connections, 1, 'delay alone never broke the connection')
  })

  it('converges after a cut and a heal, keeping what each side acknowledged meanwhile', async () => {
    const { a, b, proxy } = await pair()
    await dialViaProxy(b, a, proxy)
    await connected(b)
    const acked = [(await a.publish(post('before the cut'))).id]
    await waitFor(() => b.has(acked[0]!), { what: 'pushed before the cut' })
    proxy.cut()
    await waitFor(() => (b.manager!.status()[0]!.failures >= 2 ? true : undefined), {
      what: 'b re-dials and is refused while cut',
    })
    for (let i = 0; i < 30; i++) {
      acked.push((await a.publish(post(`a during the cut ${i}`))).id)
      acked.push((await b.publish(post(`b during the cut ${i}`))).id)
    }
    proxy.heal()
    await connected(b)
    await assertConverged(a, b, acked)
    assert.ok(proxy.counters.cuts >= 2)
  })

  it('converges after a blackhole swallowed pushes in both directions', async () => {
    const { a, b, proxy } = await pair()
    await dialViaProxy(b, a, proxy)
    await connected(b)
    const before = channelTo(b, a)
    proxy.set('both', { blackhole: true })
    const acked: string[] = []
    for (let i = 0; i < 10; i++) {
      acked.push((await a.publish(post(`a into the hole ${i}`))).id)
      acked.push((await b.publish(post(`b into the hole ${i}`))).id)
    }
    await waitFor(() => proxy.counters.blackholed > 0, { what: 'bytes swallowed' })
    proxy.heal()
    // The next frames carry nonces the receiver has not reached: the channel fails, coded.
    const info = await publishUntil(a, before.closed)
    assert.ok(
      STREAM_DAMAGE.has(info.reason) || info.reason === 'closed',
      `the old channel ended with ${info.reason}`,
    )
    await connected(b)
    acked.push((await a.publish(post('after the hole'))).id)
    await assertConverged(a, b, acked)
  })
})
