/**
 * A received message is opened and indexed while the journal's fdatasync runs, but released
 * (processed, events, waiting callers) only once its line is durable (journal-index.ts,
 * docs/store.md §3 "Committed before durable"). Bob's store holds its fdatasyncs through the
 * writeback's file seam, so the state between commit and durable can be looked at.
 */
import assert from 'node:assert/strict'
import { close, fdatasync, open } from 'node:fs'
import { describe, it } from 'node:test'
import { Account, Mailbox } from '@sdmp/daemon'
import { SqliteStore } from '@sdmp/store-sqlite'
import type { WritebackFiles } from '@sdmp/store-sqlite'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  accountDeps,
  befriendPeers,
  closePeers,
  createPeer,
  peerResources,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'

/** Real file operations, except that fdatasyncs wait for the test while `hold` is set. */
class Holdable implements WritebackFiles {
  hold = false
  readonly held: (() => void)[] = []
  open = open as WritebackFiles['open']
  close = close as WritebackFiles['close']
  fdatasync(fd: number, cb: (err: Error | null) => void): void {
    if (!this.hold) return fdatasync(fd, cb)
    this.held.push(() => fdatasync(fd, cb))
  }
}

async function heldPeer(dir: string, files: Holdable): Promise<Peer> {
  const home = `${dir}/bob`
  const deps = accountDeps(home)
  const account = await Account.create(
    {
      ...deps,
      createStore: (d) =>
        new SqliteStore({ dir: d, sha512: deps.provider.sha512 }, { writebackFiles: files }),
    },
    { name: 'bob' },
  )
  const mailbox = new Mailbox(account, {})
  await mailbox.start()
  return { account, mailbox, home, events: [] }
}

describe('Mailbox: indexed before durable, released after', () => {
  it('opens a received message during the fdatasync and tells no one before it returns', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const files = new Holdable()
    const alice = await createPeer(dir, 'alice')
    const bob = await heldPeer(dir, files)
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const sent = await alice.mailbox.send({ to: [bob.account.requireUser()], body: 'early' })
    const before = bob.mailbox.processed

    files.hold = true
    const ingest = bob.account.ingestor.ingest(await peerResources(alice), { source: 'alice' })
    // Indexed (the record is there to read) while the journal's fdatasync is still held...
    const message = await waitFor(async () => bob.mailbox.get(sent.id), {
      what: 'the message indexed before its line is durable',
    })
    assert.equal(message.body, 'early')
    assert.ok(files.held.length > 0, 'the fdatasync is still held')
    // ...but not released: no processed position, no event, no waiting caller answered.
    assert.equal(bob.mailbox.processed, before)
    const events = await bob.mailbox.eventsAfter(before, 100)
    assert.equal(events.length, 0, 'no event before the line is durable')
    const head = before + 1
    let released = false
    const waiting = bob.mailbox.waitProcessed(head).then(() => (released = true))
    await new Promise((r) => setImmediate(r))
    assert.equal(released, false)
    assert.equal((await bob.account.store.journalHead())?.position, before)

    files.hold = false
    for (const release of files.held.splice(0)) release()
    await ingest
    await waiting
    assert.ok(bob.mailbox.processed >= head)
    const after = await bob.mailbox.eventsAfter(before, 100)
    assert.ok(
      after.some((e) => e.type === 'message' && e.message.id === sent.id),
      'the message event once durable',
    )
  })
})
