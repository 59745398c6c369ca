/**
 * Issue 16, the profile (docs/protocol/schemas.md "user", docs/messaging.md "Profile"): a new
 * display name is published as a signed update of the user's profile, reaches a contact by
 * sync and shows beside the name the contact chose; a profile for the user signed by anyone
 * else (the hostile case) is never stored, so it never shows.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriendDaemons,
  createAccount,
  startDaemon,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'

afterEach(stopDaemons)

const displayName = async (n: TestDaemon, name: string) =>
  (await n.api.contacts()).contacts.find((c) => c.name === name)?.displayName

describe('profile', () => {
  it(
    'a new display name reaches a contact; a forged one never shows',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-profile-')
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const carol = await startDaemon(await createAccount(dir, 'carol'))
      await befriendDaemons(alice, 'alice', bob, 'bob')
      await befriendDaemons(bob, 'bob', carol, 'carol')
      assert.equal(await displayName(bob, 'alice'), 'alice')

      const old = await alice.api.profile()
      const set = await alice.api.setProfile({ name: 'Alice Liddell' })
      assert.equal(set.name, 'Alice Liddell')
      assert.ok(set.updated! > old.updated!)
      assert.deepEqual(await alice.api.profile(), set)
      assert.equal((await alice.api.whoami()).name, 'Alice Liddell')
      await waitFor(async () => (await displayName(bob, 'alice')) === 'Alice Liddell', {
        timeout: 30_000,
        interval: 20,
        what: "bob to see alice's new display name",
      })
      const c = (await bob.api.contacts()).contacts.find((x) => x.name === 'alice')
      assert.equal(c?.name, 'alice', 'the name bob chose stays')

      // Carol signs a profile claiming to be Alice's and offers it to Bob's node.
      const aliceUser = (await alice.api.whoami()).user!
      const ca = carol.daemon.account
      const forged = ca.signWith(ca.nodeKey, {
        kind: 'user',
        user: aliceUser,
        data: { name: 'Mallory' },
        created: Date.now() + 60_000,
      })
      const [outcome] = await bob.daemon.account.ingestor.ingest([forged.bytes], {
        source: 'carol',
      })
      assert.notEqual(outcome?.status, 'stored')
      assert.notEqual(outcome?.status, 'duplicate')
      assert.equal(await displayName(bob, 'alice'), 'Alice Liddell')
    },
  )
})
