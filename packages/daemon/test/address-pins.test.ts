/**
 * Issue 17, pinning (docs/protocol/addresses.md §4): what happens at an address already pinned.
 * A rotation of the pinned identity (keys.md §5) is followed: the contact moves and the pin
 * follows. An identity its owner revoked is refused with REVOKED and the pin stays. Real
 * daemons serve their documents over plain HTTP, named by a real DNS server on 127.0.0.1.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { tmpDir } from '@sdmp/testkit'
import { createAccount, startDaemon, startDnsServer, stopDaemons } from '@sdmp/testkit/daemon-world'
import type { TestDaemon, TestDnsServer } from '@sdmp/testkit/daemon-world'
import { readPins } from '@sdmp/daemon'

const BOB = 'bob@example.test'

let dns: TestDnsServer
before(async () => {
  dns = await startDnsServer()
})
after(() => dns.close())
afterEach(stopDaemons)

/** Name `node`'s API (plain HTTP) as the sdmp host of example.test, by SVCB. */
function publish(node: TestDaemon): void {
  const port = Number(new URL(node.daemon.apiUrl!).port)
  dns.zone.set('localhost', [{ type: 'A', ip: '127.0.0.1' }])
  dns.zone.set('_sdmp.example.test', [{ type: 'SVCB', priority: 1, host: 'localhost.', port }])
}

/** Bob claims bob@example.test, his node is published, Alice adds (and pins) him. */
async function pinnedBob(): Promise<{ alice: TestDaemon; bob: TestDaemon; bobUser: string }> {
  const dir = tmpDir(after, 'sdmp-address-pins-')
  const bob = await startDaemon(await createAccount(dir, 'bob'))
  const alice = await startDaemon(await createAccount(dir, 'alice'), {
    addressLookup: { dnsServers: [dns.address] },
  })
  await bob.api.setAddress({ address: BOB })
  publish(bob)
  const bobUser = (await bob.api.whoami()).user!
  assert.equal((await alice.api.addContact({ invite: BOB, insecureHttp: true })).user, bobUser)
  const pins = await readPins(alice.daemon.account)
  assert.deepEqual(
    pins.map((p) => [p.address, p.user]),
    [[BOB, bobUser]],
  )
  return { alice, bob, bobUser }
}

describe('address pins', () => {
  it(
    'follows a rotation of the pinned identity: the contact moves and the pin follows',
    { timeout: 120_000 },
    async () => {
      const { alice, bob, bobUser } = await pinnedBob()
      const rotated = await bob.api.rotateIdentity()
      assert.equal(rotated.previous, bobUser)
      // The new identity keeps the claim: its profile still names the address.
      assert.equal((await bob.api.profile()).address, BOB)

      const again = await alice.api.addContact({ invite: BOB, insecureHttp: true })
      assert.equal(again.user, rotated.user)
      assert.equal(again.address, BOB)
      const pins = await readPins(alice.daemon.account)
      assert.deepEqual(
        pins.map((p) => [p.address, p.user]),
        [[BOB, rotated.user]],
        'the pin moved to the new identity',
      )
      const contacts = (await alice.api.contacts()).contacts
      assert.deepEqual(
        contacts.map((c) => [c.name, c.user]),
        [['bob', rotated.user]],
        'the contact moved, keeping its name',
      )
      const graph = alice.daemon.account.ingestor.graph
      assert.equal(graph.currentOf(bobUser), rotated.user)
      assert.equal(graph.trustsUser((await alice.api.whoami()).user!, bobUser, Date.now()), false)
    },
  )

  it(
    'refuses an identity its owner revoked with REVOKED, and keeps the pin',
    { timeout: 120_000 },
    async () => {
      const { alice, bob, bobUser } = await pinnedBob()
      // Bob's key was stolen: he revokes his own identity with it (trust.md §6).
      const account = bob.daemon.account
      const identityId = account.ingestor.graph.identity(bobUser)!.id
      await account.publish([
        account.signWith(account.userKey!, {
          kind: 'revoke',
          user: bobUser,
          data: { resource: identityId, reason: 'key compromised' },
        }),
      ])
      const before = await readPins(alice.daemon.account)
      await assert.rejects(alice.api.addContact({ invite: BOB, insecureHttp: true }), {
        code: 'REVOKED',
      })
      assert.deepEqual(await readPins(alice.daemon.account), before, 'the pin stays')
      assert.deepEqual(
        (await alice.api.contacts()).contacts.map((c) => [c.name, c.user]),
        [['bob', bobUser]],
      )
    },
  )
})
