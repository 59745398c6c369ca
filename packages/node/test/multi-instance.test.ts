/**
 * Several instances of one host node over one PostgreSQL schema (docs/scale.md "Several
 * instances"): Alice's laptop is connected to instance 1, Bob's phone to instance 2. What one
 * instance stores reaches the peers of the other at once, through LISTEN/NOTIFY and the
 * ingestor's follower, without any poll: Bob's prekey travels phone -> instance 2 -> laptop
 * (via instance 1), and Alice's sealed message laptop -> instance 1 -> phone (via instance 2).
 * @module
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { createPgPool, createPostgresStore } from '@sdmp/store-postgres'
import { waitFor } from '@sdmp/testkit'
import {
  befriend,
  introduce,
  journalIds,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  provider,
  publishPrekey,
  sendSealed,
  shutdownAll,
} from '@sdmp/testkit/node-world'
import { tmpDir } from '@sdmp/testkit'

const PG_URL = process.env['PG_URL'] || undefined

describe(
  'host instances on one PostgreSQL database',
  { skip: PG_URL ? false : 'PG_URL is unset' },
  () => {
    after(shutdownAll)

    it(
      'delivers between users connected to different instances, promptly',
      { timeout: 60_000 },
      async () => {
        const schema = `sdmp_test_${randomBytes(6).toString('hex')}`
        const admin = createPgPool({ url: PG_URL!, maxConnections: 1 })
        after(async () => {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
          await admin.end()
        })
        const instance = () =>
          createPostgresStore({ url: PG_URL!, schema, sha512: provider.sha512, maxConnections: 4 })

        const alice = makeUser('alice', 1)
        const bob = makeUser('bob', 2)
        befriend(alice, bob)
        befriend(bob, alice)
        const hostId = makeNodeIdentity('alice-host', alice, 111, ['read_resource'])
        const laptop = await openDiskNode(
          makeNodeIdentity('alice-laptop', alice, 101),
          tmpDir(after),
        )
        const phone = await openDiskNode(makeNodeIdentity('bob-phone', bob, 102), tmpDir(after))
        const one = await openDiskNode(hostId, 'pg-instance-1', { store: instance(), follow: true })
        const two = await openDiskNode(hostId, 'pg-instance-2', { store: instance(), follow: true })
        for (const n of [laptop, phone, one, two]) await introduce(n, alice, bob)

        await one.start()
        await two.start()
        await laptop.start({ peers: [one.address()], listen: false })
        await phone.start({ peers: [two.address()], listen: false })
        await waitFor(() => one.engine.sessions.has(laptop.key.fingerprint), {
          what: 'laptop on 1',
        })
        await waitFor(() => two.engine.sessions.has(phone.key.fingerprint), { what: 'phone on 2' })

        // Bob's prekey: phone -> instance 2 -> (store, NOTIFY) -> instance 1 -> laptop.
        const bobPrekey = await publishPrekey(phone)
        await waitFor(() => laptop.has(bobPrekey), { what: "bob's prekey on alice's laptop" })
        await publishPrekey(laptop)

        // Alice's message: laptop -> instance 1 -> (store, NOTIFY) -> instance 2 -> phone.
        const envelope = await sendSealed(laptop, [bob], 'hello from instance 1')
        await waitFor(() => phone.has(envelope), { what: "alice's message on bob's phone" })

        // Both instances see one chain holding each resource once.
        const ids = await journalIds(one)
        assert.deepEqual(ids, await journalIds(two))
        assert.equal(new Set(ids).size, ids.length)
        assert.ok(ids.includes(envelope) && ids.includes(bobPrekey))
      },
    )
  },
)
