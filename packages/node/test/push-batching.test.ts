/**
 * Pushes that arrive while the recipient commits an earlier one join its next ingest batch
 * (peer-session.ts: a broadcast waits for its resources off the inbox; issue 14, docs/load.md
 * §5): a broadcast no longer holds the resource frames behind it until that commit is done. And
 * the sender writes the frames of one push back to back, so its socket sends them in one write.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { IngestItem, PutResult } from '@sdmp/store'
import { waitFor } from '@sdmp/testkit'
import {
  befriend,
  closeAll,
  connect,
  introduce,
  makeNode,
  makeUser,
  sign,
} from '@sdmp/testkit/node-world'
import { MessageType } from '../src/sync/wire.js'

const post = (body: string) => ({ kind: 'post' as const, data: { body, type: 'text' } })

/** Alice's node `a` and Bob's node `b`, friends both ways, connected and synced. */
async function friendsConnected(seed: number) {
  const alice = makeUser('alice', seed)
  const bob = makeUser('bob', seed + 1)
  const a = await makeNode('a', alice, seed + 100)
  const b = await makeNode('b', bob, seed + 101)
  befriend(alice, bob)
  befriend(bob, alice)
  await introduce(a, alice, bob)
  await introduce(b, alice, bob)
  await connect(a, b)
  await Promise.all(
    [...a.engine.sessions.values(), ...b.engine.sessions.values()].map((s) => s.synced()),
  )
  return { a, b }
}

describe('pushes to a busy recipient', () => {
  after(closeAll)

  it('folds the pushes that arrive during a commit into one ingest commit', async () => {
    const { a, b } = await friendsConnected(31)
    // Bob's resource commits from now on: the first waits at a gate until opened.
    const store = b.store as unknown as {
      putResources(items: readonly IngestItem[]): Promise<PutResult[]>
    }
    const original = store.putResources.bind(b.store)
    const sizes: number[] = []
    let open = () => {}
    const gate = new Promise<void>((r) => (open = r))
    store.putResources = async (items) => {
      sizes.push(items.length)
      if (sizes.length === 1) await gate
      return original(items)
    }
    const channel = [...b.engine.sessions.values()][0]!.channel
    const first = await a.publish(post('first'))
    await waitFor(() => sizes.length === 1, { what: "bob's first commit to start" })
    // Two more pushes (a resource frame and a broadcast each) while that commit waits.
    const before = channel.stats.messagesReceived
    const more = [await a.publish(post('second')), await a.publish(post('third'))]
    await waitFor(() => channel.stats.messagesReceived >= before + 4, {
      what: 'both pushes at bob',
    })
    open()
    await waitFor(async () => (await b.store.hasResources(more.map((r) => r.id))).every(Boolean), {
      what: 'both pushes stored',
    })
    assert.ok(await b.has(first.id))
    delete (store as { putResources?: unknown }).putResources
    // Before: the first broadcast held the inbox until the first commit, then one commit each.
    assert.deepEqual(sizes, [1, 2], 'the two later pushes in one commit')
  })

  it("writes one push's resource frames in one synchronous run", async () => {
    const { a, b } = await friendsConnected(33)
    // Number each send by the run of synchronous code it is in: a microtask queued at the first
    // send of a run ends that run (tcp.ts uncorks a socket at that point).
    const channel = [...a.engine.sessions.values()][0]!.channel as { send(m: Uint8Array): unknown }
    const send = channel.send.bind(channel)
    // The run of each resource frame sent (other messages, such as the broadcast, are not counted).
    const runs: number[] = []
    let run = 0
    let open = false
    channel.send = (m) => {
      if (!open) {
        open = true
        queueMicrotask(() => {
          open = false
          run++
        })
      }
      if (m[0] === MessageType.RESOURCE_COMPACT || m[0] === MessageType.RESOURCE) runs.push(run)
      return send(m)
    }
    // Four posts ingested together: one commit, so one push.
    const posts = [1, 2, 3, 4].map((i) =>
      sign({ ...post(`post ${i}`), user: a.user.key.fingerprint, trust: a.trust.id }, a.key),
    )
    const outcomes = await a.ingestor.ingest(posts.map((r) => r.bytes))
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['stored', 'stored', 'stored', 'stored'],
    )
    await waitFor(async () => (await b.store.hasResources(posts.map((r) => r.id))).every(Boolean), {
      what: 'the posts at bob',
    })
    delete (channel as { send?: unknown }).send
    // Four resource frames, all in one run.
    assert.equal(runs.length, 4, `runs of the frames: ${runs.join(', ')}`)
    assert.equal(new Set(runs).size, 1, `runs of the frames: ${runs.join(', ')}`)
  })
})
