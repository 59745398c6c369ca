/**
 * Helpers for the visibility tests (docs/protocol/sync.md §10): prekeys, sealing a message as a
 * node's user with routing tags, a node's footprint (what its store and journal hold), and
 * spies on what a node was offered.
 * @module
 */
import assert from 'node:assert/strict'
import {
  generatePrekey,
  prekeyRecordOf,
  sealResource,
  selectPrekeys,
  signResource,
  toBase64url,
  validateResource,
} from '@sdmp/core'
import type { PrekeyRecord } from '@sdmp/core'
import type { DiskNode, SimNode, User } from './sim.js'
import { provider } from './sim.js'

const DAY = 86_400_000

/** Publish a fresh prekey of a reading node (envelope.md §7). */
export async function publishPrekey(n: SimNode): Promise<string> {
  const now = Date.now() - 2000
  const prekey = generatePrekey(provider, { created: now, expires: now + 14 * DAY })
  const r = await n.publish({
    kind: 'prekey',
    data: {
      suite: 'pq-kyber768-x25519',
      key: toBase64url(prekey.publicKey),
      expires: new Date(prekey.expires).toISOString(),
    },
  })
  return r.id
}

/** Every prekey record a node holds, validated against its trust graph. */
export async function prekeyRecords(n: SimNode): Promise<PrekeyRecord[]> {
  const metas = await n.store.queryResources({ kinds: ['prekey'], limit: 1000 })
  const out: PrekeyRecord[] = []
  for (const m of metas) {
    const bytes = (await n.store.getResource(m.id))!
    const v = validateResource(provider, bytes, n.ingestor.graph, { now: Date.now() })
    out.push(prekeyRecordOf(provider, v))
  }
  return out
}

/**
 * Seal a message from `from`'s user to `to` with every prekey `from` knows, tagged for the
 * readers (envelope.md §12), and publish it on `from`. Returns the envelope's id.
 */
export async function sendSealed(
  from: SimNode,
  to: readonly User[],
  body: string,
): Promise<string> {
  const user = from.user.key.fingerprint
  const inner = signResource(
    provider,
    {
      kind: 'message',
      user,
      trust: from.trust.id,
      created: Date.now() - 1000,
      data: { body, type: 'text', to: to.map((u) => u.key.fingerprint) },
    },
    [from.key],
  )
  const outer = sealResource(
    provider,
    inner,
    selectPrekeys(await prekeyRecords(from), Date.now()),
    { key: from.key, user, trust: from.trust.id },
    { readers: [user, ...to.map((u) => u.key.fingerprint)] },
  )
  const [o] = await from.ingestor.ingest([outer.bytes])
  assert.equal(o!.status, 'stored')
  return outer.id
}

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
