/**
 * In-process nodes (memory store, ingestor, sync engine) connected by in-memory duplex pairs
 * through the real secure channel (docs/protocol/transport.md, sync.md).
 * @module
 */
import { fingerprintOf } from '@sdmp/core'
import type { DecodedResource, ResourceDraft, SigningKey } from '@sdmp/core'
import { Ingestor, SyncEngine } from '@sdmp/node'
import type { SyncLimits } from '@sdmp/node'
import { MemoryStore } from '@sdmp/store'
import type { Store } from '@sdmp/store'
import { createDuplexPair, secureChannel } from '@sdmp/transport'
import type { DuplexPairOptions, SecureChannel } from '@sdmp/transport'
import { introduceTo } from './resources.js'
import { FULL_DEVICE, makeNodeIdentity, provider, sign } from './users.js'
import type { NodeIdentity, User } from './users.js'

/** One node of a user, running in-process. */
export interface SimNode {
  readonly name: string
  readonly user: User
  readonly key: SigningKey
  readonly trust: DecodedResource
  readonly store: Store
  readonly ingestor: Ingestor
  readonly engine: SyncEngine
  /** Sign a resource as this node and ingest it locally (as publishing does). */
  publish(draft: Omit<ResourceDraft, 'user' | 'trust'>): Promise<DecodedResource>
  has(id: string): Promise<boolean>
}

/** `publish` and `has` of a node: sign under its trust, ingest, require `stored`. */
export function nodeActions(
  id: NodeIdentity,
  store: Store,
  ingestor: Ingestor,
): Pick<SimNode, 'publish' | 'has'> {
  return {
    async publish(draft) {
      const r = sign(
        { ...draft, user: id.user.key.fingerprint, trust: id.trust.id } as ResourceDraft,
        id.key,
      )
      const [o] = await ingestor.ingest([r.bytes])
      if (o!.status !== 'stored') throw new Error(`publish: ${o!.status} ${o!.code} ${o!.message}`)
      return r
    },
    has: async (rid) => (await store.hasResources([rid]))[0]!,
  }
}

/** The signer a node's sync engine signs its control messages with. */
export const signerOf = (id: NodeIdentity) => ({
  provider,
  key: id.key,
  user: id.user.key.fingerprint,
  trust: id.trust.id,
  clock: Date.now,
})

const engines = new Set<SyncEngine>()

/** Create a node of `user` with the given authorizations; its identity and trust join `user.published`. */
export async function makeNode(
  name: string,
  user: User,
  seed: number,
  authorization: readonly string[] = FULL_DEVICE,
  limits: Partial<SyncLimits> = {},
): Promise<SimNode> {
  const id = makeNodeIdentity(name, user, seed, authorization)
  const store = new MemoryStore({ sha512: provider.sha512 })
  await store.open()
  await store.initJournal(id.key.fingerprint)
  const ingestor = new Ingestor({ provider, store })
  const engine: SyncEngine = new SyncEngine({ store, ingestor, limits, signer: signerOf(id) })
  engines.add(engine)
  return { ...id, store, ingestor, engine, ...nodeActions(id, store, ingestor) }
}

/** Give a node the public resources of users (the out-of-band invite exchange). */
export async function introduce(node: SimNode, ...users: User[]): Promise<void> {
  await introduceTo(
    node.ingestor,
    users.flatMap((u) => u.published),
  )
}

/** Close every session of every in-memory node created so far (register with `after`). */
export async function closeAll(): Promise<void> {
  await Promise.all([...engines].map((e) => e.close()))
  engines.clear()
}

/** Open a secure channel between two nodes over an in-memory pair and attach both ends. */
export async function connect(
  a: SimNode,
  b: SimNode,
  pair: DuplexPairOptions = {},
): Promise<[SecureChannel, SecureChannel]> {
  const [da, db] = createDuplexPair(pair)
  const common = {
    provider,
    fingerprintOf: (pk: Uint8Array) => fingerprintOf(provider, pk),
    limits: { maxMessageBytes: 2 * 1024 * 1024 },
  }
  const [ca, cb] = await Promise.all([
    secureChannel(da, {
      ...common,
      role: 'initiator',
      nodeSeed: a.key.seed,
      authorize: a.engine.authorize,
      expectedPeer: b.key.fingerprint,
    }),
    secureChannel(db, {
      ...common,
      role: 'responder',
      nodeSeed: b.key.seed,
      authorize: b.engine.authorize,
    }),
  ])
  a.engine.attach(ca, 'initiator')
  b.engine.attach(cb, 'responder')
  return [ca, cb]
}
