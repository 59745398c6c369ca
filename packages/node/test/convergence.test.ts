/**
 * Convergence after random interleavings (property test): 3-5 in-process nodes of 2-3 mutually
 * trusting users publish, connect and disconnect in a random order over in-memory channels
 * (with latency and jitter); once connected along a spanning tree and quiet, every node holds
 * exactly what it may see (sync.md §8.5), its journal verifies and journals nothing twice.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import type { SecureChannel } from '@sdmp/transport'
import { seedFromEnv, waitFor } from '@sdmp/testkit'
import {
  befriend,
  closeAll,
  connect,
  introduce,
  journalIds,
  makeNode,
  makeUser,
} from '@sdmp/testkit/node-world'
import type { SimNode, User } from '@sdmp/testkit/node-world'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`

type Op =
  | { readonly t: 'publish'; readonly i: number; readonly count: number }
  | { readonly t: 'connect' | 'disconnect'; readonly i: number; readonly j: number }

interface Scenario {
  readonly users: number
  readonly nodes: number
  readonly ops: readonly Op[]
  /** parent[k - 1] < k: node k joins the final spanning tree under node parent[k - 1]. */
  readonly parent: readonly number[]
  readonly latencyMs: number
  readonly jitterMs: number
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({ users: fc.integer({ min: 2, max: 3 }), nodes: fc.integer({ min: 3, max: 5 }) })
  .chain(({ users, nodes }) => {
    const node = fc.nat(nodes - 1)
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        t: fc.constant('publish' as const),
        i: node,
        count: fc.integer({ min: 1, max: 4 }),
      }),
      fc.record({ t: fc.constant('connect' as const), i: node, j: node }),
      fc.record({ t: fc.constant('disconnect' as const), i: node, j: node }),
    )
    return fc.record({
      users: fc.constant(users),
      nodes: fc.constant(nodes),
      ops: fc.array(op, { maxLength: 24 }),
      parent: fc.tuple(...Array.from({ length: nodes - 1 }, (_, k) => fc.nat(k))),
      latencyMs: fc.constantFrom(0, 0, 1, 3),
      jitterMs: fc.constantFrom(0, 2),
    })
  })

const publish = (i: number, count: number): Op => ({ t: 'publish', i, count })
const conn = (i: number, j: number): Op => ({ t: 'connect', i, j })
const cut = (i: number, j: number): Op => ({ t: 'disconnect', i, j })
/**
 * Schedules that once failed (seeds 30, 38, 57): a connection cut during first-contact sync made
 * a node save the peer's head as its position before the resources arrived, or the accepting
 * side skip to the head without waiting for the round. Kept as fixed examples.
 */
const FOUND: [Scenario][] = [
  [
    {
      users: 2,
      nodes: 5,
      ops: [
        publish(0, 4),
        publish(2, 3),
        publish(2, 4),
        publish(0, 1),
        conn(2, 4),
        conn(0, 1),
        cut(4, 3),
        publish(3, 1),
        cut(4, 2),
      ],
      parent: [0, 0, 0, 2],
      latencyMs: 1,
      jitterMs: 0,
    },
  ],
  [
    {
      users: 2,
      nodes: 3,
      ops: [
        publish(2, 4),
        conn(1, 2),
        publish(1, 5),
        publish(2, 2),
        conn(0, 1),
        cut(2, 1),
        publish(0, 3),
      ],
      parent: [0, 1],
      latencyMs: 1,
      jitterMs: 2,
    },
  ],
  [
    {
      users: 2,
      nodes: 4,
      ops: [
        conn(1, 0),
        publish(0, 4),
        conn(3, 0),
        conn(3, 2),
        cut(2, 0),
        publish(3, 1),
        cut(3, 0),
        cut(3, 2),
      ],
      parent: [0, 0, 0],
      latencyMs: 0,
      jitterMs: 0,
    },
  ],
]

