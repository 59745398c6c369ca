/**
 * Delivery told truthfully between daemons (issue 15 item 5, docs/messaging.md "Delivery
 * states"): a message to a contact who has not added us waits, and is delivered once they do;
 * a contact who removes us shows as removed and what we send them ends `rejected` with the
 * reason; adding us again makes the contact mutual and the messages flow.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import type { SdmpApi, SdmpEvent } from '@sdmp/client'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { createAccount, inboxHas, startDaemon, stopDaemons } from '@sdmp/testkit/daemon-world'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }

async function shown(api: SdmpApi, id: string) {
  const s = await api.show(id)
  assert.ok('message' in s)
  return s.message
}

const statusOf = async (api: SdmpApi, name: string) =>
  (await api.contacts()).contacts.find((c) => c.name === name)?.status

describe('delivery states between daemons', () => {
  it(
    'waiting until added back, removed -> rejected with the reason, mutual again',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-delivery-')
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      await alice.api.addContact({ invite: (await bob.api.invite()).invite, name: 'bob' })

      // (a) Bob has not added Alice: her message waits, and says why.
      const first = await alice.api.send({ to: ['bob'], body: 'hello?' })
      assert.equal(await statusOf(alice.api, 'bob'), 'waiting')
      let m = await shown(alice.api, first.id)
      assert.equal(m.state, 'waiting')
      assert.equal(m.reason, 'bob has not added you yet; the message waits')
      const listed = (await alice.api.inbox({ all: true })).messages.find((x) => x.id === first.id)
      assert.equal(listed?.state, 'waiting')
      // Bob's node refuses Alice's, and says so: the contact is still only waiting.
      await waitFor(
        async () => (await alice.api.peers()).peers.some((p) => p.lastError === 'forbidden'),
        { ...WAIT, what: "bob's node to refuse alice's" },
      )
      assert.equal(await statusOf(alice.api, 'bob'), 'waiting')

      // Bob adds Alice back: the message flows and is delivered.
      await bob.api.addContact({ invite: (await alice.api.invite()).invite, name: 'alice' })
      await inboxHas(bob, first.id, 'bob to get the waiting message')
      await waitFor(async () => (await shown(alice.api, first.id)).state === 'delivered', {
        ...WAIT,
        what: 'the first message to be delivered',
      })
      assert.equal((await shown(alice.api, first.id)).reason, null)
      assert.equal(await statusOf(alice.api, 'bob'), 'mutual')

      // (b) Bob removes Alice: her node learns it from his node's refusal, and says so live.
      const live: SdmpEvent[] = []
      const stop = new AbortController()
      const reading = (async () => {
        for await (const e of alice.api.events({ signal: stop.signal })) live.push(e)
      })().catch(() => undefined)
      await bob.api.removeContact('alice')
      await waitFor(async () => (await statusOf(alice.api, 'bob')) === 'removed', {
        ...WAIT,
        what: 'bob to show as removed on alice',
      })
      const second = await alice.api.send({ to: ['bob'], body: 'are you there?' })
      m = await shown(alice.api, second.id)
      assert.equal(m.state, 'rejected')
      assert.equal(m.reason, 'bob removed you as a contact; the message will not be delivered')
      await waitFor(
        () =>
          live.some(
            (e) =>
              e.type === 'contact-status' &&
              e.contact.name === 'bob' &&
              e.contact.status === 'removed',
          ),
        { ...WAIT, what: 'a live contact-status event: bob removed alice' },
      )
      stop.abort()
      await reading
      // What Bob already holds stays delivered: his receipt counts whatever came after.
      assert.equal((await shown(alice.api, first.id)).state, 'delivered')

      // (d) Bob adds Alice again: mutual, and new messages (and the rejected one) flow.
      await bob.api.addContact({ invite: (await alice.api.invite()).invite, name: 'alice' })
      await waitFor(async () => (await statusOf(alice.api, 'bob')) === 'mutual', {
        ...WAIT,
        what: 'bob to be mutual again on alice',
      })
      const third = await alice.api.send({ to: ['bob'], body: 'welcome back' })
      await inboxHas(bob, third.id, 'bob to get the message after adding alice again')
      await waitFor(async () => (await shown(alice.api, third.id)).state === 'delivered', {
        ...WAIT,
        what: 'the third message to be delivered',
      })
      await waitFor(async () => (await shown(alice.api, second.id)).state === 'delivered', {
        ...WAIT,
        what: 'the once rejected message to be delivered after all',
      })
    },
  )
})
