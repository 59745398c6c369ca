/**
 * Deliveries through a host for many unrelated users (docs/scale.md §9), for the `hosts` group:
 * U hosted users, each with a contact of their own, set up as `sdmp host add-user` and the
 * users' devices do it (host-many-users.test.ts). The users go offline, every contact sends to
 * their user at once, and the figure is the rate at which the sealed messages land in the
 * users' tenants (store and forward, sync.md §10); then the users come back and the rate at
 * which the host hands the messages to their devices. Instances are `Host`s in this process,
 * each with its own pool and LISTEN connection over the same host home and database, as
 * separate `sdmp host start` processes would be; they share one event loop (and the devices'
 * too), so the rows show the cost of the cross-instance path, not the CPU of more processes.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { Account } from '@sdmp/daemon'
import { Host } from '@sdmp/daemon/host'
import { tmpDir, waitFor } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  accountDeps,
  befriendDaemons,
  connectedTo,
  createAccount,
  hostUser,
  startDaemon,
  stopDaemon,
  tenantsKnow,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'
import { newHostHome } from './host-tenants.js'

const GROUP = 'hosts'
const FAST = { initialMs: 50, maxMs: 500 }

/** The sealed resources `n`'s user published (the outers of the messages it sent). */
async function sealedOf(n: TestDaemon): Promise<string[]> {
  const account = n.daemon.account
  const metas = await account.store.queryResources({
    kinds: ['encrypted'],
    user: account.requireUser(),
  })
  return metas.map((m) => m.id)
}

/** Wait until `store` holds all of `ids`. */
const holds = (store: () => Account['store'], ids: readonly string[], what: string) =>
  waitFor(async () => (await store().hasResources(ids)).every(Boolean), {
    timeout: 300_000,
    interval: 20,
    what,
  })

interface Rates {
  intoHost: number
  toDevices: number
}

/** One world: `users` hosted users with a contact each, `instances` host instances. */
async function round(
  url: string,
  instances: number,
  users: number,
  perContact: number,
): Promise<Rates> {
  const dir = tmpDir(() => undefined, 'sdmp-bench-host-deliveries-')
  const prefix = `bd${randomBytes(4).toString('hex')}_`
  const { pools, depsFor } = newHostHome(url, dir, prefix, 10)
  const deps = depsFor()
  const hosts: Host[] = []
  const daemons = new Set<TestDaemon>()
  const start = async (account: Account, extra = {}) => {
    const d = await startDaemon(account, extra)
    daemons.add(d)
    return d
  }
  const stop = async (d: TestDaemon) => {
    daemons.delete(d)
    await stopDaemon(d)
  }
  try {
    // Each user's first device listens, so their tenant dials it once joined (as `sdmp start`).
    const devices: TestDaemon[] = []
    const nodes: string[] = []
    for (let i = 0; i < users; i++) {
      const device = await start(await createAccount(dir, `user${i}`))
      nodes.push(await hostUser(deps, device, `t${i}`))
      devices.push(device)
    }
    for (let i = 0; i < instances; i++)
      hosts.push(
        await Host.start({
          deps: i === 0 ? deps : depsFor(),
          listen: { host: '127.0.0.1', port: 0 },
          ...(i > 0 && { instance: `i${i}` }),
          backoff: FAST,
        }),
      )
    for (const [i, d] of devices.entries()) await connectedTo(d, nodes[i]!)
    // Contacts do not listen: they reach their user through the user's tenant only.
    const contacts: TestDaemon[] = []
    for (let i = 0; i < users; i++) {
      const c = await start(await createAccount(dir, `contact${i}`), { peer: null })
      await befriendDaemons(devices[i]!, 'user', c, 'contact')
      contacts.push(c)
    }
    // The tenant learns the new contact from the user's device, which then goes offline: wait
    // until every instance's tenant knows the contact (a connected contact proves nothing: an
    // unknown node is let in as a first-contact guest, then refused).
    for (const [i, c] of contacts.entries()) {
      const node = c.daemon.account.node
      await waitFor(() => tenantsKnow(hosts, nodes[i]!, node), {
        timeout: 60_000,
        what: `every instance's tenant ${i} knows contact ${i}`,
      })
    }

    // The users go offline; every contact sends to their user at once.
    const homes = devices.map((d) => d.home)
    for (const d of devices) await stop(d)
    const before = await Promise.all(contacts.map(sealedOf))
    const t0 = performance.now()
    await Promise.all(
      contacts.map(async (c) => {
        for (let m = 0; m < perContact; m++) await c.api.send({ to: ['user'], body: `m${m}` })
      }),
    )
    const sent = await Promise.all(
      contacts.map(async (c, i) => (await sealedOf(c)).filter((id) => !before[i]!.includes(id))),
    )
    const tenantStore = (i: number) => () => hosts[0]!.tenant(nodes[i]!)!.daemon.account.store
    await Promise.all(sent.map((ids, i) => holds(tenantStore(i), ids, `messages on tenant ${i}`)))
    const intoHost = (users * perContact) / ((performance.now() - t0) / 1000)

    // The users come back without listening: they dial their tenant and collect.
    const t1 = performance.now()
    const back = await Promise.all(
      homes.map(async (h) => start(await Account.open(accountDeps(h)), { peer: null })),
    )
    await Promise.all(
      sent.map((ids, i) =>
        holds(() => back[i]!.daemon.account.store, ids, `messages at user ${i}`),
      ),
    )
    const toDevices = (users * perContact) / ((performance.now() - t1) / 1000)
    return { intoHost, toDevices }
  } finally {
    await Promise.all([...daemons].map((d) => stop(d).catch(() => undefined)))
    await Promise.all(hosts.map((h) => h.stop().catch(() => undefined)))
    const admin = pools[0]!
    for (let i = 0; i < users; i++)
      await admin.pool
        .query(`DROP SCHEMA IF EXISTS "${prefix}t${i}" CASCADE`)
        .catch(() => undefined)
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)))
  }
}

