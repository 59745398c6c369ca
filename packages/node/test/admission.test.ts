/**
 * Issue 11 part 3, "Admission" (docs/protocol/sync.md §9, trust.md §8.1): a node stores only its
 * user's trust closure, holds what may become valid within per-peer bounds, and a mutually
 * trusted peer that floods it is refused, penalized and disconnected while memory stays flat.
 * Each observation of the issue is reproduced: (1) posts by unknown signers parked without bound,
 * (2) stranger identities journaled forever; (3) a stranger's sealed message in the inbox is
 * the daemon's (packages/daemon/test/admission-inbox.test.ts).
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signingKeyFromSeed } from '@sdmp/core'
import type { DecodedResource, ResourceDraft, SigningKey } from '@sdmp/core'
import { peakRss, waitFor } from '@sdmp/testkit'
import {
  befriend,
  flood,
  identityOf,
  introduce,
  makeNode,
  makeNodeIdentity,
  makeUser,
  provider,
  sign,
  trustedTrio,
} from '@sdmp/testkit/node-world'
import { admission } from '../src/admission.js'
import { PendingSet } from '../src/pending-set.js'

const keyOf = (n: number): SigningKey => {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, n)
  seed[31] = 0x5a
  return signingKeyFromSeed(provider, seed)
}
describe('pending set bounds', () => {
  const fake = (id: string, size: number) =>
    ({ id, bytes: new Uint8Array(size) }) as unknown as DecodedResource

  it('holds per source within count and bytes, dropping that source’s oldest', () => {
    const p = new PendingSet({ maxCountPerSource: 3, maxBytesPerSource: 1_000 })
    for (let i = 0; i < 10; i++) assert.equal(p.add(fake(`a${i}`, 100), 'A', 0), true)
    assert.deepEqual(p.shareOf('A'), { count: 3, bytes: 300 })
    assert.equal(p.has('a9') && p.has('a7') && !p.has('a6'), true)
    for (let i = 0; i < 5; i++) p.add(fake(`b${i}`, 400), 'B', 0)
    assert.deepEqual(p.shareOf('B'), { count: 2, bytes: 800 })
    assert.deepEqual(p.shareOf('A'), { count: 3, bytes: 300 }, 'B never evicts A')
    assert.equal(p.add(fake('huge', 1_001), 'A', 0), false, 'larger than a share: not held')
  })

  it('holds within the global bounds and drops expired entries', () => {
    const p = new PendingSet({ maxCount: 4, maxBytes: 10_000, ttlMs: 50 })
    for (let i = 0; i < 6; i++) p.add(fake(`x${i}`, 10), `s${i}`, 0)
    assert.equal(p.size, 4)
    assert.equal(p.has('x0') || p.has('x1'), false)
    p.add(fake('late', 10), 's', 100)
    assert.equal(p.size, 1, 'entries older than the ttl are gone')
    assert.equal(p.takeAll().length, 1)
    assert.equal(p.bytes, 0)
  })
})

describe('trust closure', () => {
  it('admits its user, contacts and their nodes; holds other identities; refuses strangers', async () => {
    const alice = makeUser('alice', 101)
    const bob = makeUser('bob', 102)
    const carol = makeUser('carol', 103) // bob's contact, not alice's
    befriend(alice, bob)
    befriend(bob, alice)
    befriend(bob, carol)
    const bobPhone = makeNodeIdentity('bob-phone', bob, 104)
    const a = await makeNode('a', alice, 105)
    await introduce(a, alice, bob)
    const g = a.ingestor.graph
    const me = alice.key.fingerprint
    const now = Date.now()
    const v = (r: DecodedResource) => a.ingestor.verifyControl(r.bytes)
    assert.equal(admission(g, me, v(alice.identity), now), undefined)
    assert.equal(admission(g, me, v(bob.identity), now), undefined)
    const phoneId = bob.published.find(
      (r) => r.kind === 'identity' && r.header.user === bobPhone.key.fingerprint,
    )!
    assert.equal(admission(g, me, v(phoneId), now), undefined, "a contact's node")
    const bobTrustsCarol = bob.published.find(
      (r) =>
        r.kind === 'trust' && (r.data as { trustee: string }).trustee === carol.key.fingerprint,
    )!
    assert.equal(admission(g, me, v(bobTrustsCarol), now), undefined, "a contact's own trust")
    assert.equal(admission(g, me, v(carol.identity), now), 'not_yet')
    a.ingestor.graph.addIdentity({
      fingerprint: carol.key.fingerprint,
      type: 'user',
      publicKey: carol.key.publicKey,
      id: carol.identity.id,
      created: carol.identity.created,
    })
    const carolTrust = sign(
      {
        kind: 'trust',
        user: carol.key.fingerprint,
        data: { trustee: me, authorization: ['read_resource'] },
      },
      carol.key,
    )
    assert.equal(admission(g, me, v(carolTrust), now), 'outside')
  })
})

describe('admission over TCP: a trusted peer floods', () => {
  it('(1) posts by unknown signers: held within the per-peer bounds, then the peer is cut off', async (t) => {
    const { a, b, d, events, session } = await trustedTrio(t)
    const stranger = makeUser('stranger', 121)
    const sNode = makeNodeIdentity('s', stranger, 122)
    const body = 'x'.repeat(16 * 1024)
    const headBefore = (await a.store.journalHead())!.position
    const posts = function* () {
      for (let i = 0; i < 5_000; i++)
        yield sign(
          {
            kind: 'post',
            user: stranger.key.fingerprint,
            trust: sNode.trust.id,
            data: { body: `${i} ${body}`, type: 'text' },
          } as ResourceDraft,
          sNode.key,
        ).bytes
    }
    let maxHeld = 0
    const watch = setInterval(
      () => (maxHeld = Math.max(maxHeld, a.ingestor.pendingOf(b.key.fingerprint).bytes)),
      5,
    )
    const { value: sent, peak, before } = await peakRss(() => flood(b, a, posts()))
    await waitFor(() => session(b) === undefined, { timeout: 30_000, what: 'alice to cut bob off' })
    clearInterval(watch)
    const held = a.ingestor.pendingOf(b.key.fingerprint)
    t.diagnostic(
      `sent ${sent} posts of 16 KiB; held at most ${maxHeld} bytes for bob; RSS ${(before / 2 ** 20).toFixed(0)} -> peak ${(peak / 2 ** 20).toFixed(0)} MiB`,
    )
    assert.ok(maxHeld <= 8 * 1024 * 1024, `held ${maxHeld} bytes`)
    assert.ok(held.count <= 1_000)
    assert.ok(events.some((e) => e.name === 'penalty' && e.detail['code'] === 'LIMIT_EXCEEDED'))
    assert.ok(sent < 5_000, 'bob was disconnected before the end of the flood')
    // Nothing of it was journaled; Dave, connected all along, still gets through.
    const post = await d.publish({ kind: 'post', data: { body: 'from dave', type: 'text' } })
    await waitFor(() => a.has(post.id), { timeout: 20_000, what: "dave's post at alice" })
    const head = (await a.store.journalHead())!.position
    assert.equal(head, headBefore + 1, 'only dave’s post was journaled')
  })

  it('(2) stranger identities: none journaled, held within bounds, then the peer is cut off', async (t) => {
    const { a, b, session } = await trustedTrio(t)
    const headBefore = (await a.store.journalHead())!.position
    const strangers = function* () {
      for (let i = 0; i < 5_000; i++) yield identityOf(keyOf(i), 'user').bytes
    }
    let maxCount = 0
    const watch = setInterval(
      () => (maxCount = Math.max(maxCount, a.ingestor.pendingOf(b.key.fingerprint).count)),
      5,
    )
    const { value: sent, peak, before } = await peakRss(() => flood(b, a, strangers()))
    await waitFor(() => session(b) === undefined, { timeout: 30_000, what: 'alice to cut bob off' })
    clearInterval(watch)
    t.diagnostic(
      `sent ${sent} identities; held at most ${maxCount} for bob; RSS ${(before / 2 ** 20).toFixed(0)} -> peak ${(peak / 2 ** 20).toFixed(0)} MiB`,
    )
    assert.ok(maxCount <= 1_000)
    assert.equal((await a.store.journalHead())!.position, headBefore, 'no stranger journaled')
  })
})
