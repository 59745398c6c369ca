/**
 * A batch of sent messages reads the contact and refusal tables once, not once per message
 * (docs/load.md §5 "Fifteenth pass"): the recipients of `POST /v1/messages/batch` are resolved
 * from one read of the contact table, and an index batch's message events show the contacts'
 * standings of one read. Each message is still sent, and its event still shows the standing.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tmpDir } from '@sdmp/testkit'
import { friendPeers, pushPeer } from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { SECRET_NAMES } from '../src/account/secret-names.js'
import { recordRefusal } from '../src/account/standing.js'
import { sendMessages } from '../src/service/messages.js'

const N = 16

/** Count `peer`'s vault reads by secret name from now on. */
function countVaultReads(peer: Peer): Map<string, number> {
  const vault = peer.account.vault
  const reads = new Map<string, number>()
  const get = vault.get.bind(vault)
  vault.get = (name: string) => {
    reads.set(name, (reads.get(name) ?? 0) + 1)
    return get(name)
  }
  return reads
}

/** `N` messages from `from` to Bob in one `POST /v1/messages/batch`. */
const sendToBob = (from: Peer) =>
  sendMessages(from.account, from.mailbox, undefined, {
    messages: Array.from({ length: N }, (_, i) => ({ to: ['bob'], body: `message ${i}` })),
  })

describe('A batch of sent messages', () => {
  it('reads the contact and refusal tables once per batch, and sends every message', async (t) => {
    const { alice, bob } = await friendPeers(tmpDir(t.after.bind(t)), t.after.bind(t))
    // Bob's nodes refuse us now: he removed us, which each message's event must show.
    await recordRefusal(alice.account, bob.account.requireUser(), 'untrusted')
    const reads = countVaultReads(alice)
    const batches: number[] = []
    const stop = alice.mailbox.onProcessed((position) => batches.push(position))
    t.after(stop)

    const { results } = await sendToBob(alice)
    const ids = results.map((r) => ('id' in r ? r.id : assert.fail(JSON.stringify(r))))
    assert.equal(new Set(ids).size, N)
    // sendMessages resolves once every message is indexed: each index batch that held some
    // of them derived their events with one read of each table, and the send read one more.
    assert.ok(batches.length >= 1)
    assert.ok(
      (reads.get(SECRET_NAMES.contacts) ?? 0) <= 1 + batches.length,
      `contact table read ${reads.get(SECRET_NAMES.contacts)} times, ${batches.length} index batches`,
    )
    assert.ok((reads.get(SECRET_NAMES.refusals) ?? 0) <= batches.length)
    assert.ok(batches.length < N / 2, `${batches.length} index batches for ${N} messages`)
    // Their events show the recipient's standing (removed us: rejected), as one by one.
    const events = await alice.mailbox.eventsAfter(0, 10_000)
    const sent = events.filter((e) => e.type === 'message' && ids.includes(e.message.id))
    assert.equal(sent.length, N)
    for (const e of sent) if (e.type === 'message') assert.equal(e.message.state, 'rejected')
  })

  it('received in a batch, reads the forwarding rules once per index batch', async (t) => {
    const { alice, bob } = await friendPeers(tmpDir(t.after.bind(t)), t.after.bind(t))
    await sendToBob(alice)
    const reads = countVaultReads(bob)
    const batches: number[] = []
    t.after(bob.mailbox.onProcessed((position) => batches.push(position)))
    await pushPeer(alice, bob)
    await bob.mailbox.rulesIdle()
    const inbox = await bob.mailbox.list({ limit: 100 })
    assert.equal(inbox.filter((m) => m.direction === 'in').length, N)
    assert.ok(
      (reads.get(SECRET_NAMES.rules) ?? 0) <= batches.length,
      `rule table read ${reads.get(SECRET_NAMES.rules)} times, ${batches.length} index batches`,
    )
    assert.ok(batches.length < N / 2, `${batches.length} index batches for ${N} messages`)
  })
})