/** Run one scenario; resolves when checked, rejects with what went wrong. */
async function run(s: Scenario): Promise<void> {
  const users: User[] = Array.from({ length: s.users }, (_, u) => makeUser(`user${u}`, 1 + u))
  for (const a of users) for (const b of users) if (a !== b) befriend(a, b)
  const nodes: SimNode[] = []
  for (let k = 0; k < s.nodes; k++)
    nodes.push(await makeNode(`n${k}`, users[k % s.users]!, 100 + k))
  for (const n of nodes) await introduce(n, ...users)
  const expected = new Set(users.flatMap((u) => u.published.map((r) => r.id)))
  const links = new Map<string, SecureChannel>()
  const pair = (i: number, j: number) => `${Math.min(i, j)}-${Math.max(i, j)}`
  let published = 0
  const link = async (i: number, j: number) => {
    if (i === j || links.get(pair(i, j))?.isOpen) return
    const [ca] = await connect(nodes[i]!, nodes[j]!, {
      latencyMs: s.latencyMs,
      jitterMs: s.jitterMs,
      seed: published + i * 7 + j,
    })
    links.set(pair(i, j), ca)
  }
  try {
    for (const op of s.ops) {
      if (op.t === 'publish') {
        for (let c = 0; c < op.count; c++) {
          const r = await nodes[op.i]!.publish({
            kind: 'post',
            data: { body: `post ${published++} from n${op.i}`, type: 'text' },
          })
          expected.add(r.id)
        }
      } else if (op.t === 'connect') await link(op.i, op.j)
      else await links.get(pair(op.i, op.j))?.close()
    }
    for (let k = 1; k < s.nodes; k++) await link(s.parent[k - 1]!, k)

    const ids = [...expected]
    const converged = async () => {
      for (const n of nodes) {
        if (n.engine.fetcher.pending > 0 || n.ingestor.pendingCount > 0) return false
        if (!(await n.store.hasResources(ids)).every(Boolean)) return false
      }
      return true
    }
    try {
      await waitFor(converged, { what: `convergence ${why}`, timeout: 8000 })
    } catch (e) {
      throw new Error(`${(e as Error).message}; ${await describe_(nodes, ids)}`)
    }
    await Promise.all(nodes.map((n) => n.engine.fetcher.idle()))
    for (const n of nodes) {
      const journal = await journalIds(n) // throws unless the chain verifies
      assert.equal(new Set(journal).size, journal.length, `${n.name}: journaled twice ${why}`)
      assert.deepEqual(
        new Set(journal),
        expected,
        `${n.name}: holds exactly what it may see ${why}`,
      )
      assert.equal(await n.store.countResources(), expected.size, `${n.name}: count ${why}`)
    }
  } finally {
    await Promise.all([...links.values()].map((c) => c.close()))
  }
}

/** Per node: how many expected ids it lacks, what its fetcher and ingestor wait for, its peers. */
async function describe_(nodes: readonly SimNode[], ids: readonly string[]): Promise<string> {
  const parts: string[] = []
  for (const n of nodes) {
    const missing = (await n.store.hasResources(ids)).filter((h) => !h).length
    const peers = [...n.engine.sessions.values()]
      .map((p) => nodes.find((m) => m.key.fingerprint === p.key)?.name ?? '?')
      .join(',')
    parts.push(
      `${n.name}: missing ${missing}, fetch pending ${n.engine.fetcher.pending}, ` +
        `ingest pending ${n.ingestor.pendingCount}, peers [${peers}]`,
    )
  }
  return parts.join('; ')
}

describe('convergence after random interleavings', () => {
  after(closeAll)

  it('the accepting side without a position gets a round even when the dialler has one', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    befriend(alice, bob)
    befriend(bob, alice)
    const a = await makeNode('a', alice, 101)
    const b = await makeNode('b', bob, 102)
    await introduce(a, alice, bob)
    await introduce(b, alice, bob)
    const [first] = await connect(b, a)
    await Promise.all([...a.engine.sessions.values()].map((s) => s.synced()))
    await Promise.all([...b.engine.sessions.values()].map((s) => s.synced()))
    await first.close()
    await waitFor(() => a.engine.sessions.size === 0, { what: 'a sees the close' })
    // b lost its position for a (say the connection dropped mid-sync); a still has one for b.
    await b.store.setPeerState(a.key.fingerprint, { updatedAt: Date.now() })
    assert.ok((await a.store.getPeerState(b.key.fingerprint))?.lastKnown)
    const posts: { id: string }[] = []
    for (let i = 0; i < 5; i++)
      posts.push(await a.publish({ kind: 'post', data: { body: `p${i}`, type: 'text' } }))
    const [again] = await connect(a, b) // a dials this time and resumes; b must not skip ahead
    await waitFor(async () => (await b.store.hasResources(posts.map((p) => p.id))).every(Boolean), {
      what: 'b got what it missed',
    })
    await again.close()
  })

  it('every node ends with exactly what it may see (property)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        await run(s)
      }),
      { seed, numRuns: 40, endOnFailure: true, includeErrorInReport: true, examples: FOUND },
    )
  })
})
