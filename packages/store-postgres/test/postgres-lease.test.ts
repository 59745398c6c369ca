/**
 * The lease among the processes of one database (postgres-lease.ts, docs/scale.md §9): of
 * three processes naming one lease exactly one holds it; when the holder gives it up, or its
 * connection is killed on the server (as a crashed process's would end), another takes it over
 * and the old holder is told it lost it. Leases of other names are independent.
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { waitFor } from '@sdmp/testkit'
import { createSharedPostgres } from '../src/index.js'
import type { PgLease, SharedPostgres } from '../src/index.js'
import { adminPool, postgresSelected } from './pg-test-env.js'

if (postgresSelected('postgres-lease')) {
  const url = process.env['PG_URL']!
  const admin = adminPool(url)
  after(() => admin.end())

  describe('postgres: a lease among processes', () => {
    it('postgres: one holder at a time; given up or killed, another takes it', async () => {
      const app = `sdmp_lease_${randomBytes(4).toString('hex')}`
      const name = `test:${app}`
      // Three "processes": each its own pool, as separate `sdmp host start` instances.
      const pgs: SharedPostgres[] = [0, 1, 2].map(() =>
        createSharedPostgres({ url, maxConnections: 2, applicationName: app }),
      )
      const leases: PgLease[] = pgs.map((pg) => pg.lease(name, 50))
      after(async () => {
        for (const l of leases) await l.close()
        for (const pg of pgs) await pg.close()
      })
      const holders = () => leases.slice(0, 3).filter((l) => l.held)
      await waitFor(() => holders().length === 1, { what: 'one holder' })
      // Several rounds of tries later there is still exactly one.
      for (const l of leases) await l.settled()
      await new Promise<void>((resolve) => setImmediate(resolve))
      assert.equal(holders().length, 1)
      // Another name is another lease: its own holder, whatever holds the first.
      const other = pgs[0]!.lease(`${name}:other`, 50)
      leases.push(other) // closed before the pools (a pool ends once its clients are back)
      await waitFor(() => other.held, { what: 'the other lease held' })

      // The holder gives it up: another process takes it, and only one.
      const first = holders()[0]!
      const changes: boolean[] = []
      first.onChange((held) => changes.push(held))
      await first.close()
      assert.equal(first.held, false)
      assert.deepEqual(changes, [false])
      await waitFor(() => holders().length === 1, { what: 'a second holder' })
      const second = holders()[0]!
      assert.notEqual(second, first)

      // The second holder's connection is killed on the server (as a crashed process's would
      // end): it is told, and a process (the third, or itself once reconnected) holds it again.
      const lost: boolean[] = []
      second.onChange((held) => lost.push(held))
      const killed = await admin.query(
        `SELECT pg_terminate_backend(l.pid) AS ok FROM pg_locks l
           JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1
            AND l.objid = (hashtext($2)::bigint & 4294967295)::oid`,
        [app, `sdmp:${name}`],
      )
      assert.equal(killed.rows.length, 1, 'one connection held the lock')
      await waitFor(() => lost[0] === false, { what: 'the holder told it lost the lease' })
      await waitFor(() => holders().length === 1, { what: 'a holder again' })
      assert.ok(other.held, 'the other lease was not touched')
    })
  })
}
