/**
 * Conformance cases for node-local records (docs/store.md "Local records"): upsert and read,
 * namespace isolation, bytewise key order with exclusive bounds, atomic batches, the argument
 * table every backend must reject with BAD_REQUEST, copy semantics, persistence, CLOSED, and a
 * fast-check model test against a `Map`.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Harness } from './conformance-kit.js'
import { ErrorCode, makeItem, rejectsWith } from './conformance-kit.js'
import { MAX_LOCAL_VALUE_BYTES } from './store.js'
import type { LocalRecord, Store } from './store.js'

const bytes = (...b: number[]) => new Uint8Array(b)
const rec = (key: string, ...b: number[]): LocalRecord => ({ key, value: bytes(...b) })

/** Keys in bytewise ascending order, written in a shuffled order by the cases below. */
const ORDERED = ['!', '0', 'B', 'Z', '_', 'a', 'a0', 'aa', '~'] as const
const SHUFFLED = ['a', 'B', '~', '0', 'aa', '!', '_', 'a0', 'Z'] as const

/** Every key of `ns` (ascending or descending), read in one call. */
async function keysOf(store: Store, ns: string, descending = false): Promise<string[]> {
  return (await store.listLocal(ns, { limit: 10_000, descending })).map((r) => r.key)
}

/** The untyped view of a store, for passing deliberately wrong arguments. */
function loose(store: Store): Record<string, (...a: unknown[]) => Promise<unknown>> {
  return store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
}

