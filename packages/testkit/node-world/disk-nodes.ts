/**
 * Loopback nodes: SQLite stores on disk and peer managers on 127.0.0.1 (port 0), reopened
 * across restarts from the same {@link NodeIdentity}.
 * @module
 */
import { parseJournalLine, verifyJournal } from '@sdmp/core'
import { Ingestor, PeerManager, SyncEngine } from '@sdmp/node'
import type { BackoffOptions, IngestorOptions, PeerAddress, SyncLimits } from '@sdmp/node'
import type { Store } from '@sdmp/store'
import type { TransportLimits } from '@sdmp/transport'
import { SqliteStore } from '@sdmp/store-sqlite'
import { nodeActions, signerOf } from './sim-nodes.js'
import type { SimNode } from './sim-nodes.js'
import { provider } from './users.js'
import type { NodeIdentity } from './users.js'

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
    /** Listener and channel limits over the defaults (e.g. a loopback bench's per-address caps). */
    transportLimits?: Partial<TransportLimits>
  }): Promise<PeerManager>
  /** Where peers dial this node over TCP (after start with listen). */
  address(): PeerAddress
  /** Where peers dial this node over WebSocket (after start with websocket). */
  wsAddress(): PeerAddress
  /** Stop the manager, close the sessions and the store. */
  shutdown(): Promise<void>
}

/** Options of {@link openDiskNode}. */
export interface DiskNodeOptions {
  /** Lets a test observe store calls (see {@link spyStore}). */
  wrapStore?: (s: Store) => Store
  event?: (name: string, detail: Record<string, unknown>) => void
  /** Sync limits (e.g. lowered push rates, sync.md §9). */
  limits?: Partial<SyncLimits>
  /** Per-author storage quota of the ingestor (sync.md §9). */
  quota?: IngestorOptions['quota']
  /**
   * Open this store instead of a SQLite home in `dir` (e.g. a PostgreSQL store shared by
   * several instances of one node); the node closes it on shutdown.
   */
  store?: Store
  /** Follow lines other writers append to the store (`Ingestor.followStore`). */
  follow?: boolean
}

/** Test backoff: fast re-dials so loopback tests finish quickly. */
export const FAST_BACKOFF: Partial<BackoffOptions> = Object.freeze({
  initialMs: 20,
  maxMs: 400,
  resetAfterMs: 1000,
})

const diskNodes = new Set<DiskNode>()

/** Open (or reopen) a node's SQLite store in `dir`, rebuild its trust graph, create its engine. */
export async function openDiskNode(
  id: NodeIdentity,
  dir: string,
  options: DiskNodeOptions = {},
): Promise<DiskNode> {
  const raw =
    options.store ?? new SqliteStore({ dir, sha512: provider.sha512, synchronous: 'NORMAL' })
  await raw.open()
  await raw.initJournal(id.key.fingerprint)
  const store = options.wrapStore ? options.wrapStore(raw) : raw
  const ingestor = new Ingestor({ provider, store, ...(options.quota && { quota: options.quota }) })
  await ingestor.loadTrustGraph()
  const engine = new SyncEngine({
    store,
    ingestor,
    ...(options.limits && { limits: options.limits }),
    signer: signerOf(id),
    ...(options.event ? { event: options.event } : {}),
  })
  const follow = options.follow ? await ingestor.followStore() : undefined
  const node: DiskNode = {
    ...id,
    dir,
    store,
    ingestor,
    engine,
    manager: undefined,
    ...nodeActions(id, store, ingestor),
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
        ...(o.transportLimits ? { transportLimits: o.transportLimits } : {}),
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
      await follow?.stop()
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

/** Every journal line of a store, verified as one chain; the resource ids in order. */
export async function verifiedJournalIds(store: Store, what: string): Promise<string[]> {
  const rows = await store.readJournal(0, 1_000_000)
  const lines = rows.map((r) => r.line)
  const check = verifyJournal(lines, provider.sha512)
  if (!check.ok) throw new Error(`${what}: journal does not verify`)
  return lines.slice(1).map((l) => parseJournalLine(l).resourceId)
}

/** Every journal line of a node, verified as one chain; returns the resource ids in order. */
export const journalIds = (node: SimNode): Promise<string[]> =>
  verifiedJournalIds(node.store, node.name)
