/**
 * Daemons in process over loopback TCP (docs/daemon.md): a revoked device can neither publish
 * to anyone nor read what is sent afterwards, and the SSE stream of a real node resumes after a
 * dropped connection with nothing lost and nothing repeated.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import type { SdmpEvent } from '@sdmp/client'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriendDaemons as befriend,
  connectedToUser as connected,
  createAccount as create,
  startDaemon as start,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon as Node } from '@sdmp/testkit/daemon-world'

afterEach(stopDaemons)

describe('daemon', () => {
  it(
    'stops a revoked device from publishing to anyone and from reading new messages',
    {
      timeout: 120_000,
    },
    async () => {
      const dir = tmpDir(after, 'sdmp-revoke-')
      const laptop = await start(await create(dir, 'alice'))
      const phoneAccount = await create(dir, 'phone', true)
      const request = await phoneAccount.joinRequest()
      await laptop.api.authorizeDevice({ request })
      const phone = await start(phoneAccount)
      await phone.api.join({ invite: (await laptop.api.invite()).invite })
      const bob = await start(await create(dir, 'bob'))
      await befriend(laptop, 'alice', bob, 'bob')
      const alice = (await laptop.api.whoami()).user!
      const bobUser = (await bob.api.whoami()).user!
      await connected(phone, alice)
      await connected(bob, alice)
      const phoneNode = (await phone.api.whoami()).node
      // Before the revocation the phone reads what Bob sends to Alice.
      const before = await bob.api.send({ to: ['alice'], body: 'before' })
      await waitFor(
        async () => (await phone.api.inbox()).messages.some((m) => m.id === before.id),
        {
          timeout: 30_000,
          what: 'the phone to read the first message',
        },
      )

      await laptop.api.revokeDevice(phoneNode)
      // Every node of Alice's and Bob's drops the phone and refuses it from then on.
      await waitFor(
        async () => {
          const bobPeers = (await bob.api.peers()).peers
          const laptopPeers = (await laptop.api.peers()).peers
          return ![...bobPeers, ...laptopPeers].some(
            (p) => p.node === phoneNode && p.state === 'connected',
          )
        },
        { timeout: 30_000, what: 'the phone to be disconnected' },
      )
      // Whatever the phone publishes now (if it still believes it may) reaches nobody.
      const attempt = await phone.api.post({ body: 'from a revoked phone' }).catch(() => undefined)
      const after1 = await bob.api.send({ to: ['alice'], body: 'after the revocation' })
      await waitFor(
        async () => (await laptop.api.inbox()).messages.some((m) => m.id === after1.id),
        {
          timeout: 30_000,
          what: 'the laptop to read the second message',
        },
      )
      // The phone knows it was revoked (issue 11): it no longer syncs.
      await assert.rejects(phone.api.sync({ wait: true, timeoutMs: 5_000 }), { code: 'REVOKED' })
      if (attempt) {
        await assert.rejects(laptop.api.show(attempt.id), { code: 'NOT_FOUND' })
        await assert.rejects(bob.api.show(attempt.id), { code: 'NOT_FOUND' })
      }
      // Bob seals new messages for Alice's readers in force, which no longer include the phone:
      // even handed the sealed resource directly, the phone cannot open it.
      const outer = await phone.daemon.account.store.countResources()
      const laptopStore = laptop.daemon.account.store
      const sealed = await laptopStore.queryResources({ kinds: ['encrypted'], user: bobUser })
      for (const m of sealed) {
        const bytes = await laptopStore.getResource(m.id)
        await phone.daemon.account.ingestor.ingest([bytes!]).catch(() => undefined)
      }
      await phone.daemon.mailbox.waitProcessed(
        (await phone.daemon.account.store.journalHead())!.position,
      )
      assert.ok((await phone.daemon.account.store.countResources()) >= outer)
      const phoneInbox = (await phone.api.inbox()).messages.map((m) => m.id)
      assert.ok(phoneInbox.includes(before.id))
      assert.ok(!phoneInbox.includes(after1.id), 'the revoked phone cannot read the new message')
    },
  )

  it(
    'resumes the event stream after a dropped connection without loss or duplicates',
    {
      timeout: 120_000,
    },
    async () => {
      const dir = tmpDir(after, 'sdmp-sse-')
      const alice = await start(await create(dir, 'alice'))
      const bob = await start(await create(dir, 'bob'))
      await befriend(alice, 'alice', bob, 'bob')
      await connected(alice, (await bob.api.whoami()).user!)

      const seen: SdmpEvent[] = []
      const messageIds = () =>
        seen.flatMap((e) =>
          e.type === 'message' && e.message.direction === 'in' ? [e.message.id] : [],
        )
      const first = new AbortController()
      const reading = (async () => {
        for await (const e of bob.api.events({ signal: first.signal })) seen.push(e)
      })().catch(() => undefined)
      const sent: string[] = []
      for (let i = 0; i < 3; i++)
        sent.push((await alice.api.send({ to: ['bob'], body: `m${i}` })).id)
      await waitFor(() => messageIds().length === 3, { timeout: 30_000, what: 'three live events' })
      first.abort()
      await reading
      const lastPosition = Math.max(...seen.flatMap((e) => ('position' in e ? [e.position] : [])))
      // While nobody listens, more arrives.
      for (let i = 3; i < 6; i++)
        sent.push((await alice.api.send({ to: ['bob'], body: `m${i}` })).id)
      await waitFor(async () => (await bob.api.inbox()).messages.length === 6, {
        timeout: 30_000,
        what: 'bob to hold six messages',
      })
      const second = new AbortController()
      const resumed = (async () => {
        for await (const e of bob.api.events({ after: lastPosition, signal: second.signal }))
          seen.push(e)
      })().catch(() => undefined)
      sent.push((await alice.api.send({ to: ['bob'], body: 'm6' })).id)
      await waitFor(() => messageIds().length === 7, { timeout: 30_000, what: 'seven events' })
      second.abort()
      await resumed
      assert.deepEqual(messageIds(), sent, 'every message exactly once, in order')
      const positions = seen.flatMap((e) => ('position' in e ? [e.position] : []))
      assert.equal(new Set(positions).size, positions.length, 'no position twice')
    },
  )
})
