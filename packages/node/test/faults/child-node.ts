/**
 * Child-process node for the kill -9 tests (docs/faults.md): opens a SQLite store (synchronous
 * FULL) in the given dir, dials the parent's node through a peer manager, and optionally
 * publishes its own resources in a loop. It prints one line per event on stdout:
 * `ack <id>` only once the resource is durably committed (after the publish promise resolved,
 * or, for resources received by sync, from the ingestor's appended-lines hook, which runs after
 * COMMIT); `count <n>` after each committed batch; `ready` once started; `done` after the last
 * publish. SIGTERM shuts down cleanly and exits 0.
 * Usage: node child-node.js '<ChildSpec JSON>'
 * @module
 */
import { decodeResource, fromBase64url, signResource, signingKeyFromSeed } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SqliteStore } from '@sdmp/store-sqlite'
import { Ingestor, PeerManager, SyncEngine } from '../../src/index.js'
import type { ChildSpec } from './child-fixture.js'

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec
const provider = createNodeProvider()
const key = signingKeyFromSeed(provider, fromBase64url(spec.nodeSeed))
const trust = decodeResource(provider, fromBase64url(spec.trust))
const say = (line: string) => process.stdout.write(`${line}\n`)

const store = new SqliteStore({ dir: spec.dir, sha512: provider.sha512, synchronous: 'FULL' })
await store.open()
await store.initJournal(key.fingerprint)
const ingestor = new Ingestor({ provider, store })
await ingestor.loadTrustGraph()
const introduced = await ingestor.ingest(spec.introduce.map((b) => fromBase64url(b)))
const bad = introduced.filter((o) => o.status === 'rejected' || o.status === 'pending')
if (bad.length > 0) throw new Error(`child: introduce failed: ${bad.map((o) => o.code).join(',')}`)

let publishing = false
// Appended lines come after the store's COMMIT: acknowledging them here is durable. Published
// resources are acknowledged below, after their publish promise resolved.
ingestor.onAppended((lines) => {
  if (!publishing) for (const l of lines) say(`ack ${l.resource.id}`)
  void store.countResources().then((n) => say(`count ${n}`))
})

const engine = new SyncEngine({
  store,
  ingestor,
  signer: { provider, key, user: spec.user, trust: trust.id, clock: Date.now },
})
const manager = new PeerManager({
  engine,
  provider,
  nodeSeed: key.seed,
  peers: [spec.peer],
  backoff: { initialMs: 20, maxMs: 400, resetAfterMs: 1000 },
})
await manager.start()

process.once('SIGTERM', () => {
  void (async () => {
    await manager.stop()
    await engine.close()
    await store.close()
    say('bye')
    process.exit(0)
  })()
})

say(`count ${await store.countResources()}`)
say('ready')

if (spec.publish) {
  publishing = true
  const { count, concurrency, bodyBytes } = spec.publish
  let next = 0
  const worker = async () => {
    while (next < count) {
      const n = next++
      const r = signResource(
        provider,
        {
          kind: 'post',
          user: spec.user,
          trust: trust.id,
          created: Date.now() - 1000,
          data: { type: 'text', body: `${spec.runTag} ${n} ${'x'.repeat(bodyBytes)}` },
        },
        [key],
      )
      const [o] = await ingestor.ingest([r.bytes])
      if (o?.status !== 'stored') throw new Error(`child: publish ${n}: ${o?.status} ${o?.code}`)
      say(`ack ${r.id}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  publishing = false
  say('done')
}
