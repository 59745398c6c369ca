/**
 * Resources received in the compact form are stored exactly as they came, never encoded again,
 * also after waiting for their authorization (docs/protocol/compact.md §6, ingest-authorize.ts
 * `restingForm`); and the author quota counts what the store's usage counts, the bytes at rest,
 * whichever frame a resource came in (docs/protocol/sync.md §9 rule 6).
 * @module
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { encodeCompactResource, signResource } from '@sdmp/core'
import type { CryptoProvider, DecodedResource } from '@sdmp/core'
import { MemoryStore } from '@sdmp/store'
import type { IngestItem, Store } from '@sdmp/store'
import { SqliteStore } from '@sdmp/store-sqlite'
import { createPgPool, createPostgresStore } from '@sdmp/store-postgres'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriend,
  closeAll,
  connect,
  introduce,
  makeNode,
  makeNodeIdentity,
  makeUser,
  nodeActions,
  provider,
  signerOf,
} from '@sdmp/testkit/node-world'
import type { SimNode, User } from '@sdmp/testkit/node-world'
import {
  Ingestor,
  MessageType,
  SyncEngine,
  compactReceived,
  resourceMessage,
} from '../src/index.js'

const PG_URL = process.env['PG_URL'] || undefined
/** The sending peer (any fingerprint: only its presence makes the quota apply). */
const PEER = makeUser('peer', 9).key.fingerprint

function post(user: User, body: string): DecodedResource {
  return signResource(
    provider,
    { kind: 'post', user: user.key.fingerprint, data: { body, type: 'text' } },
    [user.key],
  )
}

/** The ASCII of a resource's payload, which encoding it hashes (the identifier rule 0x0D). */
function payloadOf(r: DecodedResource): Buffer {
  return Buffer.from(JSON.parse(new TextDecoder().decode(r.bytes)).signature.payload as string)
}

/** A provider whose SHA-512 records its inputs, for the store and the ingestor alike. */
function countingProvider(): { provider: CryptoProvider; hashes(of: Buffer): number } {
  const inputs: Buffer[] = []
  const counting: CryptoProvider = {
    ...provider,
    sha512: (data: Uint8Array) => {
      inputs.push(Buffer.from(data))
      return provider.sha512(data)
    },
  }
  return { provider: counting, hashes: (of) => inputs.filter((d) => d.equals(of)).length }
}

/** Record what the ingestor hands the store (the store itself is unchanged). */
function spyPuts(store: Store): IngestItem[] {
  const puts: IngestItem[] = []
  const put = store.putResources.bind(store)
  store.putResources = (items) => {
    puts.push(...items)
    return put(items)
  }
  return puts
}

async function sqliteStore(sha512: CryptoProvider['sha512']): Promise<Store> {
  const store = new SqliteStore({ dir: tmpDir(after), sha512 })
  await store.open()
  await store.initJournal(makeUser('node', 8).key.fingerprint)
  after(() => store.close())
  return store
}

