/**
 * One path for a message (docs/architecture.md): the mailbox indexes lines as the ingestor hands
 * them on (what it sent with its inner resource, what arrived with its verified resource) without
 * reading the journal back, the indexer derives each event once, and every reader of events
 * reads those; only a replay from before what the event log holds derives them from the store.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import type { Store } from '@sdmp/store'
import { tmpDir } from '@sdmp/testkit'
import { publishPost } from '../src/account/index.js'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  restartPeer,
  waitSealed,
} from '@sdmp/testkit/daemon-world'
import { waitFor } from '@sdmp/testkit'
import { MAIL_NS } from '../src/mail/index.js'
import { CURSOR_KEY } from '../src/mail/records.js'

type Counted = 'readJournal' | 'getResource' | 'getLocal' | 'getMeta' | 'putLocal' | 'deleteLocal'

/** Count the calls of some store methods (own properties shadow the class's) until restored. */
function countCalls(store: Store, names: readonly Counted[]) {
  const calls: Record<string, number> = {}
  const s = store as unknown as Record<string, (...a: unknown[]) => unknown>
  for (const name of names) {
    calls[name] = 0
    const original = s[name]!.bind(store)
    s[name] = (...a: unknown[]) => {
      calls[name]!++
      return original(...a)
    }
  }
  return {
    calls,
    restore: () => {
      for (const name of names) delete s[name]
    },
  }
}

/** Alice and Bob, mutual contacts, closed after the test. */
async function contacts(t: TestContext) {
  const dir = tmpDir(t.after.bind(t))
  const alice = await createPeer(dir, 'alice')
  const bob = await createPeer(dir, 'bob')
  t.after(() => closePeers([alice, bob]))
  await befriendPeers(alice, bob)
  return { alice, bob }
}

describe('Mailbox: one path for a message', () => {
  it('indexes what it sends and what arrives live without reading the journal back', async (t) => {
    const { alice, bob } = await contacts(t)
    const spyA = countCalls(alice.account.store, ['readJournal'])
    const spyB = countCalls(bob.account.store, ['readJournal'])
    t.after(() => (spyA.restore(), spyB.restore()))

    const sent = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'ping' })
    assert.equal((await alice.mailbox.get(sent.id))?.body, 'ping')
    await pushPeer(alice, bob)
    assert.equal((await bob.mailbox.get(sent.id))?.body, 'ping')
    assert.deepEqual(spyA.calls, { readJournal: 0 })
    assert.deepEqual(spyB.calls, { readJournal: 0 })
  })

  it('serves events from what the indexer derived, reading nothing back', async (t) => {
    const { alice, bob } = await contacts(t)
    const start = alice.mailbox.processed
    await publishPost(alice.account, 'hello world')
    await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'ping' })

    const spy = countCalls(alice.account.store, [
      'readJournal',
      'getResource',
      'getLocal',
      'getMeta',
    ])
    t.after(spy.restore)
    const first = await alice.mailbox.eventsAfter(start, 1000)
    // Three readers (three event streams) read the same events.
    for (let i = 0; i < 3; i++)
      assert.deepEqual(await alice.mailbox.eventsAfter(start, 1000), first)
    assert.deepEqual(
      first.map((e) => e.type),
      ['post', 'message'],
    )
    assert.deepEqual(spy.calls, { readJournal: 0, getResource: 0, getLocal: 0, getMeta: 0 })
  })

  it('derives the same events from the store after a restart as it served live', async (t) => {
    const { alice, bob } = await contacts(t)
    const start = alice.mailbox.processed
    await publishPost(alice.account, 'a post')
    await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'ping' })
    await bob.mailbox.send({ to: [alice.account.requireUser()], body: 'pong' })
    await pushPeer(bob, alice)
    await waitSealed(alice, 2) // alice's own delivered receipt for pong
    await alice.mailbox.waitProcessed((await alice.account.store.journalHead())!.position)
    const live = await alice.mailbox.eventsAfter(start, 1000)
    assert.deepEqual(
      live.map((e) => e.type),
      ['post', 'message', 'message', 'receipt'],
    )

    await restartPeer(alice)
    const spy = countCalls(alice.account.store, ['readJournal'])
    t.after(spy.restore)
    const replayed = await alice.mailbox.eventsAfter(start, 1000)
    assert.ok(spy.calls['readJournal']! > 0, 'a replay from before the log reads the store')
    assert.deepEqual(replayed, live)
  })

  it('folds the lines that come while an index commit lingers into one commit', async (t) => {
    const { alice, bob } = await contacts(t)
    const store = () => alice.account.store
    const head = async () => (await store().journalHead())!.position
    await alice.mailbox.waitProcessed(await head())
    // A wait far longer than the test: only the line count ends it (or the stop at the end).
    await restartPeer(alice, undefined, { indexLinger: { ms: 600_000, lines: 3 } })
    const to = [bob.account.requireUser()]
    // Idle: the first line is indexed at once.
    await alice.mailbox.send({ to, body: 'first' })

    // Index commits carry the index cursor; the sender's own session commits (sessions.md §7,
    // durable before each envelope is published) are not index commits and are not counted.
    const s = store() as unknown as { putLocal: Store['putLocal'] }
    const original = s.putLocal.bind(store())
    let indexCommits = 0
    s.putLocal = (ns, records, options) => {
      if (records.some((r) => r.key === CURSOR_KEY)) indexCommits++
      return original(ns, records, options)
    }
    t.after(() => delete (s as { putLocal?: unknown }).putLocal)
    const sends: Promise<unknown>[] = []
    for (const body of ['a', 'b', 'c']) {
      const before = await head()
      sends.push(alice.mailbox.send({ to, body }))
      // One line at a time: each comes while the index waits after the first commit.
      await waitFor(async () => (await head()) > before, { what: `${body} in the journal` })
    }
    await Promise.all(sends)
    assert.equal(indexCommits, 1, 'three lines, one index commit')
    assert.equal((await alice.mailbox.list({ all: true })).length, 4)
  })

  it('deletes stale chat activity keys together, not with every index commit', async (t) => {
    const { alice, bob } = await contacts(t)
    const to = [bob.account.requireUser()]
    const spy = countCalls(alice.account.store, ['deleteLocal'])
    t.after(spy.restore)
    // Each message moves the chat's activity key (l:) to its time: the old key goes stale.
    for (const body of ['one', 'two', 'three']) await alice.mailbox.send({ to, body })
    assert.equal(spy.calls['deleteLocal'], 0, 'no delete commit per index commit')
    spy.restore()
    await restartPeer(alice) // a stop deletes what waits
    const activity = await alice.account.store.listLocal(MAIL_NS, {
      after: 'l:',
      before: 'l;',
      limit: 10,
    })
    assert.equal(activity.length, 1, 'one activity key per chat once the stale ones are deleted')
    assert.equal((await alice.mailbox.chats()).chats[0]?.last.body, 'three')
  })
})
