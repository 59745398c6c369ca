/**
 * Admission under floods (issue 11, docs/protocol/sync.md §9): what a mutually trusted peer can
 * make a node hold. The node's ingestor (SQLite store on disk) takes what one peer pushes (the
 * same call a sync session makes, `ingest(bytes, { source })`): posts of 16 KiB by a signer it
 * has never seen, then self-signed identities of strangers (the issue saw 8.9 GB RSS after 2,800
 * such posts, and a store grown by 218 MB for 100,000 identities). Reported: the node process's
 * peak RSS and the store's size, which the bounds must hold flat. The session's penalties and
 * disconnection are tested in packages/node/test/admission.test.ts.
 * @module
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { signResource, signingKeyFromSeed, toBase64url } from '@sdmp/core'
import type { ResourceDraft, SigningKey } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { Ingestor } from '@sdmp/node'
import { SqliteStore } from '@sdmp/store-sqlite'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { scratch } from './load-daemons.js'

const GROUP = 'admission'
const provider = createNodeProvider()
const MiB = 1024 * 1024

const keyOf = (n: number): SigningKey => {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, n)
  seed[31] = 0xa7
  return signingKeyFromSeed(provider, seed)
}
const sign = (draft: ResourceDraft, k: SigningKey) => signResource(provider, draft, [k]).bytes
const identity = (k: SigningKey) =>
  sign(
    {
      kind: 'identity',
      user: k.fingerprint,
      data: { type: 'user', key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(k.publicKey) } },
    },
    k,
  )

/** Push `count` resources made by `make` in batches of 64; peak RSS sampled after each batch. */
async function flood(
  ingestor: Ingestor,
  count: number,
  make: (i: number) => Uint8Array,
): Promise<{ peak: number; held: number }> {
  let peak = process.memoryUsage().rss
  let held = 0
  for (let i = 0; i < count; i += 64) {
    const batch = Array.from({ length: Math.min(64, count - i) }, (_, j) => make(i + j))
    await ingestor.ingest(batch, { source: 'flooding-peer' })
    peak = Math.max(peak, process.memoryUsage().rss)
    held = Math.max(held, ingestor.pendingOf('flooding-peer').bytes)
  }
  return { peak, held }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const s = scratch('sdmp-bench-admission-')
  const store = new SqliteStore({ dir: join(s.dir, 'store'), sha512: provider.sha512 })
  try {
    await store.open()
    const node = keyOf(1)
    await store.initJournal(node.fingerprint)
    const ingestor = new Ingestor({ provider, store })
    ingestor.user = () => keyOf(2).fingerprint
    const dbSize = () => statSync(join(s.dir, 'store', 'store.db')).size / MiB
    const stranger = keyOf(3)
    const body = 'x'.repeat(16 * 1024)
    const posts = Math.round(20_000 * ctx.scale)
    const identities = Math.round(100_000 * ctx.scale)
    ;(globalThis as { gc?: () => void }).gc?.()
    const before = process.memoryUsage().rss / MiB
    const sizeBefore = dbSize()
    ctx.log(`admission: ${posts} posts of 16 KiB by an unknown signer`)
    const p = await flood(ingestor, posts, (i) =>
      sign(
        { kind: 'post', user: stranger.fingerprint, data: { body: `${i}${body}`, type: 'text' } },
        stranger,
      ),
    )
    ctx.log(`admission: ${identities} stranger identities`)
    const id = await flood(ingestor, identities, (i) => identity(keyOf(1_000 + i)))
    const journal = (await store.journalHead())!.position
    const common = `one node's ingestor on a SQLite store, fed by one peer (ingest with source) in batches of 64; RSS of the whole bench process, ${before.toFixed(0)} MiB before`
    return [
      {
        group: GROUP,
        name: `admission: peak RSS under ${posts} posts of 16 KiB by an unknown signer`,
        value: p.peak / MiB,
        unit: 'MiB',
        lowerIsBetter: true,
        notes: `${common}; at most ${(p.held / MiB).toFixed(1)} MiB held for the peer (bound 8 MiB); the issue saw 8.9 GB after 2,800`,
      },
      {
        group: GROUP,
        name: `admission: peak RSS under ${identities} stranger identities`,
        value: id.peak / MiB,
        unit: 'MiB',
        lowerIsBetter: true,
        notes: `${common}; journal lines after both floods: ${journal} (1 = only the node's own first line)`,
      },
      {
        group: GROUP,
        name: 'admission: store growth over both floods',
        value: dbSize() - sizeBefore,
        unit: 'MiB',
        lowerIsBetter: true,
        notes: `store.db ${sizeBefore.toFixed(2)} -> ${dbSize().toFixed(2)} MiB; the issue saw 2 -> 220 MB for 100,000 identities`,
      },
    ]
  } finally {
    await store.close()
    s.remove()
  }
}
