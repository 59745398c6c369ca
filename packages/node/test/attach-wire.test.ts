/**
 * The blob wire pieces against hostile input (docs/protocol/attachments.md §2): BLOB frame
 * decoding, the request_blob and offer_blobs schemas, and a download that refuses frames out of
 * order, beyond the announced size, or bytes whose hash is not the requested one.
 * @module
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { CONTENT_SCHEMAS, isProtocolError } from '@sdmp/core'
import type { Json } from '@sdmp/core'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import { after, describe, it } from 'node:test'
import { BlobDownload } from '../src/blobs/blob-download.js'
import { PartialBlobs } from '../src/blobs/blob-partial.js'
import { decodeBlobFrame, encodeBlobFrame } from '../src/blobs/blob-frame.js'

const HASH = 'ab'.repeat(32)
const code = (c: string) => (e: unknown) => isProtocolError(e) && e.code === c

async function drain(d: BlobDownload): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of d.source()) parts.push(p)
  return new Uint8Array(Buffer.concat(parts))
}

describe('blob frame', () => {
  it('round trips hash, offset and data', () => {
    const data = Uint8Array.of(1, 2, 3)
    const msg = encodeBlobFrame(HASH, 2 ** 40 + 5, data)
    assert.equal(msg[0], 0x04)
    const f = decodeBlobFrame(msg.subarray(1))
    assert.deepEqual(f, { hash: HASH, offset: 2 ** 40 + 5, data })
  })

  it('refuses short, empty-data, oversized and out-of-range frames with BAD_REQUEST', () => {
    const ok = encodeBlobFrame(HASH, 0, Uint8Array.of(9)).subarray(1)
    for (const body of [new Uint8Array(0), ok.subarray(0, 40), new Uint8Array(40 + 65_537)])
      assert.throws(() => decodeBlobFrame(body), code('BAD_REQUEST'), `${body.length} bytes`)
    const huge = ok.slice()
    huge.fill(0xff, 32, 40)
    assert.throws(() => decodeBlobFrame(huge), code('BAD_REQUEST'))
  })
})

describe('request_blob and offer_blobs schemas', () => {
  const good = { identifier: 'r1', hash: HASH, offset: 0 }
  it('accepts the documented shapes', () => {
    assert.deepEqual(CONTENT_SCHEMAS.request_blob(good, 'data'), good)
    assert.deepEqual(CONTENT_SCHEMAS.offer_blobs({ hashes: [HASH] }, 'data'), { hashes: [HASH] })
  })
  it('refuses wrong types, bad hashes, ranges and extra members', () => {
    const bad: Json[] = [
      { ...good, hash: HASH.toUpperCase() },
      { ...good, hash: HASH.slice(1) },
      { ...good, offset: -1 },
      { ...good, offset: 1.5 },
      { ...good, offset: '0' },
      { ...good, extra: 1 },
      { identifier: 'r1', hash: HASH },
      [],
      null,
      'x',
    ]
    for (const v of bad)
      assert.throws(() => CONTENT_SCHEMAS.request_blob(v, 'data'), code('SCHEMA_VIOLATION'))
    for (const v of [
      { hashes: [] },
      { hashes: Array(257).fill(HASH) },
      { hashes: [1] },
      { hashes: HASH },
      {},
    ] as Json[])
      assert.throws(() => CONTENT_SCHEMAS.offer_blobs(v, 'data'), code('SCHEMA_VIOLATION'))
  })
})

describe('blob download', () => {
  const bytes = Uint8Array.from({ length: 100 }, (_, i) => i)
  const hash = createHash('sha256').update(bytes).digest('hex')

  it('yields the frames in order and ends at the announced size', async () => {
    const d = new BlobDownload(hash, 1000)
    const out = drain(d)
    d.setSize(100)
    await d.push(0, bytes.subarray(0, 60))
    await d.push(60, bytes.subarray(60))
    assert.deepEqual(await out, bytes)
    assert.equal(d.mismatch, false)
  })

  it('fails the stream (nothing kept) when the bytes do not hash to the requested hash', async () => {
    const d = new BlobDownload(hash, 1000)
    const out = drain(d)
    d.setSize(100)
    const wrong = bytes.slice()
    wrong[7] = 0
    await d.push(0, wrong)
    await assert.rejects(out, code('INVALID_ENCODING'))
    assert.equal(d.mismatch, true)
  })

  it('refuses frames out of order, beyond the size, and sizes above the limit', async () => {
    const d = new BlobDownload(hash, 1000)
    d.setSize(100)
    await assert.rejects(d.push(10, bytes.subarray(0, 5)), code('BAD_REQUEST'))
    await assert.rejects(d.push(0, new Uint8Array(101)), code('BAD_REQUEST'))
    assert.throws(() => new BlobDownload(hash, 50).setSize(51), code('LIMIT_EXCEEDED'))
  })

  it('resumes: replays the held prefix, sinks new frames, hashes the whole blob', async () => {
    const sunk: Uint8Array[] = []
    const d = new BlobDownload(hash, 1000, {
      offset: 40,
      prefix: async function* () {
        yield bytes.subarray(0, 25)
        yield bytes.subarray(25, 40)
      },
      sink: async (data) => void sunk.push(data),
    })
    const out = drain(d)
    d.setSize(100)
    await assert.rejects(d.push(0, bytes.subarray(0, 10)), code('BAD_REQUEST'), 'not from 0')
    const e = new BlobDownload(hash, 1000, {
      offset: 40,
      prefix: async function* () {
        yield bytes.subarray(0, 40)
      },
      sink: async (data) => void sunk.push(data),
    })
    const outE = drain(e)
    e.setSize(100)
    await e.push(40, bytes.subarray(40))
    assert.deepEqual(await outE, bytes)
    assert.deepEqual(Buffer.concat(sunk), Buffer.from(bytes.subarray(40)), 'only new bytes sunk')
    d.fail(new Error('done'))
    await assert.rejects(out)
  })

  it('fails as a mismatch when the held prefix reads back short or is wrong', async () => {
    const short = new BlobDownload(hash, 1000, {
      offset: 40,
      prefix: async function* () {
        yield bytes.subarray(0, 30)
      },
    })
    await assert.rejects(drain(short), code('INVALID_ENCODING'))
    assert.equal(short.mismatch, true)
    const wrong = new BlobDownload(hash, 1000, {
      offset: 100,
      prefix: async function* () {
        yield new Uint8Array(100)
      },
    })
    const out = drain(wrong)
    wrong.setSize(100)
    await assert.rejects(out, code('INVALID_ENCODING'))
    assert.equal(wrong.mismatch, true)
  })
})

describe('partial blob files', () => {
  const a = 'aa'.repeat(32)
  const b = 'bb'.repeat(32)

  it('keeps only the partial files of wanted blobs, and opens at the held size', async () => {
    const dir = join(tmpDir(after, 'sdmp-partial-'), 'blobs-partial')
    mkdirSync(dir)
    writeFileSync(join(dir, `${a}.part`), Uint8Array.of(1, 2, 3))
    writeFileSync(join(dir, `${b}.part`), Uint8Array.of(4))
    writeFileSync(join(dir, 'stray'), Uint8Array.of(5))
    const partials = new PartialBlobs(dir)
    await partials.init((h) => h === a)
    assert.deepEqual(readdirSync(dir), [`${a}.part`])
    const f = await partials.open(a, 1000)
    assert.equal(f.offset, 3)
    const held: Uint8Array[] = []
    for await (const p of f.read()) held.push(p)
    assert.deepEqual(Buffer.concat(held), Buffer.from([1, 2, 3]))
    await f.write(Uint8Array.of(9, 9))
    await f.close()
    assert.deepEqual(readFileSync(join(dir, `${a}.part`)), Buffer.from([1, 2, 3, 9, 9]))
    const tooLong = await partials.open(a, 4)
    assert.equal(tooLong.offset, 0, 'longer than any blob fetched: starts again at 0')
    await tooLong.close()
    await partials.remove(a)
    assert.deepEqual(readdirSync(dir), [])
    await assert.rejects(partials.remove('../x'), TypeError)
  })
})
