/**
 * Lines told when committed, before durable (Ingestor.onCommitted, docs/store.md §3 "Committed
 * before durable"): a batch that came wholly from peers is told to the early listeners before
 * the ingest answers, with the same lines onAppended tells later; this node's own publications
 * and batches with nothing new are not told early, and a listener that throws breaks nothing.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { signResource } from '@sdmp/core'
import type { AppendedLine } from '@sdmp/node'
import { closeAll, introduce, makeNode, makeUser, provider } from '@sdmp/testkit/node-world'
import type { SimNode } from '@sdmp/testkit/node-world'

after(closeAll)

/** A public post signed by `node` for its user. */
function post(node: SimNode, body: string): Uint8Array {
  return signResource(
    provider,
    {
      kind: 'post',
      user: node.user.key.fingerprint,
      trust: node.trust.id,
      created: Date.now() - 1000,
      data: { body, type: 'text' },
    },
    [node.key],
  ).bytes
}

/** What the early and the durable listeners heard, in one log, while `fn` ran. */
async function heard(node: SimNode, fn: () => Promise<unknown>) {
  const log: string[] = []
  const early: AppendedLine[] = []
  const durable: AppendedLine[] = []
  const stops = [
    node.ingestor.onCommitted((l) => {
      log.push('committed')
      early.push(...l)
    }),
    node.ingestor.onAppended((l) => {
      log.push('appended')
      durable.push(...l)
    }),
  ]
  try {
    await fn()
    log.push('answered')
  } finally {
    for (const stop of stops) stop()
  }
  return { log, early, durable }
}

describe('Ingestor.onCommitted', () => {
  it('tells a batch from a peer before the ingest answers, with the lines told again when durable', async () => {
    const alice = makeUser('alice', 81)
    const laptop = await makeNode('laptop', alice, 82)
    const phone = await makeNode('phone', alice, 83)
    await introduce(laptop, alice)
    await introduce(phone, alice)
    const bytes = [post(phone, 'one'), post(phone, 'two')]
    const h = await heard(laptop, () => laptop.ingestor.ingest(bytes, { source: 'phone' }))
    assert.deepEqual(h.log, ['committed', 'appended', 'answered'])
    assert.deepEqual(
      h.early.map((l) => [l.position, l.resource.id]),
      h.durable.map((l) => [l.position, l.resource.id]),
    )
    assert.equal(h.early.length, 2)
  })

  it("does not tell this node's own publications, nor a batch of duplicates, early", async () => {
    const alice = makeUser('alice', 84)
    const laptop = await makeNode('laptop', alice, 85)
    const phone = await makeNode('phone', alice, 86)
    await introduce(laptop, alice)
    await introduce(phone, alice)
    const own = await heard(laptop, () => laptop.ingestor.ingest([post(laptop, 'mine')]))
    assert.deepEqual(own.log, ['appended', 'answered'])
    const theirs = post(phone, 'twice')
    await laptop.ingestor.ingest([theirs], { source: 'phone' })
    const again = await heard(laptop, () => laptop.ingestor.ingest([theirs], { source: 'phone' }))
    assert.deepEqual(again.log, ['answered'])
  })

  it('a listener that throws does not fail the ingest', async () => {
    const alice = makeUser('alice', 87)
    const laptop = await makeNode('laptop', alice, 88)
    const phone = await makeNode('phone', alice, 89)
    await introduce(laptop, alice)
    await introduce(phone, alice)
    const stop = laptop.ingestor.onCommitted(() => {
      throw new Error('listener failure')
    })
    try {
      const [outcome] = await laptop.ingestor.ingest([post(phone, 'x')], { source: 'phone' })
      assert.equal(outcome?.status, 'stored')
    } finally {
      stop()
    }
  })
})
