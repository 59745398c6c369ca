/**
 * Conformance cases for the non-journal state: peer sync state, secrets, streamed
 * blobs, the open/close lifecycle and persistence across reopen (docs/store.md).
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import type { Harness } from './conformance-kit.js'
import {
  ErrorCode,
  NODE_FP,
  checkJournal,
  digestOf,
  generateBytes,
  hashGenerated,
  makeItem,
  rejectsWith,
} from './conformance-kit.js'
import type { Store } from './store.js'

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const c of stream) out.push(c)
  return out
}

async function readBlob(store: Store, hash: string): Promise<Buffer | undefined> {
  const stream = await store.getBlob(hash)
  return stream && Buffer.concat(await collect(stream))
}

/** Register the peer, secret, blob, lifecycle and persistence cases for one backend. */
export function registerStateCases(h: Harness): void {
  const n = h.name
  describe(`${n}: peer state, secrets`, () => {
    it(`${n}: peer state is stored, overwritten and read back exactly`, () =>
      h.with(async (store) => {
        const peer = digestOf('peer 1')
        assert.equal(await store.getPeerState(peer), undefined)
        await store.setPeerState(peer, { updatedAt: 5 })
        assert.deepEqual(await store.getPeerState(peer), { updatedAt: 5 })
        const full = {
          lastKnown: digestOf('line'),
          extra: '{"b":1}',
          updatedAt: 9,
        }
        await store.setPeerState(peer, full)
        assert.deepEqual(await store.getPeerState(peer), full)
        assert.equal(await store.getPeerState(digestOf('peer 2')), undefined)
        await rejectsWith(store.setPeerState('', { updatedAt: 1 }), ErrorCode.BAD_REQUEST, 'peer')
        const s = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
        await rejectsWith(s['setPeerState']!(peer, { updatedAt: 'x' }), ErrorCode.BAD_REQUEST, 'st')
        await rejectsWith(s['getPeerState']!(7), ErrorCode.BAD_REQUEST, 'get peer')
        assert.deepEqual(await store.getPeerState(peer), full)
      }))

    it(`${n}: secrets are put, overwritten, copied and deleted`, () =>
      h.with(async (store) => {
        const value = new Uint8Array([1, 2, 3, 4])
        assert.equal(await store.getSecret('node-key'), undefined)
        await store.putSecret('node-key', value)
        value[0] = 99
        const got = await store.getSecret('node-key')
        assert.deepEqual(got, new Uint8Array([1, 2, 3, 4]))
        got![1] = 99
        assert.deepEqual(await store.getSecret('node-key'), new Uint8Array([1, 2, 3, 4]))
        await store.putSecret('node-key', new Uint8Array([7]))
        await store.putSecret('other', new Uint8Array(0))
        assert.deepEqual(await store.getSecret('node-key'), new Uint8Array([7]))
        assert.deepEqual(await store.getSecret('other'), new Uint8Array(0))
        await store.deleteSecret('node-key')
        await store.deleteSecret('never-there')
        assert.equal(await store.getSecret('node-key'), undefined)
        const s = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
        await rejectsWith(s['putSecret']!('x', 'not bytes'), ErrorCode.BAD_REQUEST, 'put')
        await rejectsWith(s['getSecret']!(''), ErrorCode.BAD_REQUEST, 'get')
        await rejectsWith(s['deleteSecret']!(undefined), ErrorCode.BAD_REQUEST, 'delete')
      }))
  })

  describe(`${n}: blobs`, () => {
    it(`${n}: small and empty blobs round-trip under their sha256`, () =>
      h.with(async (store) => {
        const data = new TextEncoder().encode('hello blob')
        async function* once() {
          yield data.slice(0, 3)
          yield data.slice(3)
        }
        const info = await store.putBlob(once())
        assert.deepEqual(info, { hash: sha256(data), size: data.length })
        assert.equal(await store.hasBlob(info.hash), true)
        assert.deepEqual(await readBlob(store, info.hash), Buffer.from(data))
        assert.deepEqual(await store.putBlob(once()), info, 'same content again')
        const empty = await store.putBlob((async function* () {})())
        assert.deepEqual(empty, { hash: sha256(new Uint8Array(0)), size: 0 })
        assert.deepEqual(await readBlob(store, empty.hash), Buffer.alloc(0))
        await store.deleteBlob(info.hash)
        await store.deleteBlob(info.hash)
        assert.equal(await store.hasBlob(info.hash), false)
        assert.equal(await store.getBlob(info.hash), undefined)
        assert.equal(await store.hasBlob(empty.hash), true)
      }))

    it(`${n}: a multi-MB blob streams in and out in chunks`, () =>
      h.with(async (store) => {
        const total = h.options.blobBytes ?? 8 * 1024 * 1024
        const chunk = 64 * 1024 + 7
        const info = await store.putBlob(generateBytes(total, chunk))
        assert.deepEqual(info, { hash: await hashGenerated(total, chunk), size: total })
        const stream = await store.getBlob(info.hash)
        assert.ok(stream)
        const hash = createHash('sha256')
        let size = 0
        let pieces = 0
        let largest = 0
        for await (const piece of stream) {
          hash.update(piece)
          size += piece.length
          pieces++
          largest = Math.max(largest, piece.length)
        }
        assert.equal(size, total)
        assert.equal(hash.digest('hex'), info.hash)
        assert.ok(pieces > 1, `blob came out in ${pieces} piece(s)`)
        assert.ok(largest <= 1024 * 1024, `largest piece ${largest} bytes`)
      }))

    it(`${n}: an aborted or failing blob upload stores nothing`, () =>
      h.with(async (store) => {
        const ac = new AbortController()
        async function* slow() {
          yield new Uint8Array(1000).fill(1)
          ac.abort()
          yield new Uint8Array(1000).fill(2)
        }
        await rejectsWith(store.putBlob(slow(), { signal: ac.signal }), ErrorCode.ABORTED, 'abort')
        const whole = new Uint8Array(2000).fill(1, 0, 1000).fill(2, 1000)
        assert.equal(await store.hasBlob(sha256(whole)), false)
        async function* broken() {
          yield new Uint8Array(10)
          throw new Error('source failed')
        }
        await assert.rejects(store.putBlob(broken()), /source failed/)
        assert.equal(await store.hasBlob(sha256(new Uint8Array(10))), false)
        const s = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
        await rejectsWith(s['getBlob']!('../../etc/passwd'), ErrorCode.BAD_REQUEST, 'get')
        await rejectsWith(s['hasBlob']!('A'.repeat(64)), ErrorCode.BAD_REQUEST, 'has')
        await rejectsWith(s['deleteBlob']!(42), ErrorCode.BAD_REQUEST, 'delete')
      }))
  })

  describe(`${n}: lifecycle`, () => {
    it(`${n}: open and close are idempotent and a closed store rejects with CLOSED`, async () => {
      const store = await h.fresh()
      await store.open()
      await store.putResources([makeItem(1)])
      await store.close()
      await store.close()
      await rejectsWith(store.getResource(makeItem(1).id), ErrorCode.CLOSED, 'get after close')
      await rejectsWith(store.putResources([makeItem(2)]), ErrorCode.CLOSED, 'put after close')
      await h.dispose(store)
    })

    if (h.options.persistent) {
      it(`${n}: everything survives close and reopen and the chain continues`, () =>
        h.with(async (first) => {
          const reopen = h.options.reopen
          if (!reopen) throw new Error('persistent stores must give reopen')
          await first.putResources(Array.from({ length: 30 }, (_, i) => makeItem(i)))
          await first.putSecret('k', new Uint8Array([5]))
          const peer = { updatedAt: 3, lastKnown: digestOf('line 7'), extra: '7' }
          await first.setPeerState('p', peer)
          const blob = await first.putBlob(generateBytes(300_000, 10_000))
          const before = await checkJournal(first, h.sha512)
          const store = await reopen(first)
          await store.open()
          assert.deepEqual(await checkJournal(store, h.sha512), before)
          assert.deepEqual(await store.getResource(makeItem(7).id), makeItem(7).bytes)
          assert.deepEqual(await store.getSecret('k'), new Uint8Array([5]))
          assert.deepEqual(await store.getPeerState('p'), peer)
          assert.equal((await readBlob(store, blob.hash))!.length, 300_000)
          await store.initJournal(NODE_FP)
          const [again, fresh] = await store.putResources([makeItem(3), makeItem(30)])
          assert.equal(again!.inserted, false)
          assert.equal(fresh!.position, 32)
          assert.equal((await checkJournal(store, h.sha512)).length, 32)
          return store
        }))
    }
  })
}
