/**
 * Observing a node of a world: what its store and journal hold, what it was offered, and
 * explicit sync barriers over its sessions (docs/protocol/sync.md §10).
 * @module
 */
import type { DiskNode } from './disk-nodes.js'
import type { SimNode } from './sim-nodes.js'

/** What a node holds: journal lines, resources, and `encrypted` resources among them. */
export async function footprint(
  n: SimNode,
): Promise<{ lines: number; resources: number; encrypted: number }> {
  const lines = (await n.store.readJournal(0, 1_000_000)).length
  const metas = await n.store.queryResources({ limit: 1_000_000 })
  return {
    lines,
    resources: metas.length,
    encrypted: metas.filter((m) => m.kind === 'encrypted').length,
  }
}

/**
 * Record every id a node was offered (journal pages, broadcasts, reconciliation: all go through
 * the fetcher's announce) and every resource it journaled.
 */
export function spyOffers(n: SimNode): { offered: Set<string>; journaled: Set<string> } {
  const offered = new Set<string>()
  const journaled = new Set<string>()
  const fetcher = n.engine.fetcher
  const announce = fetcher.announce.bind(fetcher)
  fetcher.announce = (peer, ids) => {
    for (const id of ids) offered.add(id)
    return announce(peer, ids)
  }
  n.ingestor.onAppended((lines) => {
    for (const l of lines) journaled.add(l.resource.id)
  })
  return { offered, journaled }
}

/** Pull from every connected peer of `n` (an explicit sync barrier: waits for the fetches). */
export async function pullAll(n: DiskNode): Promise<void> {
  for (const s of n.engine.sessions.values()) await s.pull()
}

/** Ask every connected peer of `n` for `ids`; returns the ids each peer did not deliver. */
export async function askAll(n: DiskNode, ids: readonly string[]): Promise<string[][]> {
  const out: string[][] = []
  for (const s of n.engine.sessions.values()) out.push([...(await s.requestResources(ids))])
  return out
}