/** Rows: deliveries per second through a multi-user host of 1, 2 and 4 instances. */
export async function deliveryRows(url: string, ctx: BenchContext): Promise<BenchResult[]> {
  const users = Math.max(3, Math.round(20 * ctx.scale))
  const perContact = Math.max(5, Math.round(50 * ctx.scale))
  const out: BenchResult[] = []
  const setup = `${users} hosted users, each with a contact of their own who sends ${perContact} messages (sealed through the send API) while the user is offline; instances are Hosts in one process, each with its own pool and LISTEN connection over one host home and database, as separate processes would be, sharing this process's event loop with every device`
  for (const instances of [1, 2, 4]) {
    ctx.log(`hosts: multi-user host, ${instances} instance(s), ${users} users`)
    let r: Rates
    try {
      r = await round(url, instances, users, perContact)
    } catch (e) {
      // One failed world must not lose the group's other rows: say what failed instead.
      out.push({
        group: GROUP,
        name: `hosts: multi-user host, ${instances} instance(s): failed`,
        value: 0,
        unit: '',
        notes: `${setup}; ${String((e as Error).message)}`,
      })
      continue
    }
    const base = (what: string) =>
      instances > 1 && { baseline: `hosts: multi-user host, ${what}, 1 instance(s)` }
    out.push(
      {
        group: GROUP,
        name: `hosts: multi-user host, contacts to host, ${instances} instance(s)`,
        value: r.intoHost,
        unit: 'msg/s',
        ...base('contacts to host'),
        notes: `${setup}; from the first send to every sealed message stored in its user's tenant (includes sealing on the contacts)`,
      },
      {
        group: GROUP,
        name: `hosts: multi-user host, host to returning devices, ${instances} instance(s)`,
        value: r.toDevices,
        unit: 'msg/s',
        ...base('host to returning devices'),
        notes: `${setup}; from the users' devices starting again (not listening: they dial their tenant) to every message stored on them`,
      },
    )
  }
  return out
}
