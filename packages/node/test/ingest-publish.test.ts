/**
 * One path for a message (docs/architecture.md): what a node publishes itself goes into the
 * ingest pipeline as the decoded value it already is, and an envelope it sealed carries its inner
 * resource, verified once here, to every subscriber of the appended lines, so that none of them
 * opens the node's own envelope again.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sealResource, selectPrekeys, signResource } from '@sdmp/core'
import type { DecodedResource } from '@sdmp/core'
import type { AppendedLine } from '@sdmp/node'
import {
  closeAll,
  introduce,
  makeNode,
  makeUser,
  prekeyRecords,
  provider,
  publishPrekey,
} from '@sdmp/testkit/node-world'
import type { SimNode } from '@sdmp/testkit/node-world'

after(closeAll)

/** A message signed by `node` for its user, addressed to that user. */
function message(node: SimNode, body: string): DecodedResource {
  const user = node.user.key.fingerprint
  return signResource(
    provider,
    {
      kind: 'message',
      user,
      trust: node.trust.id,
      created: Date.now() - 1000,
      data: { body, type: 'text', to: [user] },
    },
    [node.key],
  )
}

/** A public post signed by `node` for its user. */
function post(node: SimNode, body: string): DecodedResource {
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
  )
}

async function seal(node: SimNode, inner: DecodedResource): Promise<DecodedResource> {
  const user = node.user.key.fingerprint
  return sealResource(
    provider,
    inner,
    selectPrekeys(await prekeyRecords(node), Date.now()),
    { key: node.key, user, trust: node.trust.id },
    { readers: [user] },
  )
}

/** The lines the node appends while `fn` runs. */
async function appendedDuring(node: SimNode, fn: () => Promise<unknown>): Promise<AppendedLine[]> {
  const lines: AppendedLine[] = []
  const stop = node.ingestor.onAppended((l) => lines.push(...l))
  try {
    await fn()
  } finally {
    stop()
  }
  return lines
}

describe('Ingestor.publish', () => {
  it('hands the verified inner resource of an envelope on with its appended line', async () => {
    const alice = makeUser('alice', 71)
    const laptop = await makeNode('laptop', alice, 72)
    await introduce(laptop, alice)
    await publishPrekey(laptop)
    const inner = message(laptop, 'hello')
    const outer = await seal(laptop, inner)
    let outcomes: Awaited<ReturnType<typeof laptop.ingestor.publish>> = []
    const lines = await appendedDuring(laptop, async () => {
      outcomes = await laptop.ingestor.publish([{ resource: outer, inner }])
    })
    assert.equal(outcomes[0]?.status, 'stored')
    assert.equal(lines.length, 1)
    assert.equal(lines[0]!.resource.id, outer.id)
    assert.equal(lines[0]!.inner?.id, inner.id)
    // Verified as opening it would: the signer is the node, under its user's trust.
    assert.deepEqual(lines[0]!.inner?.signers, [laptop.key.fingerprint])
    assert.equal(lines[0]!.inner?.authorizedBy, laptop.trust.id)
  })

  it('does not hand on an inner resource that does not verify, and still stores the envelope', async () => {
    const alice = makeUser('alice', 73)
    const laptop = await makeNode('laptop', alice, 74)
    const mallory = makeUser('mallory', 75)
    const stranger = await makeNode('stranger', mallory, 76)
    await introduce(laptop, alice)
    await publishPrekey(laptop)
    // Signed by a node whose user this laptop has never seen: not authorized here.
    const forged = message(stranger, 'not mine')
    const outer = await seal(laptop, forged)
    const lines = await appendedDuring(laptop, () =>
      laptop.ingestor.publish([{ resource: outer, inner: forged }]),
    )
    assert.equal(lines.length, 1)
    assert.equal(lines[0]!.resource.id, outer.id)
    assert.equal(lines[0]!.inner, undefined)
  })

  it('ignores an inner resource given with anything but an envelope', async () => {
    const alice = makeUser('alice', 77)
    const laptop = await makeNode('laptop', alice, 78)
    await introduce(laptop, alice)
    const lines = await appendedDuring(laptop, () =>
      laptop.ingestor.publish([{ resource: post(laptop, 'public'), inner: message(laptop, 'x') }]),
    )
    assert.equal(lines.length, 1)
    assert.equal(lines[0]!.inner, undefined)
  })

  it('gives the same outcomes as ingest for decoded values and bytes alike', async () => {
    const alice = makeUser('alice', 79)
    const laptop = await makeNode('laptop', alice, 80)
    await introduce(laptop, alice)
    const a = post(laptop, 'a')
    const b = post(laptop, 'b')
    const outcomes = await laptop.ingestor.publish([{ resource: a }, b.bytes, { resource: a }])
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['stored', 'stored', 'duplicate'],
    )
    // A message in the clear is refused on this path too (envelope.md §1).
    const [clear] = await laptop.ingestor.publish([{ resource: message(laptop, 'clear') }])
    assert.equal(clear?.status, 'rejected')
    assert.equal(clear?.code, 'FORBIDDEN')
  })
})
