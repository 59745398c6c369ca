/**
 * Lines told when committed, before durable (Ingestor.onCommitted, docs/store.md §3 "Committed
 * before durable"): a batch that came wholly from peers is told to the early listeners before
 * the ingest answers, with the same lines onAppended tells later; this node's own publications
 * and batches with nothing new are not told early, and a listener that throws breaks nothing.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { AppendedLine } from '@sdmp/node'
import { closeAll, introduce, makeNode, makeUser, sign } from '@sdmp/testkit/node-world'
import type { SimNode } from '@sdmp/testkit/node-world'

after(closeAll)

/** A public post signed by `node` for its user, as bytes. */
const post = (node: SimNode, body: string): Uint8Array =>
  sign(
    {
      kind: 'post',
      user: node.user.key.fingerprint,
      trust: node.trust.id,
      data: { body, type: 'text' },
    },
    node.key,
  ).bytes

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

/** A user with two nodes that know the user: `laptop` ingests what `phone` signs. */
async function twoNodes(seed: number): Promise<{ laptop: SimNode; phone: SimNode }> {
  const alice = makeUser('alice', seed)
  const laptop = await makeNode('laptop', alice, seed + 1)
  const phone = await makeNode('phone', alice, seed + 2)
  await introduce(laptop, alice)
  await introduce(phone, alice)
  return { laptop, phone }
}

describe('Ingestor.onCommitted', () => {
  it('tells a batch from a peer before the ingest answers, with the lines told again when durable', async () => {
    const { laptop, phone } = await twoNodes(81)
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
    const { laptop, phone } = await twoNodes(84)
    const own = await heard(laptop, () => laptop.ingestor.ingest([post(laptop, 'mine')]))
    assert.deepEqual(own.log, ['appended', 'answered'])
    const theirs = post(phone, 'twice')
    await laptop.ingestor.ingest([theirs], { source: 'phone' })
    const again = await heard(laptop, () => laptop.ingestor.ingest([theirs], { source: 'phone' }))
    assert.deepEqual(again.log, ['answered'])
  })

  it('a listener that throws does not fail the ingest', async () => {
    const { laptop, phone } = await twoNodes(87)
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
