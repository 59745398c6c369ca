/**
 * Child process of the `hosts` group's "RSS per hosted user" row (host-tenants.ts): starts the
 * multi-user host of the host home named on the command line, as `sdmp host start` would, and
 * prints its RSS after a GC. A fresh process, so nothing else (the accounts set up before, the
 * devices) lends it allocator slack: the difference between a host of N users and a host of
 * none, divided by N, is what each hosted user costs.
 * Usage: node --expose-gc host-rss-child.js HOME PG_URL
 * @module
 */
import { Host } from '@sdmp/daemon/host'
import { createSharedPostgres } from '@sdmp/store-postgres'
import { hostDepsOn } from '@sdmp/testkit/daemon-world'

const [home, url] = process.argv.slice(2)
if (home === undefined || url === undefined) throw new Error('usage: host-rss-child HOME PG_URL')
const pg = createSharedPostgres({ url, maxConnections: 20 })
const host = await Host.start({
  deps: hostDepsOn(home, pg),
  listen: { host: '127.0.0.1', port: 0 },
})
const gc = (globalThis as { gc?: () => void }).gc
for (let i = 0; i < 3; i++) gc?.()
const rss = process.memoryUsage().rss
const heap = process.memoryUsage().heapUsed
process.stdout.write(`${JSON.stringify({ users: host.tenants.length, rss, heap })}\n`)
await host.stop()
await pg.close()
