/**
 * Where this node's peers are: the nodes of its own user and of every mutual contact, each at
 * the addresses of its newest signed `node` resource (docs/protocol/sync.md §8.6,
 * schemas.md "node"). The node publishes its own record the same way, so addresses travel
 * by sync and in invites, and nobody needs a directory.
 * @module
 */
import { decodeResource } from '@sdmp/core'
import type { ContentData, DecodedResource } from '@sdmp/core'
import type { Account } from '../account/account.js'
import { parsePeerAddress } from '../peer-address.js'
import type { PeerAddress } from '../peer-address.js'

/** The newest `node` record of each node of `user`, by signing node. */
export async function nodeRecordsOf(
  account: Account,
  user: string,
): Promise<Map<string, DecodedResource<'node'>>> {
  const out = new Map<string, DecodedResource<'node'>>()
  let after = 0
  for (;;) {
    const metas = await account.store.queryResources({
      kinds: ['node'],
      user,
      afterPosition: after,
      limit: 500,
    })
    if (metas.length === 0) return out
    for (const m of metas) {
      const bytes = await account.store.getResource(m.id)
      if (!bytes) continue
      const r = decodeResource(account.provider, bytes) as DecodedResource<'node'>
      const signer = r.signatures[0]!.kid
      const prev = out.get(signer)
      if (!prev || r.created >= prev.created) out.set(signer, r)
    }
    after = metas[metas.length - 1]!.position
  }
}

/**
 * Every peer address this node should keep connected: the other nodes of its user and the
 * nodes of the users it trusts, at their published addresses, each bound to the
 * node's fingerprint (so whoever answers there must prove to be that node).
 */
export async function peerAddresses(account: Account): Promise<PeerAddress[]> {
  const user = account.user
  if (user === undefined) return []
  const graph = account.ingestor.graph
  const now = account.now()
  const users = new Set<string>([user])
  // Every user we trust, not only those whose trust back has arrived: that trust can only
  // arrive over the connection (trust.md §4); their gate refuses us if they do not trust us.
  for (const other of graph.trustedUsers(user, now)) users.add(other)
  const out: PeerAddress[] = []
  for (const u of users) {
    const nodes = new Set(graph.nodesOf(u, now))
    for (const [node, record] of await nodeRecordsOf(account, u)) {
      if (node === account.node || !nodes.has(node)) continue
      for (const text of (record.data as ContentData<'node'>).addresses) {
        try {
          out.push({ ...parsePeerAddress(text), fingerprint: node })
        } catch {
          // A syntactically valid record may still name nothing we can dial; skip it.
        }
      }
    }
  }
  return out
}
