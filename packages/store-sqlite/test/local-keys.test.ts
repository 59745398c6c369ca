/**
 * Local keys appended (schema version 5, docs/store.md §3 "Keys appended", §9): local records
 * whose keys are in `local_keys`, held in memory, or moving between the two read, list and
 * delete exactly as a plain ordered map would, across merges, reopens and commits that fail.
 * Model-based (fast-check): random operations on a file home that merges every few rows,
 * against a `Map` in the same order; `SortedKeys` alone against a sorted array.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { isProtocolError } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import type { LocalRange, LocalRecord } from '@sdmp/store'
import type { OpenSqlite, SqliteDatabase } from '../src/sqlite-driver.js'
import { SortedKeys } from '../src/sqlite-local-keys.js'
import { SqliteStore } from '../src/sqlite-store.js'
import { sha512 } from './fixtures/crash-items.js'
import { checkKeyTables } from './fixtures/key-tables.js'

const stores = process.env['STORES']
const enabled = stores === undefined || stores.split(',').includes('sqlite')

/** Keys that share prefixes and groups (':'), and bounds between them. */
const KEY = fc.string({
  unit: fc.constantFrom('a', 'b', ':', '0', 'm'),
  minLength: 1,
  maxLength: 4,
})
const NS = fc.constantFrom('mail', 'other')
const RANGE = fc.record({
  after: fc.option(KEY, { nil: undefined }),
  before: fc.option(KEY, { nil: undefined }),
  limit: fc.integer({ min: 1, max: 8 }),
  descending: fc.boolean(),
})

/** What a range of a plain ordered map gives. */
function modelRange(
  keys: Iterable<string>,
  r: {
    after?: string | undefined
    before?: string | undefined
    limit: number
    descending: boolean
  },
): string[] {
  const inRange = [...keys]
    .filter(
      (k) => (r.after === undefined || k > r.after) && (r.before === undefined || k < r.before),
    )
    .sort()
  if (r.descending) inRange.reverse()
  return inRange.slice(0, r.limit)
}

/** The store's form of a range: no key for an absent bound. */
function localRange(r: Range): LocalRange {
  return {
    limit: r.limit,
    descending: r.descending,
    ...(r.after !== undefined && { after: r.after }),
    ...(r.before !== undefined && { before: r.before }),
  }
}

/** A driver whose next COMMIT fails (after its statements ran), as a full disk would. */
function failingOpener(): { open: OpenSqlite; failNextCommit: () => void } {
  let fail = false
  const open: OpenSqlite = (path, options) => {
    const db = new Database(path, { timeout: options.timeout })
    const wrapped: SqliteDatabase = {
      exec(sql) {
        if (sql === 'COMMIT' && fail) {
          fail = false
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
        }
        return db.exec(sql)
      },
      pragma: (s, o) => db.pragma(s, o),
      close: () => db.close(),
      prepare: (sql) => db.prepare(sql),
    }
    return wrapped
  }
  return { open, failNextCommit: () => (fail = true) }
}

interface Range {
  readonly after?: string | undefined
  readonly before?: string | undefined
  readonly limit: number
  readonly descending: boolean
}

type Op =
  | { op: 'put'; ns: string; keys: string[]; durable: boolean; fails: boolean }
  | { op: 'delete'; ns: string; keys: string[]; fails: boolean }
  | { op: 'list'; ns: string; range: Range }
  | { op: 'reopen' }

const KEYS = fc.array(KEY, { minLength: 1, maxLength: 3 })
/** One write in ten has its COMMIT fail. */
const FAILS = fc.integer({ min: 0, max: 9 }).map((x) => x === 0)
const OP: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('put' as const),
      ns: NS,
      keys: KEYS,
      durable: fc.boolean(),
      fails: FAILS,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('delete' as const), ns: NS, keys: KEYS, fails: FAILS }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('list' as const), ns: NS, range: RANGE }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const) }) },
)

if (enabled)
  describe('sqlite: local keys appended', () => {
    it('SortedKeys: ranges in key order or reversed, across groups, as a sorted array gives', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ add: fc.boolean(), key: KEY }), { maxLength: 40 }),
          fc.array(RANGE, { minLength: 1, maxLength: 5 }),
          (steps, ranges) => {
            const keys = new SortedKeys()
            const model = new Map<string, number>()
            steps.forEach(({ add, key }, row) => {
              if (add && !model.has(key)) (keys.add(key, row), model.set(key, row))
              if (!add && model.has(key)) (keys.remove(key), model.delete(key))
            })
            assert.equal(keys.size, model.size)
            for (const [key, row] of model) assert.equal(keys.row(key), row)
            for (const r of ranges)
              assert.deepEqual(
                keys.range(r.after, r.before, r.limit, r.descending),
                modelRange(model.keys(), r),
              )
          },
        ),
        { numRuns: 2000 },
      )
    })

    it('sqlite: records read, list and delete as an ordered map across merges, reopens and failed commits', async (t) => {
      const root = tmpDir((f) => t.after(f))
      let home = 0
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 5 }),
          fc.array(OP, { minLength: 1, maxLength: 30 }),
          async (keyMergeRows, ops) => {
            const dir = `${root}/h${home++}`
            const driver = failingOpener()
            const open = () =>
              new SqliteStore({ dir, sha512, keyMergeRows, openDatabase: driver.open })
            let store = open()
            await store.open()
            const model = new Map<string, Map<string, Uint8Array>>()
            let n = 0
            try {
              for (const o of ops) {
                if (o.op === 'reopen') {
                  await store.close()
                  store = open()
                  continue
                }
                const records = model.get(o.ns) ?? new Map<string, Uint8Array>()
                if (o.op === 'list') {
                  const got = await store.listLocal(o.ns, localRange(o.range))
                  const want = modelRange(records.keys(), o.range)
                  assert.deepEqual(
                    got.map((r) => r.key),
                    want,
                  )
                  got.forEach((r) => assert.deepEqual(r.value, records.get(r.key)))
                  continue
                }
                if (o.fails) {
                  await store.open()
                  driver.failNextCommit()
                }
                const write =
                  o.op === 'put'
                    ? store.putLocal(
                        o.ns,
                        o.keys.map(
                          (key): LocalRecord => ({
                            key,
                            value: new Uint8Array([n++ & 255, o.keys.length]),
                          }),
                        ),
                        { durable: o.durable },
                      )
                    : store.deleteLocal(o.ns, o.keys)
                if (o.fails) {
                  await assert.rejects(write, (e: unknown) => isProtocolError(e, 'UNAVAILABLE'))
                  continue
                }
                await write
                if (o.op === 'put')
                  o.keys.forEach((key, i) =>
                    records.set(
                      key,
                      new Uint8Array([(n - o.keys.length + i) & 255, o.keys.length]),
                    ),
                  )
                else o.keys.forEach((key) => records.delete(key))
                model.set(o.ns, records)
              }
              for (const [ns, records] of model) {
                for (const [key, value] of records)
                  assert.deepEqual(await store.getLocal(ns, key), value, `${ns}/${key}`)
                const all = await store.listLocal(ns, { limit: 10_000 })
                assert.deepEqual(
                  all.map((r) => r.key),
                  [...records.keys()].sort(),
                )
              }
            } finally {
              await store.close()
            }
            checkKeyTables(dir, `keyMergeRows ${keyMergeRows}`)
          },
        ),
        { numRuns: 150 },
      )
    })
  })
