/**
 * The follower of other writers' lines (journal-follow.ts) against hostile signal streams: a
 * signal repeated, stale, out of order, beyond the head, or never sent for some appends. Every
 * foreign line is handed on exactly once and in journal order; own lines never.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toBase64url, utf8 } from '@sdmp/core'
import { MemoryStore } from '@sdmp/store'
import type { IngestItem, JournalWatch } from '@sdmp/store'
import { waitFor } from '@sdmp/testkit'
import { JournalFollower } from '../src/journal-follow.js'
import type { ForeignLine } from '../src/journal-follow.js'
import { provider } from '@sdmp/testkit/node-world'

const sha512 = provider.sha512
const USER = toBase64url(sha512(utf8('user')))

function item(n: number): IngestItem {
  const bytes = utf8(`{"n":${n}}`)
  return { id: toBase64url(sha512(bytes)), user: USER, kind: 'message', created: n, bytes }
}

/** A memory store whose signals the test sends by hand (none from its appends). */
class ManualSignals extends MemoryStore {
  listener: ((head: number) => void) | undefined
  override async watchJournal(onHead: (position: number) => void): Promise<JournalWatch> {
    this.listener = onHead
    return { close: async () => void (this.listener = undefined) }
  }
}

describe('journal follower', () => {
  it('hands on each foreign line once, in order, whatever the signals', async () => {
    const store = new ManualSignals({ sha512 })
    await store.initJournal(USER)
    await store.putResources([item(0)]) // before the follower: history, not handed on
    const adopted: ForeignLine[] = []
    const own = new Set<number>()
    const f = await JournalFollower.start(store, {
      exclusive: (task) => task(),
      isOwn: (p) => own.delete(p),
      adopt: async (lines) => void adopted.push(...lines),
    })
    assert.equal(f.cursor, 2)
    const signal = store.listener!

    // Three foreign appends, one own, then signals: stale, repeated, out of order.
    const first = await store.putResources([item(1), item(2)])
    const [mine] = await store.putResources([item(3)])
    own.add(mine!.position)
    await store.putResources([item(4)])
    signal(1)
    signal(3)
    signal(6)
    signal(6)
    signal(4)
    await waitFor(() => f.cursor === 6, { what: 'caught up to 6' })
    await f.idle()
    // No signal at all for an append (lost): the next append's signal finds both.
    await store.putResources([item(5)])
    await store.putResources([item(6)])
    signal(8)
    signal(999) // beyond the head: nothing there, no endless re-reading
    await waitFor(() => f.cursor === 8, { what: 'caught up to 8' })
    await f.idle()

    assert.deepEqual(
      adopted.map((l) => l.position),
      [3, 4, 6, 7, 8],
    )
    assert.equal(adopted[0]!.id, first[0]!.id)
    assert.deepEqual(adopted[0]!.bytes, item(1).bytes)
    await f.stop()
    assert.equal(store.listener, undefined, 'stop closes the watch')
  })
})
