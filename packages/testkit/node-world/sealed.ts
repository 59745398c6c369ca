/**
 * Sealed messages in a world (docs/protocol/envelope.md): a reading node publishes prekeys, and
 * a node seals a message as its user for contacts with routing tags (sync.md §10).
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
import type { SimNode } from './sim-nodes.js'
import { provider } from './users.js'
import type { User } from './users.js'

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
