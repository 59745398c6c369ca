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
import { friendPeers, pushPeer, restartPeer, waitSealed } from '@sdmp/testkit/daemon-world'
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
const contacts = (t: TestContext) => friendPeers(tmpDir(t.after.bind(t)), t.after.bind(t))

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

  /**
   * Alice restarted with a linger far longer than the test (only a line count, a local caller or
   * the stop at the end can end it), and a gate on her index commits (those carrying the cursor;
   * a sender's session commits do not): `held()` resolves when the next one waits at the gate,
   * `open()` lets it and every later one through.
   */
  async function gatedIndex(t: TestContext, lines: number) {
    const { alice, bob } = await contacts(t)
    const store = () => alice.account.store
    const head = async () => (await store().journalHead())!.position
    await alice.mailbox.waitProcessed(await head())
    await restartPeer(alice, undefined, { indexLinger: { ms: 600_000, lines } })
    const s = store() as unknown as { putLocal: Store['putLocal'] }
    const original = s.putLocal.bind(store())
    let commits = 0
    let gate: Promise<void> | undefined
    let open = () => {}
    let reached = () => {}
    const held = new Promise<void>((r) => (reached = r))
    gate = new Promise<void>((r) => (open = r))
    s.putLocal = async (ns, records, options) => {
      if (records.some((r) => r.key === CURSOR_KEY)) {
        commits++
        if (gate) {
          reached()
          await gate
        }
      }
      return original(ns, records, options)
    }
    t.after(() => delete (s as { putLocal?: unknown }).putLocal)
    // Polling, not waitProcessed: a waiting caller would end the linger.
    const indexed = (position: number, what: string) =>
      waitFor(() => alice.mailbox.processed >= position, { what })
    return {
      alice,
      bob,
      head,
      held,
      indexed,
      open: () => {
        gate = undefined
        open()
      },
      commits: () => commits,
    }
  }

  it('indexes a line at once when nothing came during the last commit (no linger when idle)', async (t) => {
    const { alice, head, indexed, open, commits } = await gatedIndex(t, 64)
    open()
    await publishPost(alice.account, 'one')
    await indexed(await head(), 'the first post indexed')
    // With a linger after every commit, this line would wait 600 s.
    await publishPost(alice.account, 'two')
    await indexed(await head(), 'the second post indexed at once')
    assert.equal(commits(), 2)
  })

  it('folds the lines that come while an index commit lingers under load into one commit', async (t) => {
    const { alice, head, held, indexed, open, commits } = await gatedIndex(t, 3)
    await publishPost(alice.account, 'first')
    await held // the first post's commit is under way
    // Lines that come during a commit are load: the next commit waits for 3 lines.
    await publishPost(alice.account, 'a')
    open()
    await indexed((await head()) - 1, 'the first post indexed')
    for (const body of ['b', 'c']) {
      const before = await head()
      await publishPost(alice.account, body)
      await waitFor(async () => (await head()) > before, { what: `${body} in the journal` })
    }
    await indexed(await head(), 'the three posts indexed')
    assert.equal(commits(), 2, 'the first post, then three lines in one commit')
  })

  it('ends a linger when a local caller waits for the index (a send)', async (t) => {
    const { alice, bob, head, held, indexed, open, commits } = await gatedIndex(t, 64)
    await publishPost(alice.account, 'first')
    await held
    await publishPost(alice.account, 'a')
    open()
    await indexed((await head()) - 1, 'the first post indexed')
    // The index lingers now (one line of 64); the send waits for its line to be indexed.
    const sent = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'hi' })
    assert.equal(alice.mailbox.processed, sent.position)
    assert.equal(commits(), 2, 'the lingering line and the sent one in one commit')
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
