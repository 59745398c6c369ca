/**
 * Many stores over one pool and one LISTEN connection (docs/scale.md §9 "Shared resources"):
 * stores of several schemas borrow one pool that closing a store never ends; their journal
 * watches share one listening connection and each hears only its own schema; the connection
 * cut by a fault proxy is replaced and every watcher is told the committed head; the whole
 * schema's usage (the host's per-user quota) is counted.
 * @module
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { FaultProxy, waitFor } from '@sdmp/testkit'
import { toBase64url, utf8 } from '@sdmp/core'
import { createSharedPostgres } from '../src/index.js'
import {
  adminPool,
  dropSchema,
  pgStore,
  postgresSelected,
  randomSchema,
  sha512,
} from './pg-test-env.js'

const FP = toBase64url(sha512(utf8('shared test node')))

function item(n: number) {
  const bytes = utf8(`{"shared":${n}}`)
  return { id: toBase64url(sha512(bytes)), user: FP, kind: 'message', created: 1, bytes }
}

/** Connections of this application name now open on the server. */
async function connections(admin: ReturnType<typeof adminPool>, app: string): Promise<number> {
  const r = await admin.query(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
    [app],
  )
  return Number((r.rows[0] as { n: string }).n)
}

if (postgresSelected('shared-postgres')) {
  const url = new URL(process.env['PG_URL']!)
  const admin = adminPool(url.href)
  after(() => admin.end())

  describe('postgres: stores sharing one pool and one listener', () => {
    it('postgres: three schemas, one listening connection, signals per schema', async () => {
      const schemas = [randomSchema(), randomSchema(), randomSchema()]
      for (const s of schemas) after(() => dropSchema(admin, s))
      const app = `sdmp_shared_${Date.now()}`
      const pg = createSharedPostgres({ url: url.href, maxConnections: 3, applicationName: app })
      after(() => pg.close())
      const stores = schemas.map((schema) => pg.store({ schema, sha512 }))
      const seen = schemas.map(() => [] as number[])
      const watches = []
      for (const [i, s] of stores.entries()) {
        await s.open()
        await s.initJournal(FP)
        watches.push(await s.watchJournal((head) => seen[i]!.push(head)))
      }
      assert.equal(pg.hub.channels, 3)
      // Other writers (as other processes) append to the first two schemas only.
      const writers = schemas.slice(0, 2).map((s) => pgStore(url.href, s, 1))
      for (const w of writers) after(() => w.close())
      const [a] = await writers[0]!.putResources([item(1)])
      const [b] = await writers[1]!.putResources([item(3)])
      await waitFor(() => seen[0]!.includes(a!.position) && seen[1]!.includes(b!.position), {
        what: 'both schemas signalled',
      })
      assert.deepEqual(seen[2], [], 'the third schema heard nothing of the others')
      // At most the pool's size is open, listening included, for all three stores.
      assert.ok((await connections(admin, app)) <= 3)
      // Closing a store ends its use, not the shared pool.
      await watches[2]!.close()
      await stores[2]!.close()
      assert.equal(pg.hub.channels, 2)
      assert.equal((await stores[0]!.usageTotal()).count, 1)
      const usage = await stores[1]!.usageTotal()
      assert.deepEqual(usage, { count: 1, bytes: item(3).bytes.length })
      for (const w of watches.slice(0, 2)) await w.close()
      assert.equal(pg.hub.channels, 0)
      for (const s of stores.slice(0, 2)) await s.close()
    })

    it(
      'postgres: a cut listening connection is replaced and every watcher gets its head',
      { timeout: 60_000 },
      async () => {
        const schemas = [randomSchema(), randomSchema()]
        for (const s of schemas) after(() => dropSchema(admin, s))
        const proxy = await FaultProxy.start({
          target: { host: url.hostname, port: Number(url.port || 5432) },
        })
        after(() => proxy.close())
        const viaProxy = new URL(url.href)
        viaProxy.host = `127.0.0.1:${proxy.port}`
        const pg = createSharedPostgres({ url: viaProxy.href, maxConnections: 4 })
        after(() => pg.close())
        const stores = schemas.map((schema) => pg.store({ schema, sha512 }))
        const seen = schemas.map(() => [] as number[])
        for (const [i, s] of stores.entries()) {
          await s.open()
          await s.initJournal(FP)
          const w = await s.watchJournal((head) => seen[i]!.push(head))
          after(() => w.close())
        }
        for (const s of stores) after(() => s.close())
        const writers = schemas.map((s) => pgStore(url.href, s, 1))
        for (const w of writers) after(() => w.close())
        proxy.cut()
        const heads: { position: number }[] = []
        for (const [i, w] of writers.entries())
          heads.push((await w.putResources([item(10 + i)]))[0]!)
        proxy.heal()
        await waitFor(() => heads.every((h, i) => seen[i]!.some((p) => p >= h.position)), {
          timeout: 30_000,
          what: 'both watchers told the head after the reconnect',
        })
      },
    )
  })
}
