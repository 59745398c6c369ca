/**
 * Conformance cases for queries: queryResources filters and order, usageOf, and a fast-check
 * property over random put sequences.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Harness } from './conformance-kit.js'
import {
  ErrorCode,
  KINDS,
  NODE_FP,
  USERS,
  checkJournal,
  makeItem,
  rejectsWith,
} from './conformance-kit.js'
import type { IngestItem, ResourceMeta } from './store.js'

function metaOf(item: IngestItem, position: number): ResourceMeta {
  const { id, user, kind, created, ref } = item
  return ref === undefined
    ? { id, user, kind, created, position }
    : { id, user, kind, created, ref, position }
}

/** Register the query and property cases for one backend. */
export function registerQueryCases(h: Harness): void {
  const n = h.name
  describe(`${n}: queries`, () => {
    it(`${n}: queryResources filters by kinds, user, ref and position, in journal order`, () =>
      h.with(async (store) => {
        const items = Array.from({ length: 40 }, (_, i) => makeItem(i))
        await store.putResources(items)
        const metas = items.map((it, i) => metaOf(it, i + 2))
        assert.deepEqual(await store.queryResources({}), metas)
        assert.deepEqual(
          await store.queryResources({ kinds: ['message'] }),
          metas.filter((m) => m.kind === 'message'),
        )
        assert.deepEqual(
          await store.queryResources({ kinds: ['trust', 'encrypted'] }),
          metas.filter((m) => m.kind !== 'message'),
        )
        assert.deepEqual(await store.queryResources({ kinds: [] }), [])
        assert.deepEqual(
          await store.queryResources({ user: USERS[1] }),
          metas.filter((m) => m.user === USERS[1]),
        )
        assert.deepEqual(
          await store.queryResources({ ref: 'conv-4' }),
          metas.filter((m) => m.ref === 'conv-4'),
        )
        assert.deepEqual(
          await store.queryResources({ afterPosition: 30 }),
          metas.filter((m) => m.position > 30),
        )
        assert.deepEqual(await store.queryResources({ limit: 5 }), metas.slice(0, 5))
        assert.deepEqual(await store.queryResources({ limit: 0 }), [])
        const combo = metas.filter(
          (m) => m.user === USERS[0] && m.kind !== 'trust' && m.position > 10,
        )
        assert.deepEqual(
          await store.queryResources({
            user: USERS[0],
            kinds: ['message', 'encrypted'],
            afterPosition: 10,
          }),
          combo,
        )
        assert.deepEqual(
          await store.queryResources({ descending: true, limit: 3 }),
          metas.slice(-3).reverse(),
        )
        assert.deepEqual(
          await store.queryResources({ descending: true, afterPosition: 35, kinds: [KINDS[0]] }),
          metas.filter((m) => m.position > 35 && m.kind === KINDS[0]).reverse(),
        )
      }))

    it(`${n}: dropResourceBytes erases the bytes and keeps meta, journal and queries`, () =>
      h.with(async (store) => {
        const items = Array.from({ length: 6 }, (_, i) => makeItem(i, 'drop'))
        await store.putResources(items)
        const journal = await checkJournal(store, h.sha512)
        const metas = await store.queryResources({})
        const [a, b] = [items[1]!, items[4]!]
        assert.equal(await store.dropResourceBytes([a.id, b.id, a.id]), 2)
        assert.equal(await store.getResource(a.id), undefined)
        assert.equal(await store.getResource(b.id), undefined)
        assert.deepEqual(await store.getResource(items[2]!.id), items[2]!.bytes)
        assert.deepEqual(await store.getMeta(a.id), metas[1])
        assert.deepEqual(await store.hasResources([a.id, b.id]), [true, true])
        assert.deepEqual(await store.queryResources({}), metas)
        assert.deepEqual(await checkJournal(store, h.sha512), journal)
        // Idempotent; unknown ids are ignored; a malformed id is refused.
        assert.equal(await store.dropResourceBytes([a.id, items[0]!.id.replace(/^./, 'Z')]), 0)
        assert.equal(await store.dropResourceBytes([]), 0)
        await rejectsWith(store.dropResourceBytes(['nope']), ErrorCode.BAD_REQUEST, 'bad id')
        // A dropped resource put again stays dropped (it is known: not stored twice).
        const [again] = await store.putResources([a])
        assert.equal(again!.inserted, false)
        assert.equal(await store.getResource(a.id), undefined)
        if (h.options.persistent) {
          const reopened = await h.options.reopen!(store)
          assert.equal(await reopened.getResource(a.id), undefined)
          assert.deepEqual(await reopened.getMeta(a.id), metas[1])
          return reopened
        }
      }))

    it(`${n}: usageOf counts one user's resources and their bytes, duplicates once`, () =>
      h.with(async (store) => {
        const items = Array.from({ length: 20 }, (_, i) => makeItem(i, 'usage'))
        assert.deepEqual(await store.usageOf(USERS[0]), { count: 0, bytes: 0 })
        await store.putResources(items)
        await store.putResources(items.slice(0, 5)) // duplicates are not stored twice
        for (const user of USERS) {
          const mine = items.filter((it) => it.user === user)
          assert.deepEqual(await store.usageOf(user), {
            count: mine.length,
            bytes: mine.reduce((sum, it) => sum + it.bytes.length, 0),
          })
        }
        await assert.rejects(store.usageOf('not a digest'), { code: 'BAD_REQUEST' })
      }))

    it(`${n}: random put sequences give one line per distinct id and a verifying chain`, async () => {
      const fc = (await import('fast-check')).default
      const { seedFromEnv } = await import('@sdmp/testkit')
      const seed = seedFromEnv()
      const runs = h.options.propertyRuns ?? 20
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 8 }), {
              minLength: 1,
              maxLength: 12,
            }),
            fc.boolean(),
            async (batches, concurrent) => {
              const store = await h.fresh()
              try {
                const puts = batches.map((b) => () => store.putResources(b.map((i) => makeItem(i))))
                if (concurrent) await Promise.all(puts.map((p) => p()))
                else for (const p of puts) await p()
                const distinct = new Set(batches.flat())
                const lines = await checkJournal(store, h.sha512)
                assert.equal(lines.length, distinct.size + 1)
                assert.equal(lines[0], NODE_FP)
                const want = [...distinct].map((i) => makeItem(i).id).sort()
                const got = lines.slice(1).map((l) => l.slice(l.lastIndexOf('/') + 1))
                assert.deepEqual([...got].sort(), want)
              } finally {
                await h.dispose(store)
              }
            },
          ),
          { seed, numRuns: runs },
        )
      } catch (e) {
        throw new Error(`property failed with SEED=${seed}: ${(e as Error).message}`, { cause: e })
      }
    })
  })
}
