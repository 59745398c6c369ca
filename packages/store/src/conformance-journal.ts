/**
 * Conformance cases for resources and the journal: init, idempotent and atomic ingest, chain
 * integrity, paging, line lookup and concurrent puts (docs/store.md, docs/protocol/journal.md).
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatJournalLine, nextLineId } from '@sdmp/core'
import type { Harness } from './conformance-kit.js'
import {
  ErrorCode,
  NODE_FP,
  USERS,
  checkJournal,
  digestOf,
  makeItem,
  readAllLines,
  rejectsWith,
} from './conformance-kit.js'

/** Register the resource and journal cases for one backend. */
export function registerJournalCases(h: Harness): void {
  const n = h.name
  describe(`${n}: journal and ingest`, () => {
    it(`${n}: initJournal writes line 1 once and rejects another fingerprint`, () =>
      h.with(async (store) => {
        assert.equal(await store.journalHead(), undefined)
        await store.initJournal(NODE_FP)
        await store.initJournal(NODE_FP)
        assert.deepEqual(await store.readJournal(0, 10), [{ position: 1, line: NODE_FP }])
        await rejectsWith(store.initJournal(digestOf('other node')), ErrorCode.CONFLICT, 'init')
        await rejectsWith(store.initJournal('short'), ErrorCode.BAD_REQUEST, 'init bad')
        assert.deepEqual(await store.journalHead(), { position: 1, line: NODE_FP })
      }, false))

    it(`${n}: putResources before initJournal rejects with CONFLICT`, () =>
      h.with(async (store) => {
        await rejectsWith(store.putResources([makeItem(1)]), ErrorCode.CONFLICT, 'put')
        assert.equal(await store.countResources(), 0)
      }, false))

    it(`${n}: put returns positions and formatted lines in input order`, () =>
      h.with(async (store) => {
        const items = [makeItem(1), makeItem(2), makeItem(3)]
        const res = await store.putResources(items)
        let prev = NODE_FP
        res.forEach((r, i) => {
          const line = formatJournalLine(prev, items[i]!.user, items[i]!.id, h.sha512)
          assert.deepEqual(r, { id: items[i]!.id, inserted: true, position: i + 2, line })
          prev = line
        })
        assert.deepEqual(await store.journalHead(), { position: 4, line: prev })
        assert.equal((await store.putResources([])).length, 0)
      }))

    it(`${n}: put is idempotent (same resource twice is one journal line)`, () =>
      h.with(async (store) => {
        const a = makeItem(1)
        const b = makeItem(2)
        const [first] = await store.putResources([a])
        const again = await store.putResources([a, b, a, b])
        assert.deepEqual(again[0], { ...first!, inserted: false })
        assert.equal(again[1]!.inserted, true)
        assert.equal(again[1]!.position, 3)
        assert.deepEqual(again[2], { ...first!, inserted: false })
        assert.deepEqual(again[3], { ...again[1]!, inserted: false })
        const lines = await checkJournal(store, h.sha512)
        assert.equal(lines.length, 3)
      }))

    it(`${n}: stored bytes and metadata round-trip and do not alias the input`, () =>
      h.with(async (store) => {
        const item = makeItem(4) // has a ref
        const bytes = item.bytes.slice()
        await store.putResources([{ ...item, bytes }])
        bytes[0] = bytes[0]! ^ 0xff
        const got = await store.getResource(item.id)
        assert.deepEqual(got, item.bytes)
        got![0] = 0
        assert.deepEqual(await store.getResource(item.id), item.bytes)
        assert.deepEqual(await store.getMeta(item.id), {
          id: item.id,
          user: item.user,
          kind: item.kind,
          created: item.created,
          ref: item.ref,
          position: 2,
        })
        const plain = makeItem(5)
        await store.putResources([plain])
        const meta = await store.getMeta(plain.id)
        assert.equal(meta && 'ref' in meta, false, 'no ref key when none was given')
        assert.equal(await store.getResource(makeItem(6).id), undefined)
        assert.equal(await store.getMeta(makeItem(6).id), undefined)
        assert.deepEqual(await store.hasResources([item.id, makeItem(6).id, plain.id]), [
          true,
          false,
          true,
        ])
        assert.deepEqual(await store.hasResources([]), [])
      }))

    it(`${n}: a batch with one bad item stores nothing (atomic batch)`, () =>
      h.with(async (store) => {
        const good = [makeItem(1), makeItem(2)]
        const bad = { ...makeItem(3), id: 'not-a-digest' }
        await rejectsWith(store.putResources([...good, bad]), ErrorCode.BAD_REQUEST, 'batch')
        assert.equal(await store.countResources(), 0)
        assert.deepEqual(await store.hasResources(good.map((g) => g.id)), [false, false])
        assert.equal((await store.journalHead())!.position, 1)
        await store.putResources(good)
        await checkJournal(store, h.sha512)
      }))

    it(`${n}: journal chain verifies after many batched and single puts`, () =>
      h.with(async (store) => {
        const items = Array.from({ length: 600 }, (_, i) => makeItem(i))
        for (let i = 0; i < 400; i += 100) await store.putResources(items.slice(i, i + 100))
        for (let i = 400; i < 600; i++) await store.putResources([items[i]!])
        const lines = await checkJournal(store, h.sha512)
        assert.equal(lines.length, 601)
        lines.slice(1).forEach((line, i) => {
          assert.equal(line.split('@')[1], `${items[i]!.user}/${items[i]!.id}`)
        })
      }))

    it(`${n}: concurrent single puts with duplicates give one line per resource`, () =>
      h.with(async (store) => {
        const items = Array.from({ length: 300 }, (_, i) => makeItem(i % 200))
        const res = await Promise.all(items.map((it) => store.putResources([it])))
        const inserted = res.flat().filter((r) => r.inserted)
        assert.equal(inserted.length, 200)
        const positions = new Set(inserted.map((r) => r.position))
        assert.equal(positions.size, 200)
        for (const r of res.flat()) {
          const meta = await store.getMeta(r.id)
          assert.equal(meta!.position, r.position)
        }
        assert.equal((await checkJournal(store, h.sha512)).length, 201)
      }))

    it(`${n}: readJournal pages, journalHead and findJournalLine agree`, () =>
      h.with(async (store) => {
        await store.putResources(Array.from({ length: 50 }, (_, i) => makeItem(i)))
        const all = await store.readJournal(0, 1000)
        assert.equal(all.length, 51)
        assert.deepEqual(
          await readAllLines(store, 7),
          all.map((r) => r.line),
        )
        assert.deepEqual(await store.readJournal(10, 5), all.slice(10, 15))
        assert.deepEqual(await store.readJournal(49, 5), all.slice(49))
        assert.deepEqual(await store.readJournal(51, 5), [])
        assert.deepEqual(await store.readJournal(3, 0), [])
        assert.deepEqual(await store.journalHead(), all[50])
        for (let i = 1; i < all.length; i++) {
          const lineId = nextLineId(all[i - 1]!.line, h.sha512)
          assert.deepEqual(await store.findJournalLine(lineId), all[i])
        }
        assert.equal(await store.findJournalLine(nextLineId(all[50]!.line, h.sha512)), undefined)
        await rejectsWith(store.findJournalLine('x'), ErrorCode.BAD_REQUEST, 'find')
      }))

    it(`${n}: countResources counts distinct resources`, () =>
      h.with(async (store) => {
        assert.equal(await store.countResources(), 0)
        await store.putResources([makeItem(1), makeItem(2), makeItem(1)])
        assert.equal(await store.countResources(), 2)
      }))

    it(`${n}: bad ids, types and lengths reject with BAD_REQUEST`, () =>
      h.with(async (store) => {
        const s = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
        const good = makeItem(1)
        const cases: [string, () => Promise<unknown>][] = [
          ['getResource(123)', () => s['getResource']!(123)],
          ['getResource(short)', () => s['getResource']!('abc')],
          ['getResource(87 chars)', () => s['getResource']!(good.id + 'A')],
          ['getResource(bad chars)', () => s['getResource']!('+'.repeat(86))],
          ['getMeta(null)', () => s['getMeta']!(null)],
          ['hasResources(string)', () => s['hasResources']!('abc')],
          ['hasResources([1])', () => s['hasResources']!([1])],
          ['putResources(string)', () => s['putResources']!('abc')],
          ['putResources([null])', () => s['putResources']!([null])],
          ['put id short', () => store.putResources([{ ...good, id: 'abc' }])],
          ['put user short', () => store.putResources([{ ...good, user: USERS[0].slice(1) }])],
          ['put kind empty', () => store.putResources([{ ...good, kind: '' }])],
          ['put created NaN', () => store.putResources([{ ...good, created: NaN }])],
          ['put created float', () => store.putResources([{ ...good, created: 1.5 }])],
          ['put created string', () => s['putResources']!([{ ...good, created: '1' }])],
          ['put bytes string', () => s['putResources']!([{ ...good, bytes: 'abc' }])],
          ['put bytes array', () => s['putResources']!([{ ...good, bytes: [1, 2] }])],
          ['put ref number', () => s['putResources']!([{ ...good, ref: 5 }])],
          ['readJournal(-1)', () => store.readJournal(-1, 5)],
          ['readJournal(NaN)', () => store.readJournal(0, NaN)],
          ['findJournalLine(5)', () => s['findJournalLine']!(5)],
          ['queryResources(kinds string)', () => s['queryResources']!({ kinds: 'message' })],
          ['queryResources(limit -1)', () => store.queryResources({ limit: -1 })],
          ['queryResources(user short)', () => store.queryResources({ user: 'abc' })],
        ]
        for (const [what, call] of cases) await rejectsWith(call, ErrorCode.BAD_REQUEST, what)
        assert.equal(await store.countResources(), 0)
        assert.equal((await checkJournal(store, h.sha512)).length, 1)
      }))
  })
}
