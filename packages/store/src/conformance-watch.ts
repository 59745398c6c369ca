/**
 * Conformance cases for {@link Store.watchJournal}: a signal after each append, none after the
 * watch closed, and (backends shared by several processes) each writer hears the other while
 * concurrent appends from both keep one chain (docs/store.md §1, docs/scale.md).
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Harness } from './conformance-kit.js'
import { ErrorCode, checkJournal, makeItem, rejectsWith } from './conformance-kit.js'
import type { JournalWatch, Store } from './store.js'

/** The highest head a watch was told, and a way to wait until it reaches a position. */
class HeadSeen {
  max = 0
  calls = 0
  readonly #waiters: { at: number; resolve: () => void }[] = []

  readonly listener = (position: number): void => {
    this.calls++
    assert.ok(Number.isSafeInteger(position) && position > 0, `bad head signal ${position}`)
    this.max = Math.max(this.max, position)
    for (const w of this.#waiters.filter((x) => x.at <= this.max)) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1)
      w.resolve()
    }
  }

  /** Resolves once a signal at `position` or beyond arrived (the test timeout bounds it). */
  reached(position: number): Promise<void> {
    if (this.max >= position) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ at: position, resolve }))
  }
}

async function watch(store: Store): Promise<{ seen: HeadSeen; watch: JournalWatch }> {
  assert.ok(store.watchJournal, `${store.kind}: watchJournal is implemented`)
  const seen = new HeadSeen()
  return { seen, watch: await store.watchJournal(seen.listener) }
}

/** Register the journal-watch cases for one backend. */
export function registerWatchCases(h: Harness): void {
  const n = h.name
  describe(`${n}: journal watch`, () => {
    it(`${n}: watchJournal signals the head after appends, and nothing once closed`, () =>
      h.with(async (store) => {
        const { seen, watch: w } = await watch(store)
        const res = await store.putResources([makeItem(1), makeItem(2), makeItem(3)])
        await seen.reached(res[2]!.position)
        const single = await store.putResources([makeItem(4)])
        await seen.reached(single[0]!.position)
        assert.equal(seen.max, 5)
        await w.close()
        await w.close() // idempotent
        const calls = seen.calls
        await store.putResources([makeItem(5)])
        assert.equal(seen.calls, calls, 'no signal after close')
      }))

    it(`${n}: watchJournal on a closed store rejects with CLOSED`, async () => {
      const store = await h.fresh()
      await h.dispose(store)
      await rejectsWith(() => store.watchJournal!(() => undefined), ErrorCode.CLOSED, 'watch')
    })

    // Only backends that several processes share (PostgreSQL) have sibling stores; a
    // single-writer backend has no second writer to hear, so the case is not registered.
    const sibling = h.options.sibling
    if (sibling)
      it(`${n}: two store objects over the same data hear each other and keep one chain`, () =>
        h.with(async (a) => {
          const b = await sibling(a)
          try {
            await b.open()
            const wa = await watch(a)
            const wb = await watch(b)
            // 40 each, 20 of them shared, all in flight at once from both writers.
            const items = Array.from({ length: 60 }, (_, i) => makeItem(i + 100, 'watch'))
            const [ra, rb] = await Promise.all([
              Promise.all(items.slice(0, 40).map((it) => a.putResources([it]))),
              Promise.all(items.slice(20).map((it) => b.putResources([it]))),
            ])
            const inserted = new Map<string, number>()
            for (const [r] of [...ra, ...rb])
              if (r!.inserted) inserted.set(r!.id, (inserted.get(r!.id) ?? 0) + 1)
            assert.equal(inserted.size, 60, 'every resource inserted once')
            assert.ok(
              [...inserted.values()].every((c) => c === 1),
              'nothing inserted twice',
            )
            const head = 61
            // Each hears the head the other moved, not only its own appends.
            await Promise.all([wa.seen.reached(head), wb.seen.reached(head)])
            assert.equal((await a.journalHead())?.position, head)
            assert.deepEqual(await checkJournal(a, h.sha512), await checkJournal(b, h.sha512))
            // One append by b alone: a can learn of it only from the other writer.
            const [last] = await b.putResources([makeItem(1, 'watch-last')])
            await wa.seen.reached(last!.position)
            await wa.watch.close()
            await wb.watch.close()
          } finally {
            await b.close()
          }
        }))
  })
}
