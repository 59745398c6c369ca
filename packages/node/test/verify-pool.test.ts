/** The verification worker pool and its use by the Ingestor (same outcomes, crash recovery). @module */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import {
  ErrorCode,
  isProtocolError,
  signResource,
  signingKeyFromSeed,
  toBase64url,
  utf8,
} from '@sdmp/core'
import type { DecodedResource, ResourceDraft, SigningKey } from '@sdmp/core'
import { MemoryStore } from '@sdmp/store'
import { seedFromEnv, waitFor } from '@sdmp/testkit'
import { provider } from '@sdmp/testkit/node-world'
import { Ingestor } from '../src/ingest.js'
import { VerifyPool } from '../src/verify-pool.js'
import type { BatchVerifier, VerifyJob } from '../src/verify-pool.js'

const key = (n: number): SigningKey => signingKeyFromSeed(provider, new Uint8Array(32).fill(n))
const now = Date.now()
const sign = (draft: ResourceDraft, k: SigningKey, created = now - 1000): DecodedResource =>
  signResource(provider, { created, ...draft }, [k])
const identity = (k: SigningKey, type: 'user' | 'node') =>
  sign(
    {
      kind: 'identity',
      user: k.fingerprint,
      data: { type, key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(k.publicKey) } },
    },
    k,
  )

/** Flip one character of the (first) signature: still canonical, no longer valid. */
function forge(r: DecodedResource): Uint8Array {
  const text = new TextDecoder().decode(r.bytes)
  const sig = toBase64url(r.signatures[0]!.signature)
  const at = text.indexOf(sig) + 10
  const c = text[at] === 'A' ? 'B' : 'A'
  return utf8(text.slice(0, at) + c + text.slice(at + 1))
}

/** A mixed batch: valid, forged, unauthorized, future-dated, malformed and duplicate resources. */
function mixedBatch(): Uint8Array[] {
  const user = key(1)
  const node = key(2)
  const stranger = key(3)
  const trust = sign(
    {
      kind: 'trust',
      user: user.fingerprint,
      data: { trustee: node.fingerprint, authorization: ['publish_resource'] },
    },
    user,
  )
  const post = (i: number, k = node, created?: number) =>
    sign(
      {
        kind: 'post',
        user: user.fingerprint,
        trust: trust.id,
        data: { body: `post ${i}`, type: 'text' },
      },
      k,
      created,
    )
  const valid = Array.from({ length: 20 }, (_, i) => post(i))
  const forgedIdentity = forge(identity(key(4), 'user'))
  return [
    ...valid.slice(0, 10).map((r) => r.bytes),
    forge(post(100)),
    post(101, stranger).bytes, // signer known below, never authorized: pending
    post(102, key(5)).bytes, // signer unknown: pending
    post(103, node, now + 86_400_000).bytes, // from the future: BAD_REQUEST
    utf8('{"not":"a resource"}'),
    utf8('\u0000garbage'),
    forgedIdentity,
    valid[0]!.bytes, // duplicate within the batch
    identity(stranger, 'node').bytes,
    ...valid.slice(10).map((r) => r.bytes),
    identity(user, 'user').bytes, // authorization arrives after what it authorizes
    identity(node, 'node').bytes,
    trust.bytes,
  ]
}

async function ingestWith(items: Uint8Array[], verifier?: BatchVerifier) {
  const store = new MemoryStore({ sha512: provider.sha512 })
  await store.open()
  await store.initJournal(key(9).fingerprint)
  const ingestor = new Ingestor({
    provider,
    store,
    clock: () => now,
    ...(verifier ? { verifier, verifierMinBatch: 1 } : {}),
  })
  const outcomes = await ingestor.ingest(items)
  const journal = (await store.readJournal(0, 1000)).map((l) => l.line)
  await store.close()
  return { outcomes, journal }
}

/** Counts the jobs a verifier was given (so a test fails if the pool path is skipped). */
function counting(inner: BatchVerifier): BatchVerifier & { jobs: number } {
  const c = {
    size: inner.size,
    jobs: 0,
    verify(jobs: readonly VerifyJob[]) {
      c.jobs += jobs.length
      return inner.verify(jobs)
    },
    close: () => inner.close(),
  }
  return c
}

function jobsOf(n: number): { jobs: VerifyJob[]; expected: boolean[] } {
  const k = key(7)
  const other = key(8)
  const jobs: VerifyJob[] = []
  const expected: boolean[] = []
  for (let i = 0; i < n; i++) {
    const message = utf8(`message ${i}`)
    const signature = provider.ed25519.sign(k.seed, message)
    const kind = i % 4
    if (kind === 1) signature[5]! ^= 1
    jobs.push({
      signature: kind === 3 ? signature.subarray(0, 63) : signature,
      message,
      publicKey: kind === 2 ? other.publicKey : k.publicKey,
    })
    expected.push(kind === 0)
  }
  return { jobs, expected }
}