describe('ingest of compact frames', () => {
  after(closeAll)

  it('stores a compact resource as it came and never encodes it, also after it waited', async () => {
    const counting = countingProvider()
    const store = await sqliteStore(counting.provider.sha512)
    const puts = spyPuts(store)
    const ingestor = new Ingestor({ provider: counting.provider, store })
    const bob = makeUser('bob', 2)
    const carol = makeUser('carol', 3)
    await ingestor.ingest(bob.published.map((r) => r.bytes))

    const now = post(bob, 'received compact')
    const waits = post(carol, 'received compact before carol was known')
    const compact = new Map(
      [now, waits].map((r) => [r.id, encodeCompactResource(provider, r.bytes)]),
    )
    const received = (r: DecodedResource) => compactReceived(provider, compact.get(r.id)!)
    const [o1] = await ingestor.ingest([received(now)], { source: PEER })
    assert.equal(o1!.status, 'stored')
    const [o2] = await ingestor.ingest([received(waits)], { source: PEER })
    assert.equal(o2!.status, 'pending')
    await ingestor.ingest(carol.published.map((r) => r.bytes))
    assert.equal(ingestor.pendingCount, 0)

    for (const r of [now, waits]) {
      // Decoding the JSON text hashes the payload once for its identifier; encoding it (in the
      // ingestor or the store) would hash it a second time.
      assert.equal(counting.hashes(payloadOf(r)), 1, 'the payload was hashed once: no encoding')
      const item = puts.find((p) => p.id === r.id)!
      assert.equal(item.compact, compact.get(r.id), 'the very bytes received')
      assert.deepEqual(await store.getStoredResource!(r.id), compact.get(r.id))
      assert.deepEqual(await store.getResource(r.id), r.bytes)
    }
    // A JSON item is encoded once, by the ingestor, and the store takes that form as it is. A
    // copy of the bytes, as a peer's would be: bytes signed here come with their compact form
    // (signed-parts.ts), which needs no hash.
    const json = post(bob, 'received as JSON')
    await ingestor.ingest([json.bytes.slice()], { source: PEER })
    assert.equal(counting.hashes(payloadOf(json)), 2, 'decoded once, encoded once')
    assert.deepEqual(
      await store.getStoredResource!(json.id),
      encodeCompactResource(provider, json.bytes),
    )
  })

  it('stores the body of a RESOURCE_COMPACT frame from a peer without encoding it', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    befriend(alice, bob)
    befriend(bob, alice)
    // Node a as makeNode builds it, with a counting provider for its store and ingestor.
    const counting = countingProvider()
    const id = makeNodeIdentity('a', alice, 101)
    const store = new MemoryStore({ sha512: counting.provider.sha512 })
    await store.open()
    await store.initJournal(id.key.fingerprint)
    const ingestor = new Ingestor({ provider: counting.provider, store })
    const engine = new SyncEngine({ store, ingestor, signer: signerOf(id) })
    after(() => engine.close())
    const a: SimNode = { ...id, store, ingestor, engine, ...nodeActions(id, store, ingestor) }
    const b = await makeNode('b', bob, 102)
    await introduce(a, alice, bob)
    await introduce(b, alice, bob)
    const puts = spyPuts(a.store)
    const [, cb] = await connect(a, b)
    const r = post(bob, 'pushed compact')
    const frame = resourceMessage(r.bytes, provider)
    assert.equal(frame[0], MessageType.RESOURCE_COMPACT)
    await cb.send(frame)
    await waitFor(() => a.has(r.id), { what: 'stored' })
    assert.deepEqual(puts.find((p) => p.id === r.id)?.compact, frame.subarray(1))
    assert.equal(counting.hashes(payloadOf(r)), 1, 'the payload was hashed once: no encoding')
  })
})

/**
 * Ingest a mix of JSON and compact posts by one author from a peer, duplicates of each in the
 * other form, and check that the quota's usage equals the store's.
 */
async function quotaMatchesUsage(store: Store): Promise<void> {
  const ingestor = new Ingestor({ provider, store, quota: { maxBytesTotal: 2 ** 50 } })
  const bob = makeUser('bob', 2)
  await ingestor.ingest(bob.published.map((r) => r.bytes)) // local: counted by the store only
  const posts = Array.from({ length: 8 }, (_, i) => post(bob, `post ${i} ${'x'.repeat(40 * i)}`))
  const asCompact = (r: DecodedResource) =>
    compactReceived(provider, encodeCompactResource(provider, r.bytes))
  const mixed = (flip: number) => posts.map((r, i) => (i % 2 === flip ? r.bytes : asCompact(r)))
  const first = await ingestor.ingest(mixed(0), { source: PEER })
  assert.ok(first.every((o) => o.status === 'stored'))
  // The same resources again, each in the other form: duplicates, their reservations released.
  const again = await ingestor.ingest(mixed(1), { source: PEER })
  assert.ok(again.every((o) => o.status === 'duplicate'))
  await ingestor.ingest([post(bob, 'one more, local').bytes]) // local, after the author is loaded

  const usage = await store.usageOf(bob.key.fingerprint)
  const quota = ingestor.quotaOf(bob.key.fingerprint)!
  assert.deepEqual({ count: quota.count, bytes: quota.bytes }, usage)
  const json = posts.reduce((n, r) => n + r.bytes.length, 0)
  assert.ok(usage.bytes < json, 'the compact bytes at rest, not the JSON text')
  if (store.usageTotal === undefined) return
  const total = ingestor.quotaTotal()!
  assert.deepEqual({ count: total.count, bytes: total.bytes }, await store.usageTotal())
}

describe('author quota and store usage count the same bytes', () => {
  it('SQLite', async () => {
    await quotaMatchesUsage(await sqliteStore(provider.sha512))
  })

  it('PostgreSQL', { skip: PG_URL ? false : 'PG_URL is unset' }, async () => {
    const schema = `sdmp_test_${randomBytes(6).toString('hex')}`
    const admin = createPgPool({ url: PG_URL!, maxConnections: 1 })
    const store = createPostgresStore({ url: PG_URL!, schema, sha512: provider.sha512 })
    try {
      await store.open()
      await store.initJournal(makeUser('node', 8).key.fingerprint)
      await quotaMatchesUsage(store)
    } finally {
      await store.close()
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.end()
    }
  })
})
