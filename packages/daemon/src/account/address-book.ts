/**
 * Where this node's peers are: the nodes of its own user and of every mutual contact, each at
 * the addresses of its newest signed `node` resource (docs/protocol/sync.md §8.6,
 * schemas.md "node"). The node publishes its own record the same way, so addresses travel
 * by sync and in invites, and nobody needs a directory.
 * @module
 */
import { isIP } from 'node:net'
import type { ContentData, DecodedResource } from '@sdmp/core'
import type { Account } from './account.js'
import { storedResources } from './devices.js'
import { parsePeerAddress } from '@sdmp/node'
import type { PeerAddress } from '@sdmp/node'

/** The newest `node` record of each node of `user`, by signing node. */
export async function nodeRecordsOf(
  account: Account,
  user: string,
): Promise<Map<string, DecodedResource<'node'>>> {
  const out = new Map<string, DecodedResource<'node'>>()
  for (const r of await storedResources(
    account.store,
    { kinds: ['node'], user },
    account.provider,
  )) {
    const signer = r.signatures[0]!.kid
    const prev = out.get(signer)
    if (!prev || r.created >= prev.created) out.set(signer, r as DecodedResource<'node'>)
  }
  return out
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
    // keys.md §5.4: a device that moves to U2 before the other devices' records under U2 have
    // reached it still dials them at the addresses they published as U (the newest identity's
    // record of a node wins); else two devices that only knew each other as U never meet again.
    const records = new Map<string, DecodedResource<'node'>>()
    for (const v of [u, ...graph.predecessorsOf(u)])
      for (const [node, record] of await nodeRecordsOf(account, v))
        if (!records.has(node)) records.set(node, record)
    for (const [node, record] of records) {
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

/**
 * The form in which a source address is compared: lowercase, with an IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`, as a dual-stack listener reports IPv4 peers) read as the IPv4 address.
 */
export function sourceAddressKey(ip: string): string {
  const lower = ip.toLowerCase()
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower
}

/**
 * The IP addresses of the given peer addresses, as {@link sourceAddressKey}s: the sources the
 * listener treats as known (transport.md §8.1). Names (`example.org:7420`) are not resolved
 * here, so a node published only under a DNS name gets no reserved slot.
 */
export function knownSourceAddresses(addresses: Iterable<PeerAddress>): ReadonlySet<string> {
  const out = new Set<string>()
  for (const a of addresses) if (isIP(a.host) !== 0) out.add(sourceAddressKey(a.host))
  return out
}
