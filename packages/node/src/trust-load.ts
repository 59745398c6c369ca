/**
 * The trust graph rebuilt from the store at start-up (docs/protocol/trust.md): identities,
 * then trusts, then revocations, each validated again against the graph as it grows, so a
 * grant that was revoked or has expired since it was stored grants nothing now.
 * @module
 */
import { applyToTrustGraph, validateResource } from '@sdmp/core'
import type { CryptoProvider, TrustGraph } from '@sdmp/core'
import type { Store } from '@sdmp/store'

/** Apply every stored identity, trust and revocation of `store` to `graph`, in that order. */
export async function loadTrustGraph(
  store: Store,
  provider: CryptoProvider,
  graph: TrustGraph,
  now: () => number,
): Promise<void> {
  for (const kinds of [['identity'], ['trust'], ['revoke']]) {
    let after = 0
    for (;;) {
      const metas = await store.queryResources({ kinds, afterPosition: after, limit: 1000 })
      if (metas.length === 0) break
      for (const m of metas) {
        const bytes = await store.getResource(m.id)
        if (!bytes) continue
        try {
          applyToTrustGraph(graph, validateResource(provider, bytes, graph, { now: now() }))
        } catch {
          // Revoked or expired since it was stored: it stays stored but grants nothing.
        }
      }
      after = metas[metas.length - 1]!.position
    }
  }
}
