/**
 * kill -9 during sync and during ingest (issue 6, docs/faults.md): a child process runs a node
 * on a SQLite store and prints `ack <id>` only after each commit. The parent SIGKILLs it once
 * it has seen N acks, then checks from its own process that the store opens (not corrupt, lock
 * released), the journal verifies and every acked id is there; restarts the child on the same
 * dir and waits until both nodes hold the same resources.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ErrorCode, isProtocolError, signResource, toBase64url } from '@sdmp/core'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriend,
  introduce,
  journalIds,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  provider,
  shutdownAll,
} from '@sdmp/testkit/node-world'
import type { DiskNode, NodeIdentity, User } from '@sdmp/testkit/node-world'
import { Child, inspectStore } from './child-fixture.js'
import type { ChildSpec } from './child-fixture.js'

const children: Child[] = []
after(() => {
  for (const c of children)
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
})

/** Alice's node `a` runs here; Bob's node `c` runs in the child. */
async function setup(): Promise<{
  a: DiskNode
  ic: NodeIdentity
  spec: Omit<ChildSpec, 'runTag'>
}> {
  const alice = makeUser('alice', 1)
  const bob = makeUser('bob', 2)
  befriend(alice, bob)
  befriend(bob, alice)
  const ia = makeNodeIdentity('a', alice, 101)
  const ic = makeNodeIdentity('c', bob, 102)
  const a = await openDiskNode(ia, tmpDir(after))
  await introduce(a, alice, bob)
  await a.start()
  const spec = {
    dir: tmpDir(after),
    nodeSeed: toBase64url(ic.key.seed),
    user: bob.key.fingerprint,
    trust: toBase64url(ic.trust.bytes),
    introduce: [alice, bob].flatMap((u: User) => u.published.map((r) => toBase64url(r.bytes))),
    peer: a.address(),
  }
  return { a, ic, spec }
}

/** Sign `n` posts as node `a` and ingest them in batches (one commit per batch). */
async function publishMany(a: DiskNode, n: number, tag: string): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i += 500) {
    const batch = Array.from({ length: Math.min(500, n - i) }, (_, k) =>
      signResource(
        provider,
        {
          kind: 'post',
          user: a.user.key.fingerprint,
          trust: a.trust.id,
          created: Date.now() - 1000,
          data: { type: 'text', body: `${tag} ${i + k}` },
        },
        [a.key],
      ),
    )
    const out = await a.ingestor.ingest(batch.map((r) => r.bytes))
    assert.ok(out.every((o) => o.status === 'stored'))
    ids.push(...batch.map((r) => r.id))
  }
  return ids
}

/** Check the killed child's store from here: opens, verifies, holds every acked id. */
async function checkAfterKill(child: Child, dir: string): Promise<string[]> {
  const check = await inspectStore(dir, child.acked)
  assert.deepEqual(check.missing, [], `acked ids missing after kill -9 (${check.missing.length})`)
  return check.ids
}

/**
 * Restart the child and wait until both nodes hold the same set, then compare the journals.
 * Converged means: the parent holds every id the child acked, the child acked (received) every
 * id of `mustReceive`, and both count the same. The parent only ever holds the child's own posts
 * beyond what the child has, so with those the equal counts imply equal sets.
 */
async function resumeAndConverge(
  a: DiskNode,
  spec: ChildSpec,
  acked: readonly string[],
  mustReceive: readonly string[] = [],
) {
  const child = new Child(spec)
  children.push(child)
  await child.until((c) => c.ready, 'restarted child ready')
  await waitFor(
    async () => {
      if (child.count !== (await a.store.countResources())) return false
      const got = new Set(child.acked)
      if (!mustReceive.every((id) => got.has(id))) return false
      return (await a.store.hasResources(acked)).every(Boolean)
    },
    { what: 'both nodes hold the same resources', timeout: 20_000 },
  )
  await child.stop()
  const [ja, check] = [await journalIds(a), await inspectStore(spec.dir, acked)]
  assert.deepEqual(check.missing, [], 'acked ids missing on the child after resuming')
  assert.deepEqual(new Set(check.ids), new Set(ja), 'both nodes hold the same resources')
  assert.equal(new Set(check.ids).size, check.ids.length, 'no resource journaled twice')
  const onA = await a.store.hasResources(acked)
  assert.ok(onA.every(Boolean), 'every id the child acked reached the parent')
}

describe('kill -9', () => {
  after(shutdownAll)

  it('during a 5,000-resource catch-up: store intact, acked ids kept, sync resumes', async () => {
    const { a, spec: base } = await setup()
    const total = await publishMany(a, 5000, 'catch-up')
    const spec: ChildSpec = { ...base, runTag: 'sync' }
    const first = new Child(spec)
    children.push(first)
    await first.until((c) => c.acked.length >= 500, '500 acks during the catch-up')
    // The live child holds the store: a second process is refused, so a later open proves the
    // kill released the lock.
    await assert.rejects(inspectStore(spec.dir, []), (e) => isProtocolError(e, ErrorCode.IN_USE))
    await first.kill9()
    const have = await checkAfterKill(first, spec.dir)
    assert.ok(
      first.acked.length < total.length,
      `killed mid-sync (${first.acked.length} of ${total.length} acked)`,
    )
    assert.ok(have.length < (await a.store.countResources()), 'the child was still behind')
    await resumeAndConverge(a, spec, first.acked)
    assert.ok((await a.store.hasResources(total)).every(Boolean))
  })

  it('during ingest of its own posts: store intact, acked ids kept, both converge', async () => {
    const { a, spec: base } = await setup()
    const spec: ChildSpec = {
      ...base,
      runTag: 'ingest',
      publish: { count: 100_000, concurrency: 8, bodyBytes: 200 },
    }
    const first = new Child(spec)
    children.push(first)
    await first.until((c) => c.acked.length >= 300, '300 acks while publishing')
    await first.kill9()
    assert.equal(first.done, false, 'killed mid-ingest')
    await checkAfterKill(first, spec.dir)
    // The parent moves on while the child is down; the restarted child only syncs.
    const meanwhile = await publishMany(a, 50, 'while the child was down')
    const { publish: _p, ...syncOnly } = spec
    await resumeAndConverge(a, { ...syncOnly, runTag: 'resume' }, first.acked, meanwhile)
  })
})
