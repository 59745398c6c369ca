/**
 * Daemons with a rendezvous directory (issue 17, docs/protocol/relays.md §6.1): a node registers
 * its signed address record on start and refreshes it before it expires; a peer whose known
 * addresses of a node all fail looks the node up and reaches it at what the record says.
 * @module
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { after, afterEach, describe, it } from 'node:test'
import { ErrorCode, isProtocolError, signingKeyFromSeed } from '@sdmp/core'
import { tmpDir, waitFor } from '@sdmp/testkit'
import { provider } from '@sdmp/testkit/node-world'
import {
  accountDeps,
  createAccount,
  inboxHas,
  startDaemon,
  stopDaemon,
  stopDaemons,
  waitPeer,
} from '@sdmp/testkit/daemon-world'
import {
  Account,
  RendezvousLink,
  lookupAddressRecord,
  startRendezvousServer,
} from '../src/index.js'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }

async function directory() {
  const s = await startRendezvousServer({ provider, listen: { host: '127.0.0.1', port: 0 } })
  after(() => s.close())
  return s
}

/** Hold `port` on loopback with a server that drops every connection: that address is dead. */
async function holdDead(port: number): Promise<Server> {
  const server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return server
}

describe('daemons and the rendezvous directory', () => {
  it('bob reaches alice, restarted on another port, through her record in the directory', async () => {
    const dir = tmpDir(after, 'sdmp-rdv-')
    const rdv = await directory()
    const options = { rendezvous: rdv.url, rendezvousTiming: { retryMs: 50 } }
    let alice = await startDaemon(await createAccount(dir, 'alice'), options)
    // Bob never listens: alice cannot dial him, so every connection between them is bob's dial.
    const bob = await startDaemon(await createAccount(dir, 'bob'), { ...options, listen: false })
    await bob.api.addContact({ invite: (await alice.api.invite()).invite, name: 'alice' })
    await alice.api.addContact({ invite: (await bob.api.invite()).invite, name: 'bob' })
    const aliceNode = (await alice.api.whoami()).node
    const first = alice.daemon.network!.listenAddress!
    await waitPeer(bob.api, (p) => p.node === aliceNode && p.address === first, {
      ...WAIT,
      what: 'bob connected to alice at her first address',
    })
    await waitFor(() => alice.daemon.network!.rendezvous!.status().registered !== null, {
      ...WAIT,
      what: 'alice registered in the directory',
    })
    assert.deepEqual(
      (await lookupAddressRecord(rdv.url, aliceNode, provider, Date.now())).addresses,
      [first],
    )

    // Alice restarts on another port; her first one now refuses everything.
    await stopDaemon(alice)
    await holdDead(Number(first.slice(first.lastIndexOf(':') + 1)))
    alice = await startDaemon(await Account.open(accountDeps(alice.home)), options)
    const second = alice.daemon.network!.listenAddress!
    assert.notEqual(second, first)

    // Bob only knows the first address (alice's new node record cannot reach him): he finds
    // her through the directory and reaches her there.
    await waitPeer(bob.api, (p) => p.node === aliceNode && p.address === second, {
      ...WAIT,
      what: 'bob connected to alice at the address the directory gave',
    })
    assert.ok(
      bob.events.some((e) => e.name === 'rendezvous-found' && e.detail['node'] === aliceNode),
    )
    const hello = await bob.api.send({ to: ['alice'], body: 'found you' })
    await inboxHas(alice, hello.id, 'alice to get bob’s message')
  })

  it('refuses a rendezvous that is not an http(s) URL before anything starts', async () => {
    const dir = tmpDir(after, 'sdmp-rdv-bad-')
    const account = await createAccount(dir, 'bob')
    try {
      for (const url of ['ftp://example.org', 'not a url', 'https://user:pw@example.org'])
        await assert.rejects(startDaemon(account, { rendezvous: url }), (e) =>
          isProtocolError(e, ErrorCode.BAD_REQUEST),
        )
    } finally {
      await account.close()
    }
  })

  it('refreshes the record before it expires, with a growing seq', async () => {
    const rdv = await directory()
    const key = signingKeyFromSeed(provider, provider.randomBytes(32))
    const link = new RendezvousLink({
      url: rdv.url,
      provider,
      key,
      clock: Date.now,
      timing: { lifetimeMs: 400, retryMs: 50 },
      onFound: () => undefined,
    })
    after(() => link.stop())
    await link.register(['127.0.0.1:9'])
    const seq = (await lookupAddressRecord(rdv.url, key.fingerprint, provider, Date.now())).seq
    await waitFor(
      async () =>
        (await lookupAddressRecord(rdv.url, key.fingerprint, provider, Date.now())).seq > seq,
      { ...WAIT, what: 'a newer record registered before the first expired' },
    )
    // The same addresses again: no new registration; new addresses: registered at once.
    await link.register(['127.0.0.1:10'])
    assert.deepEqual(
      (await lookupAddressRecord(rdv.url, key.fingerprint, provider, Date.now())).addresses,
      ['127.0.0.1:10'],
    )
  })

  it('a directory that does not answer is retried; the daemon starts anyway', async () => {
    const dir = tmpDir(after, 'sdmp-rdv-down-')
    const dead = await holdDead(0)
    const port = (dead.address() as { port: number }).port
    const alice = await startDaemon(await createAccount(dir, 'alice'), {
      rendezvous: `http://127.0.0.1:${port}`,
      rendezvousTiming: { retryMs: 50 },
    })
    await waitFor(() => alice.daemon.network!.rendezvous!.status().lastError === 'unavailable', {
      ...WAIT,
      what: 'the registration failed with a code',
    })
    assert.ok(alice.daemon.network!.listenAddress, 'the node runs')
  })
})
