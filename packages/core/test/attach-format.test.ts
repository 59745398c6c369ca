/**
 * The attachment blob format (docs/protocol/attachments.md §1): round trips at every chunk
 * boundary and for any input chunking, the exact chunk construction (nonce, AAD), and property
 * tests that every tamper, truncation, extension, reordering or swap fails with DECRYPT_FAILED.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import {
  ATTACHMENT_CHUNK_BYTES as C,
  ATTACHMENT_TAG_BYTES,
  attachmentNonce,
  concatBytes,
  createNobleProvider,
  generateAttachmentKey,
  isProtocolError,
  openAttachment,
  plainAttachmentSize,
  sealAttachment,
  sealedAttachmentSize,
} from '../src/index.js'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`
const provider = createNobleProvider()
const S = C + ATTACHMENT_TAG_BYTES

async function* pieces(
  bytes: Uint8Array,
  cuts: readonly number[] = [],
): AsyncGenerator<Uint8Array> {
  let at = 0
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c <= at || c >= bytes.length) continue
    yield bytes.slice(at, c)
    at = c
  }
  yield bytes.slice(at)
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of it) parts.push(p)
  return concatBytes(...parts)
}

const seal = (key: Uint8Array, plain: Uint8Array, cuts?: number[]) =>
  collect(sealAttachment(provider, key, pieces(plain, cuts)))
const open = (key: Uint8Array, blob: Uint8Array, cuts?: number[]) =>
  collect(openAttachment(provider, key, pieces(blob, cuts)))

/** Open must fail with DECRYPT_FAILED (and nothing else). */
async function assertFails(key: Uint8Array, blob: Uint8Array, what: string): Promise<void> {
  await assert.rejects(
    open(key, blob),
    (e: unknown) =>
      isProtocolError(e, 'DECRYPT_FAILED') && e.message === 'attachment: decryption failed',
    `${what} ${why}`,
  )
}

/** Random bytes of any length (the provider gives at most 64 KiB per call). */
function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 65_536) out.set(provider.randomBytes(Math.min(65_536, n - i)), i)
  return out
}

/** Split a blob into its sealed chunks. */
function chunksOf(blob: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < blob.length; i += S) out.push(blob.slice(i, i + S))
  return out
}

