/**
 * Message requests held by a host-only node (docs/protocol/requests.md §7): Bob's laptop is
 * offline; Carol's request reaches Bob's host, which cannot open it, holds it and answers
 * `delivered`; when the laptop starts it takes the request from its host, opens and lists it
 * (a live `request` event), accepts it, and the request text is the chat's first message on
 * both sides; then messages flow both ways. In-process daemons over loopback TCP.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  accountDeps,
  connectedTo,
  connectedToUser,
  createAccount,
  inboxHas,
  startDaemon,
  stopDaemon,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import { Account } from '../src/account/index.js'
import { onRequestStored } from '../src/account/requests.js'
import { peerAddresses } from '../src/account/address-book.js'

afterEach(stopDaemons)

const WAIT = { timeout: 60_000, interval: 25 }

describe('message requests through a host-only node', () => {
  it(
    'held while the laptop is offline, taken when it starts, accepted, then messages flow',
    { timeout: 240_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-req-host-')
      const laptop = await startDaemon(await createAccount(dir, 'bob'))
      const bobUser = laptop.daemon.account.requireUser()
      const hostAccount = await createAccount(dir, 'bob-host', true)
      await laptop.api.authorizeDevice({ request: await hostAccount.joinRequest(), hostOnly: true })
      const host = await startDaemon(hostAccount)
      await host.api.join({ invite: (await laptop.api.invite()).invite })
      const hostNode = (await host.api.whoami()).node
      await connectedTo(laptop, hostNode)
      // The host holds the laptop's prekey (it answers inbox queries with it).
      await waitFor(
        async () =>
          (await host.daemon.account.store.queryResources({ kinds: ['prekey'], limit: 10 }))
            .length > 0,
        { ...WAIT, what: "the laptop's prekey on the host" },
      )
      // The laptop knows where its host listens (the host's node record), to ask it later.
      await waitFor(
        async () =>
          (await peerAddresses(laptop.daemon.account)).some((a) => a.fingerprint === hostNode),
        { ...WAIT, what: "the host's address on the laptop" },
      )
      const laptopHome = laptop.home
      await stopDaemon(laptop)

      const carol = await startDaemon(await createAccount(dir, 'carol'))
      const carolUser = carol.daemon.account.requireUser()
      const hostPeer = (await host.api.whoami()).running!.peer
      const sent = await carol.api.sendRequest({
        to: `${bobUser}@${hostPeer}#${hostNode}`,
        text: 'hi bob, carol here (through your host)',
        name: 'bob',
      })
      assert.deepEqual(sent, { user: bobUser, outcome: 'delivered', reason: null, contact: 'bob' })
      // The host cannot read it: it lists nothing, and a retry is the same delivery.
      assert.equal((await host.api.requests()).requests.length, 0)

      const account = await Account.open(accountDeps(laptopHome))
      const live: string[] = []
      onRequestStored(account, (r) => live.push(r.text))
      const bob = await startDaemon(account)
      await waitFor(async () => (await bob.api.requests()).requests.length === 1, {
        ...WAIT,
        what: 'the held request on the laptop',
      })
      const [request] = (await bob.api.requests()).requests
      assert.equal(request!.user, carolUser)
      assert.equal(request!.text, 'hi bob, carol here (through your host)')
      assert.deepEqual(live, ['hi bob, carol here (through your host)'])
      await bob.api.acceptRequest(request!.id, { name: 'carol' })
      assert.equal((await bob.api.requests()).requests.length, 0)
      // The request text is the first message of the chat, on Bob's side and on Carol's.
      await inboxHas(bob, request!.id, 'the request text in bob inbox')
      const first = (await bob.api.inbox()).messages.find((m) => m.id === request!.id)!
      assert.equal(first.from, carolUser)
      assert.equal(first.body, 'hi bob, carol here (through your host)')
      const mine = (await carol.api.inbox({ all: true })).messages.find((m) => m.id === request!.id)
      assert.equal(mine?.direction, 'out')
      await connectedToUser(carol, bobUser)
      const m1 = await carol.api.send({ to: ['bob'], body: 'second message' })
      await inboxHas(bob, m1.id, 'bob has carol message')
      const m2 = await bob.api.send({ to: ['carol'], body: 'and back' })
      await inboxHas(carol, m2.id, 'carol has bob message')
      // The host dropped it once the laptop decided (the drop rides the next query).
      await waitFor(
        async () => (await host.daemon.account.vault.get('local.held')) !== undefined,
        WAIT,
      )
      await bob.daemon.network?.pullHeld()
      const held = JSON.parse(
        new TextDecoder().decode((await host.daemon.account.vault.get('local.held'))!),
      ) as { held: unknown[] }
      assert.deepEqual(held.held, [])
    },
  )
})
