/**
 * Resuming a broken blob download from the partial file it left (docs/protocol/attachments.md
 * §2 "Resuming"): two in-process nodes on SQLite stores, connected by in-memory channels whose
 * tap counts and cuts the bytes. A transfer cut mid-way resumes from the held offset, after a
 * restart too; a damaged partial file, or one longer than the blob, is discarded and the blob
 * fetched again from 0, never stored unverified.
 * @module
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { generateAttachmentKey, openAttachment, sealAttachment } from '@sdmp/core'
import type { DuplexTap } from '@sdmp/transport'
import { collect, fileBytes, once, tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriend,
  connect,
  introduce,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  provider,
  shutdownAll,
} from '@sdmp/testkit/node-world'
import type { DiskNode, NodeIdentity } from '@sdmp/testkit/node-world'
import { PARTIAL_BLOB_DIR } from '../src/blobs/blob-partial.js'
import { WANTED_NS } from '../src/blobs/wanted-records.js'

type Events = { name: string; detail: Record<string, unknown> }[]

/** Alice (holds the blob) and Bob (fetches it), users and nodes trusting each other. */
function world(): { ia: NodeIdentity; ib: NodeIdentity } {
  const alice = makeUser('alice', 1)
  const bob = makeUser('bob', 2)
  befriend(alice, bob)
  befriend(bob, alice)
  return { ia: makeNodeIdentity('a', alice, 101), ib: makeNodeIdentity('b', bob, 102) }
}

async function open(id: NodeIdentity, dir: string, events: Events): Promise<DiskNode> {
  return openDiskNode(id, dir, { event: (name, detail) => void events.push({ name, detail }) })
}

/** A sealed attachment stored on `node`; returns what Bob needs to check it. */
async function storeSealed(node: DiskNode, size: number, seed: number) {
  const file = fileBytes(size, seed)
  const key = generateAttachmentKey(provider)
  const sealed = await collect(sealAttachment(provider, key, once(file)))
  const info = await node.store.putBlob(once(sealed))
  return { file, key, sealed, hash: info.hash, size: info.size }
}

const partialPath = (dir: string, hash: string) => join(dir, PARTIAL_BLOB_DIR, `${hash}.part`)
const partialSize = (dir: string, hash: string) =>
  existsSync(partialPath(dir, hash)) ? statSync(partialPath(dir, hash)).size : 0
const fetchOffsets = (events: Events) =>
  events.filter((e) => e.name === 'blob-fetch').map((e) => e.detail['offset'] as number)

/** A tap that counts Alice's bytes and, once `cutAfter` passed, drops the rest (a dead link). */
function meter(cutAfter = Infinity): { tap: DuplexTap; bytes: () => number; cut: () => boolean } {
  let bytes = 0
  let cut = false
  return {
    tap: (chunk, from) => {
      if (from !== 'a') return [chunk]
      if (cut) return []
      bytes += chunk.length
      if (bytes > cutAfter) cut = true
      return [chunk]
    },
    bytes: () => bytes,
    cut: () => cut,
  }
}

async function decrypts(node: DiskNode, blob: Awaited<ReturnType<typeof storeSealed>>) {
  const data = await node.store.getBlob(blob.hash)
  assert.ok(data, 'the blob is stored')
  assert.deepEqual(await collect(openAttachment(provider, blob.key, data)), blob.file)
}

/** Alice and Bob on disk, knowing each other; Bob resumes from `<bDir>/blobs-partial`. */
async function pair(): Promise<{
  a: DiskNode
  b: DiskNode
  ib: NodeIdentity
  bDir: string
  bEvents: Events
}> {
  const { ia, ib } = world()
  const aEvents: Events = []
  const bEvents: Events = []
  const bDir = tmpDir(after, 'sdmp-resume-')
  const a = await open(ia, tmpDir(after, 'sdmp-resume-'), aEvents)
  const b = await open(ib, bDir, bEvents)
  await introduce(a, ia.user, ib.user)
  await introduce(b, ia.user, ib.user)
  await b.engine.blobs.start({ partialDir: join(bDir, PARTIAL_BLOB_DIR) })
  return { a, b, ib, bDir, bEvents }
}

/** Bob wants the blob, Alice sends ~60% of it, then the link dies and is closed. */
async function cutMidway(
  a: DiskNode,
  b: DiskNode,
  bDir: string,
  blob: Awaited<ReturnType<typeof storeSealed>>,
): Promise<number> {
  const first = meter(Math.floor(blob.size * 0.6))
  b.engine.blobs.want([blob.hash])
  const [ca] = await connect(a, b, { tap: first.tap })
  await waitFor(() => first.cut(), { timeout: 30_000, what: 'the link to die mid-transfer' })
  // Frames that got through are written to the partial file in order.
  await waitFor(() => partialSize(bDir, blob.hash) >= 4 * 65_536, {
    timeout: 30_000,
    what: 'a partial file of at least 4 frames',
  })
  await ca.close('cut')
  return first.bytes()
}

