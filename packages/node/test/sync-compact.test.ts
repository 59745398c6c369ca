/**
 * Sync frames in the compact form (docs/protocol/compact.md §7, sync.md §8.1): a node reads a
 * resource in a RESOURCE frame (JSON, as a node of before the compact form sends it) and in a
 * RESOURCE_COMPACT frame alike, and a malformed compact body is a fault like an invalid resource.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { encodeCompactResource, signResource } from '@sdmp/core'
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
import { MessageType, encodeMessage, resourceMessage } from '../src/index.js'

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

describe('sync frames in the compact form', () => {
  after(closeAll)

  it('ingests a resource from a RESOURCE (JSON) frame and from a RESOURCE_COMPACT frame', async () => {
    const { bob, a, b } = await twoFriends()
    const [, cb] = await connect(a, b)
    const post = (body: string) =>
      signResource(
        provider,
        { kind: 'post', user: bob.key.fingerprint, data: { body, type: 'text' } },
        [bob.key],
      )
    const json = post('sent as JSON by a node of before the compact form')
    const compact = post('sent compact')
    await cb.send(resourceMessage(json.bytes))
    const frame = resourceMessage(compact.bytes, provider)
    assert.equal(frame[0], MessageType.RESOURCE_COMPACT)
    assert.ok(frame.length < compact.bytes.length / 2 + 1)
    await cb.send(frame)
    await waitFor(async () => (await a.has(json.id)) && (await a.has(compact.id)), {
      what: 'both stored',
    })
    assert.deepEqual(await a.store.getResource(compact.id), compact.bytes)
  })

  it('penalizes and disconnects a peer that sends malformed compact frames', async () => {
    const { bob, a, b } = await twoFriends({ maxPenalty: 3 })
    const [, cb] = await connect(a, b)
    const valid = encodeCompactResource(
      provider,
      signResource(
        provider,
        { kind: 'post', user: bob.key.fingerprint, data: { body: 'x', type: 'text' } },
        [bob.key],
      ).bytes,
    )
    for (let i = 0; i < 3; i++)
      await cb.send(
        encodeMessage(MessageType.RESOURCE_COMPACT, valid.subarray(0, valid.length - 1 - i)),
      )
    const info = await cb.closed
    assert.equal(info.reason, 'penalty')
    assert.equal(info.by, 'remote')
  })
})
