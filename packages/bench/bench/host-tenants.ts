/**
 * A host for many unrelated users (docs/scale.md §9), measured for the `hosts` group: how many
 * hosted users one process runs (each a tenant node with its own schema, all on one pool and one
 * LISTEN connection), the RSS each costs, and sealed messages delivered per second through the
 * host with 1, 2 and 4 instances. Instances are `Host` objects in this process, each with its
 * own pool and listener as a separate process would have; they share one event loop, so the
 * rows show the cost of the cross-instance path, not the gain of more CPUs. Recipients connect
 * while only the first instance runs and senders after the last one started (each instance
 * publishes its own address, the last one wins), so with several instances every message
 * crosses instances through NOTIFY and the journal.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Account, authorizeDevice, createInvite } from '@sdmp/daemon'
import { Host, createTenant, joinTenant, newHostConfig, writeNewHost } from '@sdmp/daemon/host'
import type { HostDeps } from '@sdmp/daemon/host'
import { createSharedPostgres } from '@sdmp/store-postgres'
import type { SharedPostgres } from '@sdmp/store-postgres'
import { tmpDir, waitFor } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  CHEAP_SCRYPT,
  accountDeps,
  befriendDaemons,
  connectedTo,
  createAccount,
  startDaemon,
  stopDaemon,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'
import { provider } from '@sdmp/testkit/node-world'

const GROUP = 'hosts'
const FAST = { initialMs: 50, maxMs: 500 }

const rssMiB = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().rss / 2 ** 20
}

/** A host home with `users` joined tenants, each authorized by a user account of its own. */
async function hostWorld(url: string, dir: string, prefix: string, users: number) {
  const home = join(dir, 'host')
  writeNewHost(home, newHostConfig({ store: url, schemaPrefix: prefix }))
  const pools: SharedPostgres[] = []
  const depsFor = (): HostDeps => {
    const pg = createSharedPostgres({ url, maxConnections: 20 })
    pools.push(pg)
    return {
      home,
      provider,
      scrypt: CHEAP_SCRYPT,
      createStore: (schema) => pg.store({ schema, sha512: provider.sha512 }),
    }
  }
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
  const before = rssMiB()
  const t0 = performance.now()
  const host = await Host.start({ deps: world.deps, listen: { host: '127.0.0.1', port: 0 } })
  const startSeconds = (performance.now() - t0) / 1000
  const perUser = (rssMiB() - before) / users
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
      notes: `RSS growth from starting ${users} idle tenants (no device connected), divided by users, after GC when --expose-gc`,
    },
  ]
}

