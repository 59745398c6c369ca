/**
 * Test harness: in-process nodes (memory store, ingestor, sync engine) connected by in-memory
 * duplex pairs through the real secure channel. Users and their trusts come from fixed seeds.
 * @module
 */
import { fingerprintOf, signResource, signingKeyFromSeed, toBase64url } from '@sdmp/core'
import type { CryptoProvider, DecodedResource, ResourceDraft, SigningKey } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { MemoryStore } from '@sdmp/store'
import type { Store } from '@sdmp/store'
import { createDuplexPair, secureChannel } from '@sdmp/transport'
import type { DuplexPairOptions, SecureChannel } from '@sdmp/transport'
import { Ingestor, SyncEngine } from '../src/index.js'
import type { SyncLimits } from '../src/index.js'

export const provider: CryptoProvider = createNodeProvider()
const key = (n: number): SigningKey => signingKeyFromSeed(provider, new Uint8Array(32).fill(n))

/** A user: key and the resources that introduce it (identity). */
export interface User {
  readonly name: string
  readonly key: SigningKey
  readonly identity: DecodedResource
  /** Public resources to hand to contacts out of band (identity, device trusts, contact trusts). */
  readonly published: DecodedResource[]
}

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

const sign = (draft: ResourceDraft, k: SigningKey) =>
  signResource(provider, { created: Date.now() - 1000, ...draft }, [k])
const identityOf = (k: SigningKey, type: 'user' | 'node') =>
  sign(
    {
      kind: 'identity',
      user: k.fingerprint,
      data: { type, key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(k.publicKey) } },
    },
    k,
  )

/** Create a user from a seed byte. */
export function makeUser(name: string, seed: number): User {
  const k = key(seed)
  const identity = identityOf(k, 'user')
  return { name, key: k, identity, published: [identity] }
}

/** `a` trusts `b` as a contact (read_resource); the trust joins a's published resources. */
export function befriend(a: User, b: User): DecodedResource {
  const t = sign(
    {
      kind: 'trust',
      user: a.key.fingerprint,
      data: { trustee: b.key.fingerprint, authorization: ['read_resource'] },
    },
    a.key,
  )
  a.published.push(t)
  return t
}

/** Create a node of `user` with the given authorizations; its identity and trust join `user.published`. */
export async function makeNode(
  name: string,
  user: User,
  seed: number,
  authorization: string[] = ['publish_resource', 'read_encrypted', 'read_resource'],
  limits: Partial<SyncLimits> = {},
): Promise<SimNode> {
  const k = key(seed)
  const nodeIdentity = identityOf(k, 'node')
  const trust = sign(
    { kind: 'trust', user: user.key.fingerprint, data: { trustee: k.fingerprint, authorization } },
    user.key,
  )
  user.published.push(nodeIdentity, trust)
  const store = new MemoryStore({ sha512: provider.sha512 })
  await store.open()
  await store.initJournal(k.fingerprint)
  const ingestor = new Ingestor({ provider, store })
  const engine: SyncEngine = new SyncEngine({
    store,
    ingestor,
    limits,
    signer: { provider, key: k, user: user.key.fingerprint, trust: trust.id, clock: Date.now },
  })
  engines.add(engine)
  return {
    name,
    user,
    key: k,
    trust,
    store,
    ingestor,
    engine,
    async publish(draft) {
      const r = sign({ ...draft, user: user.key.fingerprint, trust: trust.id } as ResourceDraft, k)
      const [o] = await ingestor.ingest([r.bytes])
      if (o!.status !== 'stored') throw new Error(`publish: ${o!.status} ${o!.code} ${o!.message}`)
      return r
    },
    has: async (id) => (await store.hasResources([id]))[0]!,
  }
}

/** Give a node the public resources of users (the out-of-band invite exchange). */
export async function introduce(node: SimNode, ...users: User[]): Promise<void> {
  const outcomes = await node.ingestor.ingest(users.flatMap((u) => u.published.map((r) => r.bytes)))
  const bad = outcomes.filter((o) => o.status === 'rejected' || o.status === 'pending')
  if (bad.length > 0)
    throw new Error(`introduce: ${bad.map((o) => `${o.status} ${o.code} ${o.message}`).join('; ')}`)
}

const engines = new Set<SyncEngine>()
/** Close every session of every node created so far (register with `after`). */
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
