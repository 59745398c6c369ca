/**
 * Helpers of the end-to-end sync bench (sync-e2e.bench.ts): one user with two nodes (A holds
 * the data, B pulls it), each a SQLite store + Ingestor + SyncEngine, talking over TCP loopback.
 * Node A runs in a worker thread (sync-e2e-peer.ts) so that node B's thread measures B alone.
 * @module
 */
import { fingerprintOf } from '@sdmp/core'
import type { DecodedResource, SigningKey } from '@sdmp/core'
import { Ingestor, SyncEngine } from '@sdmp/node'
import { SqliteStore } from '@sdmp/store-sqlite'
import { FULL_DEVICE, identityOf, keyOf, provider, sign } from '@sdmp/testkit/node-world'

export { provider, sign }
export const USER = keyOf(1)
export const NODE_A = keyOf(2)
export const NODE_B = keyOf(3)
export const CHANNEL_LIMITS = { maxMessageBytes: 2 * 1024 * 1024 }

/**
 * Post `i` as node A publishes it (~0.5 KB): the pulled resources, and the baseline's (the same
 * shape verified raw, sync-e2e.bench.ts).
 */
export const postOf = (i: number, trustA: DecodedResource): DecodedResource =>
  sign(
    {
      kind: 'post',
      user: USER.fingerprint,
      trust: trustA.id,
      data: { body: `post ${i} ${'x'.repeat(180)}`, type: 'text' },
    },
    NODE_A,
  )

/** The user's identity, and each node's identity and trust (published, introduced to both). */
export function userResources(): { published: DecodedResource[]; trustA: DecodedResource } {
  const authorization = [...FULL_DEVICE]
  const trustOf = (k: SigningKey) =>
    sign(
      { kind: 'trust', user: USER.fingerprint, data: { trustee: k.fingerprint, authorization } },
      USER,
    )
  const trustA = trustOf(NODE_A)
  const published = [
    identityOf(USER, 'user'),
    identityOf(NODE_A, 'node'),
    trustA,
    identityOf(NODE_B, 'node'),
    trustOf(NODE_B),
  ]
  return { published, trustA }
}

/** A node: SQLite store in `dir`, ingestor, sync engine. */
export interface BenchNode {
  readonly store: SqliteStore
  readonly ingestor: Ingestor
  readonly engine: SyncEngine
  close(): Promise<void>
}

/** Open a node with its own key on a fresh store and introduce the user's resources. */
export async function openNode(
  dir: string,
  k: SigningKey,
  trust: string,
  published: readonly Uint8Array[],
): Promise<BenchNode> {
  const store = new SqliteStore({ dir, sha512: provider.sha512 })
  await store.open()
  await store.initJournal(k.fingerprint)
  const ingestor = new Ingestor({ provider, store })
  const out = await ingestor.ingest(published)
  if (out.some((o) => o.status !== 'stored'))
    throw new Error(`introduce: ${JSON.stringify(out.filter((o) => o.status !== 'stored'))}`)
  const engine = new SyncEngine({
    store,
    ingestor,
    signer: { provider, key: k, user: USER.fingerprint, trust, clock: Date.now },
  })
  return {
    store,
    ingestor,
    engine,
    async close() {
      await engine.close()
      await store.close()
    },
  }
}

/** Channel options for a node. */
export const channelOptions = (k: SigningKey, node: BenchNode) => ({
  provider,
  fingerprintOf: (pk: Uint8Array) => fingerprintOf(provider, pk),
  limits: CHANNEL_LIMITS,
  nodeSeed: k.seed,
  authorize: node.engine.authorize,
})