describe('attachment format', () => {
  it('round trips at every chunk boundary with the sizes the spec gives', async () => {
    for (const n of [0, 1, C - 1, C, C + 1, 2 * C, 2 * C + 7]) {
      const key = generateAttachmentKey(provider)
      const plain = randomBytes(n)
      const blob = await seal(key, plain)
      assert.equal(blob.length, sealedAttachmentSize(n), `size of ${n}`)
      assert.equal(plainAttachmentSize(blob.length), n)
      assert.equal(chunksOf(blob).length, n === 0 ? 1 : Math.ceil(n / C))
      assert.deepEqual(await open(key, blob), plain)
    }
  })

  it('seals chunk i under nonce 0^4 || be64(i) and AAD tag || final flag', async () => {
    const key = generateAttachmentKey(provider)
    const plain = randomBytes(C + 5)
    const blob = await seal(key, plain)
    const tag = new TextEncoder().encode('sdmp/attachment/v1')
    assert.deepEqual(attachmentNonce(1), Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
    const first = provider.chacha20poly1305.seal(
      key,
      attachmentNonce(0),
      plain.subarray(0, C),
      concatBytes(tag, Uint8Array.of(0)),
    )
    const last = provider.chacha20poly1305.seal(
      key,
      attachmentNonce(1),
      plain.subarray(C),
      concatBytes(tag, Uint8Array.of(1)),
    )
    assert.deepEqual(blob, concatBytes(first, last))
  })

  it('round trips any plaintext whatever the input and blob chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * C + 100 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (n, cutsIn, cutsOut) => {
          const key = generateAttachmentKey(provider)
          const plain = randomBytes(n)
          const blob = await seal(
            key,
            plain,
            cutsIn.map((c) => c % (n + 1)),
          )
          const back = await open(
            key,
            blob,
            cutsOut.map((c) => c % (blob.length + 1)),
          )
          assert.deepEqual(back, plain)
        },
      ),
      { seed, numRuns: 25 },
    )
  })

  it('refuses any single-byte change anywhere in the blob', async () => {
    const key = generateAttachmentKey(provider)
    const blob = await seal(key, randomBytes(2 * C + 300))
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: blob.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, x) => {
          const bad = blob.slice()
          bad[at]! ^= x
          await assertFails(key, bad, `flip at ${at}`)
        },
      ),
      { seed, numRuns: 40 },
    )
  })

  it('refuses every truncation, including at chunk boundaries', async () => {
    const key = generateAttachmentKey(provider)
    const blob = await seal(key, randomBytes(3 * C + 10))
    for (const len of [0, 1, 15, 16, S, 2 * S, 3 * S, blob.length - 1])
      await assertFails(key, blob.subarray(0, len), `truncated to ${len}`)
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: blob.length - 1 }), (len) =>
        assertFails(key, blob.subarray(0, len), `truncated to ${len}`),
      ),
      { seed, numRuns: 30 },
    )
  })

  it('refuses reordered, swapped, duplicated and appended chunks', async () => {
    const key = generateAttachmentKey(provider)
    const chunks = chunksOf(await seal(key, randomBytes(3 * C + 10)))
    const [a, b, c, d] = chunks as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
    await assertFails(key, concatBytes(b, a, c, d), 'swap 0 and 1')
    await assertFails(key, concatBytes(a, c, b, d), 'swap 1 and 2')
    await assertFails(key, concatBytes(a, b, c, c, d), 'duplicate')
    await assertFails(key, concatBytes(a, b, d), 'drop a middle chunk')
    await assertFails(key, concatBytes(a, b, c, d, d), 'repeat the final chunk')
    // Extension: a chunk from another blob sealed under the same key at the next index.
    const other = chunksOf(await seal(key, randomBytes(5 * C)))
    await assertFails(key, concatBytes(a, b, c, d, other[4]!), 'append a foreign chunk')
    await assertFails(key, concatBytes(a, b, c, other[3]!), 'swap in a foreign chunk')
  })

  it('refuses a wrong key, an empty blob and a random blob', async () => {
    const key = generateAttachmentKey(provider)
    const blob = await seal(key, randomBytes(1000))
    await assertFails(generateAttachmentKey(provider), blob, 'wrong key')
    await assertFails(key, new Uint8Array(0), 'empty blob')
    await assertFails(key, randomBytes(S + 40), 'random blob')
  })

  it('never yields a chunk that did not authenticate', async () => {
    const key = generateAttachmentKey(provider)
    const plain = randomBytes(2 * C + 1)
    const blob = await seal(key, plain)
    const bad = blob.slice()
    bad[S + 3]! ^= 1 // damage the second chunk
    const seen: Uint8Array[] = []
    await assert.rejects(async () => {
      for await (const p of openAttachment(provider, key, pieces(bad))) seen.push(p)
    })
    assert.equal(seen.length, 1)
    assert.deepEqual(seen[0], plain.subarray(0, C))
  })

  it('refuses a source larger than maxBytes with LIMIT_EXCEEDED', async () => {
    const key = generateAttachmentKey(provider)
    await assert.rejects(
      collect(sealAttachment(provider, key, pieces(randomBytes(101)), { maxBytes: 100 })),
      (e: unknown) => isProtocolError(e, 'LIMIT_EXCEEDED'),
    )
    assert.equal((await seal(key, randomBytes(100))).length, 116)
  })

  it('computes sizes both ways and rejects impossible blob sizes', () => {
    for (const n of [0, 1, C, C + 1, 5 * C - 1])
      assert.equal(plainAttachmentSize(sealedAttachmentSize(n)), n)
    for (const bad of [-1, 0, 15, S + 16, S + 3, 1.5, Number.NaN])
      assert.equal(plainAttachmentSize(bad), undefined, `size ${bad}`)
  })
})
