/**
 * A host for many unrelated users (docs/scale.md §9), measured for the `hosts` group: how many
 * hosted users one process runs (each a tenant node with its own schema, all on one pool and one
 * LISTEN connection), the RSS each costs, and how long starting them takes.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { authorizeDevice, createInvite } from '@sdmp/daemon'
import { Host, createTenant, joinTenant, newHostConfig, writeNewHost } from '@sdmp/daemon/host'
import type { HostDeps } from '@sdmp/daemon/host'
import { createSharedPostgres } from '@sdmp/store-postgres'
import type { SharedPostgres } from '@sdmp/store-postgres'
import { tmpDir } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import { createAccount, hostDepsOn } from '@sdmp/testkit/daemon-world'

const GROUP = 'hosts'

/** A fresh process's RSS and heap with the host of `home` started (host-rss-child.ts). */
function childHost(home: string, url: string): { users: number; rss: number; heap: number } {
  const child = fileURLToPath(new URL('./host-rss-child.js', import.meta.url))
  const out = execFileSync(process.execPath, ['--expose-gc', child, home, url], {
    encoding: 'utf8',
    timeout: 300_000,
  })
  return JSON.parse(out.trim().split('\n').pop()!) as { users: number; rss: number; heap: number }
}

/**
 * A new host home under `dir` and a maker of host deps: each call opens one more shared pool
 * (one per host instance, as separate processes would have), all listed in `pools` to close.
 */
export function newHostHome(url: string, dir: string, prefix: string, maxConnections: number) {
  const home = join(dir, 'host')
  writeNewHost(home, newHostConfig({ store: url, schemaPrefix: prefix }))
  const pools: SharedPostgres[] = []
  const depsFor = (): HostDeps => {
    const pg = createSharedPostgres({ url, maxConnections })
    pools.push(pg)
    // As `sdmp host start`: one instance at a time dials (docs/scale.md §9).
    return hostDepsOn(home, pg, 200)
  }
  return { home, pools, depsFor }
}

/** A host home with `users` joined tenants, each authorized by a user account of its own. */
async function hostWorld(url: string, dir: string, prefix: string, users: number) {
  const { home, pools, depsFor } = newHostHome(url, dir, prefix, 20)
  const deps = depsFor()
  const names: string[] = []
  for (let i = 0; i < users; i++) {
    const name = `t${i}`
    const user = await createAccount(dir, `user${i}`)
    const made = await createTenant(deps, name)
    await authorizeDevice(user, made.request, { hostOnly: true })
    const invite = await createInvite(user, user.requireUser())
    await user.close()
    await joinTenant(deps, invite)
    names.push(name)
  }
  return { home, deps, depsFor, names, pools }
}

/** Rows: users hosted, RSS per hosted user, time to start them. */
async function capacity(url: string, ctx: BenchContext, users: number): Promise<BenchResult[]> {
  const dir = tmpDir(() => undefined, 'sdmp-bench-tenants-')
  const prefix = `bt${randomBytes(4).toString('hex')}_`
  const world = await hostWorld(url, dir, prefix, users)
  // RSS in fresh processes: a host of every user against a host of none (an empty host home).
  const empty = join(dir, 'empty-host')
  writeNewHost(empty, newHostConfig({ store: url, schemaPrefix: `${prefix}none_` }))
  const none = childHost(empty, url)
  const all = childHost(world.home, url)
  const perUser = (all.rss - none.rss) / 2 ** 20 / all.users
  const heapPerUser = (all.heap - none.heap) / 2 ** 20 / all.users
  const t0 = performance.now()
  const host = await Host.start({ deps: world.deps, listen: { host: '127.0.0.1', port: 0 } })
  const startSeconds = (performance.now() - t0) / 1000
  const connections = world.pools[0]!.hub.channels
  const hosted = host.tenants.length
  await host.stop()
  const admin = world.pools[0]!
  for (const n of world.names)
    await admin.pool.query(`DROP SCHEMA IF EXISTS "${prefix}${n}" CASCADE`)
  await Promise.all(world.pools.map((p) => p.close()))
  ctx.log(`hosts: ${users} tenants started in ${startSeconds.toFixed(1)} s`)
  return [
    {
      group: GROUP,
      name: 'hosts: users hosted in one process',
      value: hosted,
      unit: 'users',
      notes: `each a tenant node (own key, home, schema) of one host process; all started in ${startSeconds.toFixed(1)} s (vault opened with the cheapest scrypt); one pool of 20 connections and one LISTEN connection for ${connections} schemas`,
    },
    {
      group: GROUP,
      name: 'hosts: RSS per hosted user',
      value: perUser,
      unit: 'MiB',
      lowerIsBetter: true,
      notes: `RSS of a fresh process running the host of ${all.users} idle users (no device connected) minus that of a fresh process running a host of none (${(none.rss / 2 ** 20).toFixed(1)} MiB), divided by users, after GC; JS heap ${heapPerUser.toFixed(3)} MiB per user`,
    },
  ]
}

/** The capacity rows of the multi-user host (deliveries through it: host-deliveries.ts). */
export async function tenantRows(url: string, ctx: BenchContext): Promise<BenchResult[]> {
  const users = Math.max(10, Math.round(100 * ctx.scale))
  ctx.log(`hosts: ${users} hosted users in one process`)
  return capacity(url, ctx, users)
}
