/**
 * Moving resources between the stores of a world without a network: read everything a store
 * holds, and feed bytes to an ingest pipeline that must accept them all (what sync would do).
 * @module
 */
import assert from 'node:assert/strict'
import type { Ingestor } from '@sdmp/node'
import type { Store } from '@sdmp/store'

/** Every resource a store holds, in journal order. */
export async function allResources(store: Store): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (const m of await store.queryResources({ limit: 100_000 })) {
    // Bytes dropped after a delete (Store.dropResourceBytes) are not served, as in sync.
    const bytes = await store.getResource(m.id)
    if (bytes) out.push(bytes)
  }
  return out
}

/** Ingest `resources`; every one must be stored or already held (asserted). */
export async function ingestAccepted(
  ingestor: Ingestor,
  resources: readonly Uint8Array[],
): Promise<void> {
  const outcomes = await ingestor.ingest(resources)
  const refused = outcomes.filter((o) => o.status !== 'stored' && o.status !== 'duplicate')
  assert.deepEqual(refused, [], 'every synced resource is accepted')
}

/**
 * Give an ingestor the public resources of users (the out-of-band invite exchange); nothing may
 * be rejected or left pending.
 */
export async function introduceTo(
  ingestor: Ingestor,
  published: readonly { readonly bytes: Uint8Array }[],
): Promise<void> {
  const outcomes = await ingestor.ingest(published.map((r) => r.bytes))
  const bad = outcomes.filter((o) => o.status === 'rejected' || o.status === 'pending')
  if (bad.length > 0)
    throw new Error(`introduce: ${bad.map((o) => `${o.status} ${o.code} ${o.message}`).join('; ')}`)
}
