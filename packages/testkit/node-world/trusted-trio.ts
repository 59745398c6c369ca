/**
 * The admission world (docs/protocol/sync.md §9): three users who trust each other pairwise
 * through Alice, their nodes on SQLite over TCP on loopback, and a crafted peer that sends raw
 * RESOURCE frames.
 * @module
 */
import type { TestContext } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { resourceMessage } from '@sdmp/node'
import type { SyncLimits } from '@sdmp/node'
import { openDiskNode, shutdownAll } from './disk-nodes.js'
import type { DiskNode, DiskNodeOptions } from './disk-nodes.js'
import { introduce } from './sim-nodes.js'
import { befriend, makeNodeIdentity, makeUser } from './users.js'
import type { User } from './users.js'

/** Options of {@link trustedTrio}: Alice's node's limits, and whether her second node runs. */
export interface TrioOptions {
  readonly limits?: Partial<SyncLimits>
  readonly quota?: DiskNodeOptions['quota']
  /** Also start `a2`, a second node of Alice's, dialling `a`. */
  readonly second?: boolean
}

/**
 * Alice's node `a` listening on TCP; Bob's `b` and Dave's `d` (and with `second`, Alice's own
 * `a2`) dialling it. Alice and Bob, Alice and Dave trust each other.
 */
export async function trustedTrio(t: TestContext, options: TrioOptions = {}) {
  t.after(() => shutdownAll())
  const dir = tmpDir(t.after.bind(t))
  const alice = makeUser('alice', 111)
  const bob = makeUser('bob', 112)
  const dave = makeUser('dave', 113)
  for (const [x, y] of [
    [alice, bob],
    [bob, alice],
    [alice, dave],
    [dave, alice],
  ] as [User, User][])
    befriend(x, y)
  const ids = {
    a: makeNodeIdentity('a', alice, 114),
    b: makeNodeIdentity('b', bob, 115),
    d: makeNodeIdentity('d', dave, 116),
    a2: makeNodeIdentity('a2', alice, 117),
  }
  const open = async (k: keyof typeof ids, extra: DiskNodeOptions = {}) => {
    const n = await openDiskNode(ids[k], `${dir}/${k}`, extra)
    await introduce(n, alice, bob, dave)
    return n
  }
  const events: { name: string; detail: Record<string, unknown> }[] = []
  const a = await open('a', {
    event: (name, detail) => events.push({ name, detail }),
    ...(options.limits && { limits: options.limits }),
    ...(options.quota && { quota: options.quota }),
  })
  a.ingestor.user = () => alice.key.fingerprint
  await a.start()
  const b = await open('b')
  const d = await open('d')
  await b.start({ listen: false, peers: [a.address()] })
  await d.start({ listen: false, peers: [a.address()] })
  const a2 = options.second ? await open('a2') : undefined
  await a2?.start({ listen: false, peers: [a.address()] })
  const session = (n: DiskNode) => n.engine.sessions.get(a.key.fingerprint)
  await waitFor(() => session(b) && session(d) && (!a2 || session(a2)), {
    timeout: 20_000,
    what: 'the other nodes connected to alice',
  })
  return { a, b, d, a2, alice, bob, dave, ids, events, session }
}

/** Push raw resources from `from`'s session (a crafted peer sends what it likes). */
export async function flood(
  from: DiskNode,
  to: DiskNode,
  resources: Iterable<Uint8Array>,
): Promise<number> {
  let sent = 0
  for (const bytes of resources) {
    const s = from.engine.sessions.get(to.key.fingerprint)
    if (!s) break // disconnected
    try {
      await s.channel.send(resourceMessage(bytes))
    } catch {
      break // closed under us
    }
    sent++
  }
  return sent
}