/** Sealed messages per second from senders to recipients through `instances` host instances. */
async function deliveries(
  url: string,
  instances: number,
  pairs: number,
  perSender: number,
): Promise<number> {
  const dir = tmpDir(() => undefined, 'sdmp-bench-host-deliver-')
  const prefix = `bd${randomBytes(4).toString('hex')}_`
  const home = join(dir, 'host')
  writeNewHost(home, newHostConfig({ store: url, schemaPrefix: prefix }))
  const pools: SharedPostgres[] = []
  const depsFor = (): HostDeps => {
    const pg = createSharedPostgres({ url, maxConnections: 10 })
    pools.push(pg)
    return {
      home,
      provider,
      scrypt: CHEAP_SCRYPT,
      createStore: (schema) => pg.store({ schema, sha512: provider.sha512 }),
    }
  }
  const hosts: Host[] = []
  const daemons: TestDaemon[] = []
  try {
    const deps = depsFor()
    const recipients: TestDaemon[] = []
    const tenants: string[] = []
    for (let k = 0; k < pairs; k++) {
      const r = await startDaemon(await createAccount(dir, `r${k}`), { backoff: FAST })
      daemons.push(r)
      const made = await createTenant(deps, `r${k}`)
      await r.api.authorizeDevice({ request: made.request, hostOnly: true })
      await joinTenant(deps, (await r.api.invite()).invite)
      recipients.push(r)
      tenants.push(made.node)
    }
    hosts.push(await Host.start({ deps, listen: { host: '127.0.0.1', port: 0 }, backoff: FAST }))
    for (const [k, r] of recipients.entries()) await connectedTo(r, tenants[k]!)
    // Recipients stop listening, so only the host reaches them: they dial instance 1.
    for (let k = 0; k < pairs; k++) {
      const home = recipients[k]!.home
      await stopDaemon(recipients[k]!)
      daemons.splice(daemons.indexOf(recipients[k]!), 1)
      recipients[k] = await startDaemon(await Account.open(accountDeps(home)), {
        backoff: FAST,
        listen: false,
      })
      daemons.push(recipients[k]!)
      await connectedTo(recipients[k]!, tenants[k]!)
    }
    for (let i = 1; i < instances; i++)
      hosts.push(
        await Host.start({
          deps: depsFor(),
          listen: { host: '127.0.0.1', port: 0 },
          instance: `i${i}`,
          backoff: FAST,
        }),
      )
    // Senders (never listening) befriend the recipients and dial the last published address.
    const senders: TestDaemon[] = []
    for (let k = 0; k < pairs; k++) {
      const s = await startDaemon(await createAccount(dir, `s${k}`), {
        backoff: FAST,
        listen: false,
      })
      daemons.push(s)
      await befriendDaemons(recipients[k]!, `r${k}`, s, `s${k}`)
      await connectedTo(s, tenants[k]!)
      senders.push(s)
    }
    // A first message each, so sessions and prekeys are settled before timing.
    for (let k = 0; k < pairs; k++) {
      const first = await senders[k]!.api.send({ to: [`r${k}`], body: 'hello' })
      await waitFor(
        async () => (await recipients[k]!.api.inbox()).messages.some((m) => m.id === first.id),
        { timeout: 120_000, what: 'the first message' },
      )
    }
    const t0 = performance.now()
    const sent = await Promise.all(
      senders.map(async (s, k) => {
        const ids: string[] = []
        for (let m = 0; m < perSender; m++)
          ids.push((await s.api.send({ to: [`r${k}`], body: `m${m}` })).id)
        return ids
      }),
    )
    await waitFor(
      async () => {
        for (const [k, ids] of sent.entries()) {
          const got = new Set(
            (await recipients[k]!.api.inbox({ limit: perSender + 10 })).messages.map((m) => m.id),
          )
          if (ids.some((id) => !got.has(id))) return false
        }
        return true
      },
      { timeout: 300_000, interval: 20, what: 'every message delivered' },
    )
    return (pairs * perSender) / ((performance.now() - t0) / 1000)
  } finally {
    await Promise.all(daemons.map((d) => d.daemon.stop().catch(() => undefined)))
    await Promise.all(hosts.map((h) => h.stop().catch(() => undefined)))
    const admin = pools[0]
    for (let k = 0; k < pairs && admin; k++)
      await admin.pool
        .query(`DROP SCHEMA IF EXISTS "${prefix}r${k}" CASCADE`)
        .catch(() => undefined)
    await Promise.all(pools.map((p) => p.close()))
  }
}

/** The rows of the multi-user host (appended to the `hosts` group). */
export async function tenantRows(url: string, ctx: BenchContext): Promise<BenchResult[]> {
  const users = Math.max(10, Math.round(100 * ctx.scale))
  ctx.log(`hosts: ${users} hosted users in one process`)
  const out = await capacity(url, ctx, users)
  const pairs = Math.max(2, Math.round(4 * ctx.scale))
  const perSender = Math.max(20, Math.round(100 * ctx.scale))
  for (const instances of [1, 2, 4]) {
    ctx.log(`hosts: tenants, ${instances} instance(s), ${pairs} pairs x ${perSender} messages`)
    const perSecond = await deliveries(url, instances, pairs, perSender)
    out.push({
      group: GROUP,
      name: `hosts: tenant deliveries through the host, ${instances} instance(s)`,
      value: perSecond,
      unit: 'msg/s',
      ...(instances > 1 && {
        baseline: 'hosts: tenant deliveries through the host, 1 instance(s)',
      }),
      notes: `${pairs} unrelated hosted users, each with one contact; the contact's daemon sends ${perSender} messages through its API (sealing included) to the user's daemon, neither listening, so every message goes contact -> host -> user; recipients on instance 1, senders on the last; instances are Host objects in this process, each with its own pool and LISTEN connection (one event loop)`,
    })
  }
  return out
}