describe('verify pool', () => {
  const pools: VerifyPool[] = []
  const pool = (o: ConstructorParameters<typeof VerifyPool>[0]) => {
    const p = new VerifyPool(o)
    pools.push(p)
    return p
  }
  after(() => Promise.all(pools.map((p) => p.close())))

  it('verifies like the provider: valid, bad signature, wrong key, wrong length', async () => {
    const { jobs, expected } = jobsOf(403)
    assert.deepEqual(await pool({ size: 2, chunk: 32 }).verify(jobs), expected)
    assert.deepEqual(await pool({ size: 0 }).verify(jobs), expected)
  })

  it('gives the Ingestor the same outcomes and journal with and without the pool', async () => {
    const items = mixedBatch()
    const inline = await ingestWith(items)
    const statuses = new Set(inline.outcomes.map((o) => `${o.status} ${o.code ?? ''}`))
    for (const s of [
      'stored ',
      'duplicate ',
      'pending UNAUTHORIZED_SIGNER',
      'rejected INVALID_SIGNATURE',
      'rejected INVALID_ENCODING',
      'rejected BAD_REQUEST',
    ])
      assert.ok(statuses.has(s), `the batch covers ${s}: ${[...statuses].join(', ')}`)
    const verifier = counting(pool({ size: 2, chunk: 4 }))
    const pooled = await ingestWith(items, verifier)
    assert.ok(verifier.jobs >= 20, `the pool verified ${verifier.jobs} signatures`)
    assert.deepEqual(pooled.outcomes, inline.outcomes)
    assert.deepEqual(pooled.journal.slice(1), inline.journal.slice(1))
  })

  it('keeps outcomes identical in any order of the batch (property)', async () => {
    const seed = seedFromEnv()
    const items = mixedBatch()
    const p = pool({ size: 2, chunk: 3 })
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(items, { minLength: 1 }), async (subset) => {
        const a = await ingestWith(subset)
        const b = await ingestWith(subset, p)
        assert.deepEqual(b.outcomes, a.outcomes, `seed ${seed}`)
      }),
      { seed, numRuns: 25 },
    )
  })

  it(
    'never strands a call that arrives while a pooled batch commits',
    { timeout: 30_000 },
    async () => {
      const items = mixedBatch()
      const store = new MemoryStore({ sha512: provider.sha512 })
      await store.open()
      await store.initJournal(key(9).fingerprint)
      const ingestor = new Ingestor({
        provider,
        store,
        clock: () => now,
        verifier: pool({ size: 1 }),
        verifierMinBatch: 1,
      })
      let late: Promise<unknown> | undefined
      ingestor.onAppended(() => {
        late ??= ingestor.ingest([
          signResource(
            provider,
            {
              kind: 'post',
              user: key(1).fingerprint,
              data: { body: 'late', type: 'text' },
              created: now - 1,
            },
            [key(2)],
          ).bytes,
        ])
      })
      await ingestor.ingest(items)
      assert.ok(late, 'a call was made during the commit')
      const [o] = (await late) as { status: string }[]
      assert.equal(o!.status, 'pending')
      await store.close()
    },
  )

  it('falls back to inline verification when the verifier fails', async () => {
    const items = mixedBatch()
    const broken: BatchVerifier = {
      size: 2,
      verify: () => Promise.reject(new Error('down')),
      close: async () => undefined,
    }
    assert.deepEqual((await ingestWith(items, broken)).outcomes, (await ingestWith(items)).outcomes)
  })

  it(
    'completes a batch when a worker is killed mid-batch, then replaces the worker',
    { timeout: 30_000 },
    async () => {
      const p = pool({ size: 2, chunk: 64 })
      const { jobs, expected } = jobsOf(4000)
      const first = p.workers[0]!
      const running = p.verify(jobs)
      await first.terminate()
      assert.deepEqual(await running, expected)
      await waitFor(() => p.workers.length === 2 && !p.workers.includes(first), {
        what: 'a replacement worker',
      })
      const small = jobsOf(50)
      assert.deepEqual(await p.verify(small.jobs), small.expected)
    },
  )

  it(
    'fails a batch with UNAVAILABLE when its worker dies beyond the retries, and recovers',
    { timeout: 30_000 },
    async () => {
      const p = pool({ size: 1, chunk: 64, retries: 0 })
      const { jobs } = jobsOf(2000)
      const failed = assert.rejects(p.verify(jobs), (e) =>
        isProtocolError(e, ErrorCode.UNAVAILABLE),
      )
      await p.workers[0]!.terminate()
      await failed
      const small = jobsOf(50)
      assert.deepEqual(await p.verify(small.jobs), small.expected)
    },
  )

  it(
    'gives up with UNAVAILABLE when workers cannot start, without respawning forever',
    { timeout: 30_000 },
    async () => {
      const p = pool({ size: 2, workerUrl: new URL('./no-such-worker.js', import.meta.url) })
      await assert.rejects(p.verify(jobsOf(10).jobs), (e) =>
        isProtocolError(e, ErrorCode.UNAVAILABLE),
      )
      await waitFor(() => p.workers.length === 0, { what: 'no more respawns' })
      await assert.rejects(p.verify(jobsOf(1).jobs), (e) =>
        isProtocolError(e, ErrorCode.UNAVAILABLE),
      )
      await p.close()
    },
  )

  it(
    'close() rejects pending and later batches with CLOSED and stops every worker',
    { timeout: 30_000 },
    async () => {
      const p = pool({ size: 2 })
      const workers = [...p.workers]
      const exited = workers.map((w) => new Promise((r) => w.once('exit', r)))
      const failed = assert.rejects(p.verify(jobsOf(2000).jobs), (e) =>
        isProtocolError(e, ErrorCode.CLOSED),
      )
      await p.close()
      await failed
      await assert.rejects(p.verify(jobsOf(1).jobs), (e) => isProtocolError(e, ErrorCode.CLOSED))
      await Promise.all(exited)
      assert.equal(p.workers.length, 0)
    },
  )
})