describe('resuming blob downloads', () => {
  after(shutdownAll)

  it(
    'resumes a transfer cut mid-way from the held offset and gets the whole blob',
    { timeout: 60_000 },
    async () => {
      const { a, b, bDir, bEvents } = await pair()
      const blob = await storeSealed(a, 2 * 1024 * 1024 + 777, 3)
      const firstBytes = await cutMidway(a, b, bDir, blob)
      assert.equal(await b.store.hasBlob(blob.hash), false, 'nothing stored from a cut transfer')

      const second = meter()
      await connect(a, b, { tap: second.tap })
      await waitFor(() => b.store.hasBlob(blob.hash), { timeout: 30_000, what: 'the blob on b' })

      const offsets = fetchOffsets(bEvents)
      assert.equal(offsets[0], 0)
      assert.equal(offsets.length, 2, `two requests, got offsets ${offsets.join(',')}`)
      const resumed = offsets[1]!
      assert.ok(resumed >= 4 * 65_536, `the second request resumes (offset ${resumed})`)
      // Only what was missing crossed the second link (plus framing and sync chatter).
      assert.ok(
        second.bytes() < blob.size - resumed + 128 * 1024,
        `second link carried ${second.bytes()} bytes for ${blob.size - resumed} missing`,
      )
      assert.ok(firstBytes + second.bytes() < 2 * blob.size, 'less than twice the blob in total')
      await decrypts(b, blob)
      await waitFor(() => !existsSync(partialPath(bDir, blob.hash)), {
        what: 'the partial file to be removed',
      })
    },
  )

  it(
    'discards a damaged partial file after a restart and fetches the blob again from 0',
    { timeout: 60_000 },
    async () => {
      const { a, b, ib, bDir, bEvents } = await pair()
      const blob = await storeSealed(a, 1024 * 1024 + 5, 4)
      await cutMidway(a, b, bDir, blob)

      // Bob stops with the partial file; a byte of it rots on disk.
      await b.engine.close()
      await b.engine.blobs.flush()
      await b.shutdown()
      const path = partialPath(bDir, blob.hash)
      const held = readFileSync(path)
      assert.ok(held.length > 0)
      held[1000] = held[1000]! ^ 0x01
      writeFileSync(path, held)

      // After the restart Bob still wants the blob (persisted) and resumes from the file.
      bEvents.length = 0
      const b2 = await open(ib, bDir, bEvents)
      await b2.engine.blobs.start({ partialDir: join(bDir, PARTIAL_BLOB_DIR) })
      assert.equal(b2.engine.blobs.wanted, 1, 'the wanted blob survived the restart')
      await connect(a, b2)
      await waitFor(() => b2.store.hasBlob(blob.hash), { timeout: 30_000, what: 'the blob' })

      assert.deepEqual(fetchOffsets(bEvents), [held.length, 0], 'resumed, then again from 0')
      assert.ok(bEvents.some((e) => e.name === 'blob-partial-discarded'))
      assert.ok(!bEvents.some((e) => e.name === 'penalty'), 'the serving peer is not blamed')
      await decrypts(b2, blob)
      await waitFor(() => !existsSync(path), { what: 'the partial file to be removed' })
      await waitFor(async () => (await b2.store.getLocal(WANTED_NS, blob.hash)) === undefined, {
        what: 'the wanted record to go',
      })
    },
  )

  it(
    'discards a partial file longer than the blob, and completes one that holds it all',
    { timeout: 60_000 },
    async () => {
      const { a, b, bDir, bEvents } = await pair()
      const long = await storeSealed(a, 200_000, 5)
      const whole = await storeSealed(a, 300_000, 6)
      // Written by hand: garbage longer than the blob, and the whole blob not yet stored.
      writeFileSync(partialPath(bDir, long.hash), fileBytes(long.size + 100, 9))
      writeFileSync(partialPath(bDir, whole.hash), whole.sealed)
      b.engine.blobs.want([long.hash, whole.hash])
      await connect(a, b)
      await waitFor(
        async () => (await b.store.hasBlob(long.hash)) && (await b.store.hasBlob(whole.hash)),
        { timeout: 30_000, what: 'both blobs on b' },
      )
      const fetches = bEvents.filter((e) => e.name === 'blob-fetch')
      const offsetsOf = (hash: string) =>
        fetches.filter((e) => e.detail['blob'] === hash.slice(0, 12)).map((e) => e.detail['offset'])
      assert.deepEqual(offsetsOf(long.hash), [long.size + 100, 0])
      assert.deepEqual(offsetsOf(whole.hash), [whole.size], 'nothing left to transfer')
      await decrypts(b, long)
      await decrypts(b, whole)
      await waitFor(
        () =>
          !existsSync(partialPath(bDir, long.hash)) && !existsSync(partialPath(bDir, whole.hash)),
        { what: 'both partial files to be removed' },
      )
    },
  )
})
