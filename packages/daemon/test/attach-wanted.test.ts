/**
 * Wanted blobs survive a restart (docs/protocol/attachments.md §3): a node that indexed a
 * message whose blob no peer could give it, and restarted before fetching it, still fetches
 * the blob once a peer holding it connects, without the message being shown or offered again.
 * @module
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { chunksOf, collect, fileBytes, once, tmpDir, waitFor } from '@sdmp/testkit'
import {
  accountDeps as deps,
  befriendDaemons as befriend,
  connectedTo,
  createAccount as create,
  download,
  startDaemon as start,
  stopDaemon as stop,
  stopDaemons as stopAll,
} from '@sdmp/testkit/daemon-world'
import { Account } from '../src/account/index.js'
import { WANTED_NS } from '@sdmp/node'

afterEach(stopAll)

describe('wanted blobs across a restart', () => {
  it(
    'fetches a blob wanted before the restart once a peer holding it connects',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-attach-wanted-')
      const alice = await start(await create(dir, 'alice'))
      let bob = await start(await create(dir, 'bob'))
      await befriend(alice, 'alice', bob, 'bob')
      const aliceNode = (await alice.api.whoami()).node
      await connectedTo(bob, aliceNode)

      // Alice sends while Bob is away, then loses the blob: nobody can serve it for now.
      const bobHome = bob.home
      await stop(bob)
      const file = fileBytes(400_000, 21)
      const blob = await alice.api.uploadBlob(chunksOf(file))
      const sent = await alice.api.send({
        to: ['bob'],
        body: 'for later',
        attachments: [{ ...blob, name: 'later.bin' }],
      })
      const aliceStore = alice.daemon.account.store
      const sealed = await collect((await aliceStore.getBlob(blob.hash))!)
      await aliceStore.deleteBlob(blob.hash)

      // Bob indexes the message and wants the blob; Alice answers not_found.
      bob = await start(await Account.open(deps(bobHome)))
      await waitFor(
        async () => (await bob.daemon.account.store.getLocal(WANTED_NS, blob.hash)) !== undefined,
        { timeout: 60_000, what: 'the wanted record on bob' },
      )
      await waitFor(() => bob.events.some((e) => e.name === 'blob-fetch'), {
        timeout: 30_000,
        what: 'bob to ask alice',
      })
      assert.equal(await bob.daemon.account.store.hasBlob(blob.hash), false)
      await stop(bob)

      // Alice holds the blob again (no offer); Bob restarts and asks on connecting.
      await aliceStore.putBlob(once(sealed))
      bob = await start(await Account.open(deps(bobHome)))
      await waitFor(() => bob.daemon.account.store.hasBlob(blob.hash), {
        timeout: 60_000,
        what: 'the blob on bob after the restart',
      })
      // The record goes right after the blob is stored.
      await waitFor(
        async () => (await bob.daemon.account.store.getLocal(WANTED_NS, blob.hash)) === undefined,
        { timeout: 10_000, what: 'the wanted record to go' },
      )
      assert.equal(bob.daemon.network?.engine.blobs.wanted, 0)
      assert.deepEqual(await download(bob, sent.id, 0), file)
    },
  )
})
