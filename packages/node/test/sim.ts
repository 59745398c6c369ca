/**
 * Test harness: in-process nodes (memory store, ingestor, sync engine) connected by in-memory
 * duplex pairs through the real secure channel. Users and their trusts come from fixed seeds.
 * @module
 */
import {
  fingerprintOf,
  parseJournalLine,
  signResource,
  signingKeyFromSeed,
  toBase64url,
  verifyJournal,
} from '@sdmp/core'
import type { CryptoProvider, DecodedResource, ResourceDraft, SigningKey } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { MemoryStore } from '@sdmp/store'
import type { Store } from '@sdmp/store'
import { SqliteStore } from '@sdmp/store-sqlite'
import { createDuplexPair, secureChannel } from '@sdmp/transport'
import type { DuplexPairOptions, SecureChannel } from '@sdmp/transport'
import { Ingestor, PeerManager, SyncEngine } from '../src/index.js'
import type { BackoffOptions, PeerAddress, SyncLimits } from '../src/index.js'
import type { QuotaLimits } from '../src/author-quota.js'

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

/** Sign a draft with one key, created a second ago (so clock skew never matters). */
export const sign = (draft: ResourceDraft, k: SigningKey) =>
  signResource(provider, { created: Date.now() - 1000, ...draft }, [k])
/** A self-signed identity resource of a key. */
export const identityOf = (k: SigningKey, type: 'user' | 'node') =>
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

// ---- Loopback nodes: SQLite stores on disk, peer managers on 127.0.0.1 (appended helpers) ----

/** The keys of a node of a user, kept across restarts of its store and manager. */
export interface NodeIdentity {
  readonly name: string
  readonly user: User
  readonly key: SigningKey
  readonly trust: DecodedResource
}

/** Create a node identity of `user`; its identity and trust join `user.published`. */
export function makeNodeIdentity(
  name: string,
  user: User,
  seed: number,
  authorization: string[] = ['publish_resource', 'read_encrypted', 'read_resource'],
): NodeIdentity {
  const k = key(seed)
  const trust = sign(
    { kind: 'trust', user: user.key.fingerprint, data: { trustee: k.fingerprint, authorization } },
    user.key,
  )
  user.published.push(identityOf(k, 'node'), trust)
  return { name, user, key: k, trust }
}

/** A node on disk with an optional running peer manager. */
export interface DiskNode extends SimNode {
  readonly dir: string
  manager: PeerManager | undefined
  /**
   * Start a peer manager listening on 127.0.0.1 (`port`, default 0; TCP unless `listen` is
   * false; WebSocket too with `websocket`) and dialling `peers`.
   */
  start(options?: {
    peers?: readonly PeerAddress[]
    backoff?: Partial<BackoffOptions>
    listen?: boolean
    port?: number
    websocket?: boolean
    random?: () => number
  }): Promise<PeerManager>
  /** Where peers dial this node over TCP (after start with listen). */
  address(): PeerAddress
  /** Where peers dial this node over WebSocket (after start with websocket). */
  wsAddress(): PeerAddress
  /** Stop the manager, close the sessions and the store. */
  shutdown(): Promise<void>
}

/** Test backoff: fast re-dials so loopback tests finish quickly. */
export const FAST_BACKOFF: Partial<BackoffOptions> = Object.freeze({
  initialMs: 20,
  maxMs: 400,
  resetAfterMs: 1000,
})

const diskNodes = new Set<DiskNode>()

/**
 * Open (or reopen) a node's SQLite store in `dir`, rebuild its trust graph and create its sync
 * engine. `wrapStore` lets a test observe store calls (see {@link spyStore}).
 */
export async function openDiskNode(
  id: NodeIdentity,
  dir: string,
  options: {
    wrapStore?: (s: Store) => Store
    event?: (name: string, detail: Record<string, unknown>) => void
    /** Sync limits (e.g. lowered push rates, sync.md §9). */
    limits?: Partial<SyncLimits>
    /** Per-author storage quota of the ingestor (sync.md §9). */
    quota?: Partial<QuotaLimits>
  } = {},
): Promise<DiskNode> {
  const raw = new SqliteStore({ dir, sha512: provider.sha512, synchronous: 'NORMAL' })
  await raw.open()
  await raw.initJournal(id.key.fingerprint)
  const store = options.wrapStore ? options.wrapStore(raw) : raw
  const ingestor = new Ingestor({ provider, store, ...(options.quota && { quota: options.quota }) })
  await ingestor.loadTrustGraph()
  const engine = new SyncEngine({
    store,
    ingestor,
    ...(options.limits && { limits: options.limits }),
    signer: {
      provider,
      key: id.key,
      user: id.user.key.fingerprint,
      trust: id.trust.id,
      clock: Date.now,
    },
    ...(options.event ? { event: options.event } : {}),
  })
  const node: DiskNode = {
    ...id,
    dir,
    store,
    ingestor,
    engine,
    manager: undefined,
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
    async start(o = {}) {
      if (node.manager) throw new Error(`${id.name}: manager already running`)
      const m = new PeerManager({
        engine,
        provider,
        nodeSeed: id.key.seed,
        ...(o.listen !== false ? { listen: { host: '127.0.0.1', port: o.port ?? 0 } } : {}),
        ...(o.websocket ? { listenWebSocket: { host: '127.0.0.1', port: 0 } } : {}),
        peers: o.peers ?? [],
        backoff: o.backoff ?? FAST_BACKOFF,
        ...(o.random ? { random: o.random } : {}),
      })
      node.manager = m
      await m.start()
      return m
    },
    address() {
      const a = node.manager?.tcpAddress
      if (!a) throw new Error(`${id.name}: not listening`)
      return { host: a.host, port: a.port, fingerprint: id.key.fingerprint }
    },
    wsAddress() {
      const a = node.manager?.wsAddress
      if (!a) throw new Error(`${id.name}: not listening on websocket`)
      return { host: a.host, port: a.port, transport: 'websocket', fingerprint: id.key.fingerprint }
    },
    async shutdown() {
      diskNodes.delete(node)
      await node.manager?.stop()
      node.manager = undefined
      await engine.close()
      await raw.close()
    },
  }
  diskNodes.add(node)
  return node
}

/** Shut down every disk node still open (register with `after`). */
export async function shutdownAll(): Promise<void> {
  await Promise.all([...diskNodes].map((n) => n.shutdown()))
}

/** Wrap a store so a test can count calls by method name, with their arguments. */
export function spyStore(store: Store): { store: Store; calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = []
  const spied = new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        calls.push([String(prop), args])
        return (v as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: spied, calls }
}

/** Every journal line of a node, verified as one chain; returns the resource ids in order. */
export async function journalIds(node: SimNode): Promise<string[]> {
  const rows = await node.store.readJournal(0, 1_000_000)
  const lines = rows.map((r) => r.line)
  const check = verifyJournal(lines, provider.sha512)
  if (!check.ok) throw new Error(`${node.name}: journal does not verify`)
  return lines.slice(1).map((l) => parseJournalLine(l).resourceId)
}