/** Register the local-record cases for one backend. */
export function registerLocalCases(h: Harness): void {
  const n = h.name
  describe(`${n}: local records`, () => {
    it(`${n}: local records are put, read, replaced and deleted`, () =>
      h.with(async (store) => {
        assert.equal(await store.getLocal('inbox', 'm1'), undefined)
        await store.putLocal('inbox', [rec('m1', 1, 2), rec('m2', 3)])
        assert.deepEqual(await store.getLocal('inbox', 'm1'), bytes(1, 2))
        assert.deepEqual(await store.getLocal('inbox', 'm2'), bytes(3))
        await store.putLocal('inbox', [rec('m1', 9)])
        assert.deepEqual(await store.getLocal('inbox', 'm1'), bytes(9), 'replaced')
        // Within one batch the last record of a key wins, as if put one by one.
        await store.putLocal('inbox', [rec('m3', 1), rec('m3', 2), rec('m3', 3)])
        assert.deepEqual(await store.getLocal('inbox', 'm3'), bytes(3))
        await store.putLocal('inbox', [rec('empty')])
        assert.deepEqual(await store.getLocal('inbox', 'empty'), new Uint8Array(0))
        await store.putLocal('inbox', [])
        await store.deleteLocal('inbox', ['m1', 'never-there'])
        await store.deleteLocal('inbox', [])
        await store.deleteLocal('other', ['m2'])
        assert.equal(await store.getLocal('inbox', 'm1'), undefined)
        assert.deepEqual(await keysOf(store, 'inbox'), ['empty', 'm2', 'm3'])
        // Local records are never journaled.
        assert.equal((await store.readJournal(0, 10)).length, 1)
        assert.equal(await store.countResources(), 0)
      }))

    it(`${n}: a non-durable local put is read back and replaced like a durable one`, () =>
      h.with(async (store) => {
        await store.putLocal('lazy', [rec('a', 1), rec('b', 2)], { durable: false })
        await store.putLocal('lazy', [rec('a', 3)])
        await store.putLocal('lazy', [rec('b', 4)], { durable: false })
        assert.deepEqual(await store.listLocal('lazy', { limit: 10 }), [rec('a', 3), rec('b', 4)])
      }))

    it(`${n}: a deferred local put is read, listed, replaced and deleted at once`, () =>
      h.with(async (store) => {
        const deferred = { durable: false, deferred: true } as const
        await store.putLocal('held', [rec('a', 1), rec('b', 2), rec('b', 3)], deferred)
        assert.deepEqual(await store.getLocal('held', 'b'), bytes(3), 'last record of a key wins')
        // A later write of the same key wins, deferred or not, in either order.
        await store.putLocal('held', [rec('a', 4)])
        assert.deepEqual(await store.getLocal('held', 'a'), bytes(4))
        await store.putLocal('held', [rec('a', 5)], deferred)
        assert.deepEqual(await store.getLocal('held', 'a'), bytes(5))
        await store.putLocal('held', [rec('c', 6)], deferred)
        await store.deleteLocal('held', ['b'])
        assert.equal(await store.getLocal('held', 'b'), undefined)
        assert.deepEqual(await store.listLocal('held', { limit: 10 }), [rec('a', 5), rec('c', 6)])
        // The value read back is a copy: changing it changes nothing stored.
        const got = (await store.getLocal('held', 'c'))!
        got[0] = 99
        assert.deepEqual(await store.getLocal('held', 'c'), bytes(6))
      }))

    it(`${n}: namespaces are isolated`, () =>
      h.with(async (store) => {
        await store.putLocal('a', [rec('k', 1), rec('only-a', 1)])
        await store.putLocal('a.b', [rec('k', 2)])
        await store.putLocal('b', [rec('k', 3)])
        assert.deepEqual(await store.getLocal('a', 'k'), bytes(1))
        assert.deepEqual(await store.getLocal('a.b', 'k'), bytes(2))
        assert.deepEqual(await store.getLocal('b', 'k'), bytes(3))
        assert.equal(await store.getLocal('b', 'only-a'), undefined)
        assert.deepEqual(await keysOf(store, 'a'), ['k', 'only-a'])
        assert.deepEqual(await keysOf(store, 'a.b'), ['k'])
        assert.deepEqual(await keysOf(store, 'zz'), [])
        await store.deleteLocal('a', ['k'])
        assert.deepEqual(await store.getLocal('a.b', 'k'), bytes(2))
        assert.deepEqual(await store.getLocal('b', 'k'), bytes(3))
      }))

    it(`${n}: listLocal orders keys bytewise both ways with exclusive bounds and a limit`, () =>
      h.with(async (store) => {
        await store.putLocal(
          'order',
          SHUFFLED.map((k, i) => rec(k, i)),
        )
        const value = (k: string) => bytes(SHUFFLED.indexOf(k as (typeof SHUFFLED)[number]))
        const all = await store.listLocal('order', { limit: 100 })
        assert.deepEqual(
          all,
          ORDERED.map((key) => ({ key, value: value(key) })),
        )
        assert.deepEqual(await keysOf(store, 'order', true), [...ORDERED].reverse())
        const list = async (range: Parameters<Store['listLocal']>[1]) =>
          (await store.listLocal('order', range)).map((r) => r.key)
        assert.deepEqual(await list({ limit: 100, after: 'a' }), ['a0', 'aa', '~'])
        assert.deepEqual(await list({ limit: 100, before: 'B' }), ['!', '0'])
        assert.deepEqual(await list({ limit: 100, after: 'B', before: 'a0' }), ['Z', '_', 'a'])
        assert.deepEqual(await list({ limit: 100, after: '1', before: '`' }), ['B', 'Z', '_'])
        assert.deepEqual(await list({ limit: 2, after: '0', descending: true }), ['~', 'aa'])
        assert.deepEqual(await list({ limit: 2, before: 'a', descending: true }), ['_', 'Z'])
        assert.deepEqual(await list({ limit: 2, after: 'Z', before: 'aa', descending: true }), [
          'a0',
          'a',
        ])
        assert.deepEqual(await list({ limit: 1 }), ['!'])
        assert.deepEqual(await list({ limit: 1, descending: true }), ['~'])
        assert.deepEqual(await list({ limit: ORDERED.length }), [...ORDERED])
        assert.deepEqual(await list({ limit: 100, after: '~' }), [])
        assert.deepEqual(await list({ limit: 100, after: 'a', before: 'a' }), [])
        assert.deepEqual(await list({ limit: 100, after: 'aa', before: 'a' }), [], 'after > before')
        assert.deepEqual(await list({ limit: 10_000, before: '!' }), [])
      }))

    it(`${n}: a local batch with one bad record writes nothing`, () =>
      h.with(async (store) => {
        await store.putLocal('ns', [rec('keep', 1)])
        const bad = [
          [rec('new', 1), rec('', 2)],
          [rec('keep', 9), { key: 'x', value: 'not bytes' }],
          [rec('new', 1), { key: 'big', value: new Uint8Array(MAX_LOCAL_VALUE_BYTES + 1) }],
          [rec('new', 1), null],
        ]
        for (const [i, batch] of bad.entries())
          await rejectsWith(loose(store)['putLocal']!('ns', batch), ErrorCode.BAD_REQUEST, `#${i}`)
        assert.deepEqual(await keysOf(store, 'ns'), ['keep'])
        assert.deepEqual(await store.getLocal('ns', 'keep'), bytes(1))
      }))

    it(`${n}: every malformed local argument rejects with BAD_REQUEST`, () =>
      h.with(async (store) => {
        const s = loose(store)
        const badNs = ['', 'A', 'a/b', 'a b', 'x'.repeat(65), 'é', 7, undefined, null, ['a']]
        const badKeys = ['', ' a', 'a b', 'x'.repeat(257), '\x7f', '\t', 'é', 5, undefined, {}]
        const ok = rec('k', 1)
        for (const ns of badNs) {
          const what = `namespace ${JSON.stringify(ns)}`
          await rejectsWith(s['putLocal']!(ns, [ok]), ErrorCode.BAD_REQUEST, `put ${what}`)
          await rejectsWith(s['getLocal']!(ns, 'k'), ErrorCode.BAD_REQUEST, `get ${what}`)
          await rejectsWith(
            s['listLocal']!(ns, { limit: 1 }),
            ErrorCode.BAD_REQUEST,
            `list ${what}`,
          )
          await rejectsWith(s['deleteLocal']!(ns, ['k']), ErrorCode.BAD_REQUEST, `del ${what}`)
        }
        for (const key of badKeys) {
          const what = `key ${JSON.stringify(key)}`
          const r = { key, value: bytes(1) }
          await rejectsWith(s['putLocal']!('ns', [r]), ErrorCode.BAD_REQUEST, `put ${what}`)
          await rejectsWith(s['getLocal']!('ns', key), ErrorCode.BAD_REQUEST, `get ${what}`)
          await rejectsWith(
            s['deleteLocal']!('ns', ['k', key]),
            ErrorCode.BAD_REQUEST,
            `del ${what}`,
          )
          if (key === undefined) continue // an absent bound is no bound
          const after = { limit: 1, after: key }
          await rejectsWith(s['listLocal']!('ns', after), ErrorCode.BAD_REQUEST, `after ${what}`)
          const before = { limit: 1, before: key }
          await rejectsWith(s['listLocal']!('ns', before), ErrorCode.BAD_REQUEST, `before ${what}`)
        }
        const badValues = [
          'abc',
          [1, 2],
          new ArrayBuffer(2),
          new DataView(new ArrayBuffer(2)),
          null,
        ]
        for (const value of badValues)
          await rejectsWith(s['putLocal']!('ns', [{ key: 'k', value }]), ErrorCode.BAD_REQUEST, 'v')
        const oversize = { key: 'k', value: new Uint8Array(MAX_LOCAL_VALUE_BYTES + 1) }
        await rejectsWith(s['putLocal']!('ns', [oversize]), ErrorCode.BAD_REQUEST, 'oversize')
        for (const records of ['k', undefined, { key: 'k', value: bytes(1) }, [42]])
          await rejectsWith(s['putLocal']!('ns', records), ErrorCode.BAD_REQUEST, 'records')
        await rejectsWith(s['deleteLocal']!('ns', 'k'), ErrorCode.BAD_REQUEST, 'delete keys')
        const badRanges = [
          { limit: 0 },
          { limit: 10_001 },
          { limit: -1 },
          { limit: 1.5 },
          { limit: Number.NaN },
          { limit: '5' },
          {},
          { limit: 1, descending: 'yes' },
          null,
          'all',
          undefined,
        ]
        for (const range of badRanges)
          await rejectsWith(
            s['listLocal']!('ns', range),
            ErrorCode.BAD_REQUEST,
            `range ${JSON.stringify(range)}`,
          )
        assert.deepEqual(await keysOf(store, 'ns'), [], 'nothing was written')
        // The limits themselves are accepted.
        const ns = 'n'.repeat(64)
        const key = '~'.repeat(256)
        const max = new Uint8Array(MAX_LOCAL_VALUE_BYTES).fill(7)
        await store.putLocal(ns, [{ key, value: max }])
        assert.deepEqual(await store.getLocal(ns, key), max)
        assert.equal((await store.listLocal(ns, { limit: 10_000, before: key })).length, 0)
      }))

    it(`${n}: local values are copied in and out`, () =>
      h.with(async (store) => {
        const value = bytes(1, 2, 3)
        const buf = Buffer.from([4, 5, 6])
        await store.putLocal('copy', [
          { key: 'u8', value },
          { key: 'buf', value: buf },
          { key: 'view', value: new Uint8Array(buf.buffer, buf.byteOffset + 1, 2) },
        ])
        value[0] = 99
        buf[1] = 99
        assert.deepEqual(await store.getLocal('copy', 'u8'), bytes(1, 2, 3))
        assert.deepEqual(await store.getLocal('copy', 'buf'), bytes(4, 5, 6))
        assert.deepEqual(await store.getLocal('copy', 'view'), bytes(5, 6))
        const got = (await store.getLocal('copy', 'u8'))!
        got[0] = 42
        const listed = await store.listLocal('copy', { limit: 10 })
        for (const r of listed) r.value.fill(42)
        assert.deepEqual(await store.getLocal('copy', 'u8'), bytes(1, 2, 3))
        assert.deepEqual(await store.listLocal('copy', { limit: 10 }), [
          rec('buf', 4, 5, 6),
          rec('u8', 1, 2, 3),
          rec('view', 5, 6),
        ])
      }))

    it(`${n}: local calls on a closed store reject with CLOSED`, async () => {
      const store = await h.fresh()
      await store.putLocal('ns', [rec('k', 1)])
      await store.close()
      await rejectsWith(store.putLocal('ns', [rec('k', 2)]), ErrorCode.CLOSED, 'put')
      await rejectsWith(store.getLocal('ns', 'k'), ErrorCode.CLOSED, 'get')
      await rejectsWith(store.listLocal('ns', { limit: 1 }), ErrorCode.CLOSED, 'list')
      await rejectsWith(store.deleteLocal('ns', ['k']), ErrorCode.CLOSED, 'delete')
      await h.dispose(store)
    })

    if (h.options.persistent)
      it(`${n}: local records survive close and reopen`, () =>
        h.with(async (first) => {
          const reopen = h.options.reopen
          if (!reopen) throw new Error('persistent stores must give reopen')
          await first.putLocal('keep', [rec('a', 1), rec('b', 2), rec('c', 3)])
          await first.putLocal('other', [rec('a', 4)])
          // A non-durable commit is an ordinary commit for everything but its fsync.
          await first.putLocal('lazy', [rec('x', 6)], { durable: false })
          await first.deleteLocal('keep', ['b'])
          // Deferred records are committed by the next write (a put of resources, a local
          // write), or by close.
          const deferred = { durable: false, deferred: true } as const
          await first.putLocal('held', [rec('r', 7)], deferred)
          await first.putResources([makeItem(1)])
          await first.putLocal('held', [rec('l', 8)], deferred)
          await first.putLocal('other', [rec('b', 9)])
          await first.putLocal('held', [rec('c', 10)], deferred)
          const store = await reopen(first)
          await store.open()
          assert.deepEqual(await store.listLocal('keep', { limit: 10 }), [rec('a', 1), rec('c', 3)])
          assert.deepEqual(await store.getLocal('other', 'a'), bytes(4))
          assert.deepEqual(await store.getLocal('lazy', 'x'), bytes(6))
          await store.putLocal('keep', [rec('b', 5)])
          assert.deepEqual(await keysOf(store, 'keep'), ['a', 'b', 'c'])
          assert.deepEqual(await store.listLocal('held', { limit: 10 }), [
            rec('c', 10),
            rec('l', 8),
            rec('r', 7),
          ])
          return store
        }))

    it(`${n}: random local put/delete sequences match a Map model under listLocal`, () =>
      h.with(async (store) => {
        const fc = (await import('fast-check')).default
        const { seedFromEnv } = await import('@sdmp/testkit')
        const seed = seedFromEnv()
        // A small alphabet so puts collide, deletes hit, and bounds fall between keys.
        const key = fc.stringMatching(/^[!0Aa~]{1,3}$/)
        const op = fc.oneof(
          fc.record({
            put: fc.array(fc.record({ key, value: fc.uint8Array({ maxLength: 4 }) }), {
              maxLength: 5,
            }),
            deferred: fc.boolean(),
          }),
          fc.record({ del: fc.array(key, { maxLength: 4 }) }),
        )
        const range = fc.record(
          {
            after: key,
            before: key,
            limit: fc.integer({ min: 1, max: 40 }),
            descending: fc.boolean(),
          },
          { requiredKeys: ['limit'] },
        )
        let run = 0
        try {
          await fc.assert(
            fc.asyncProperty(fc.array(op, { maxLength: 25 }), range, async (ops, r) => {
              const ns = `prop-${run++}`
              const model = new Map<string, Uint8Array>()
              for (const o of ops) {
                if ('put' in o) {
                  await store.putLocal(ns, o.put, o.deferred ? { deferred: true } : {})
                  for (const p of o.put) model.set(p.key, p.value)
                } else {
                  await store.deleteLocal(ns, o.del)
                  for (const k of o.del) model.delete(k)
                }
                // Every write is read back at once, deferred or not (one key per step).
                const k = 'put' in o ? o.put[0]?.key : o.del[0]
                if (k !== undefined) assert.deepEqual(await store.getLocal(ns, k), model.get(k))
              }
              const want = [...model.entries()]
                .filter(
                  ([k]) =>
                    (r.after === undefined || k > r.after) &&
                    (r.before === undefined || k < r.before),
                )
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([k, value]) => ({ key: k, value }))
              if (r.descending) want.reverse()
              assert.deepEqual(await store.listLocal(ns, r), want.slice(0, r.limit))
              const whole = await store.listLocal(ns, { limit: 10_000 })
              assert.equal(whole.length, model.size)
            }),
            { seed, numRuns: (h.options.propertyRuns ?? 20) * 5 },
          )
        } catch (e) {
          throw new Error(`property failed with SEED=${seed}: ${(e as Error).message}`, {
            cause: e,
          })
        }
      }))
  })
}
