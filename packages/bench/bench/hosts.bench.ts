/**
 * Hosts for many users (issue 17, docs/scale.md "Several instances"): one host node run as 1, 2
 * and 4 instances over one PostgreSQL schema, each user's device connected to one instance,
 * senders and recipients on different instances whenever there are several. The figure is
 * sealed messages delivered per second, from ingest on the senders' devices to the bytes on
 * the recipients' devices, through the host. In one process (devices on memory stores), so
 * the instances share one event loop: the rows show the cost of the cross-instance path
 * (NOTIFY, journal read, verify), not the CPU several processes would add.
 * Needs PostgreSQL: PG_URL, default postgres://postgres@127.0.0.1:5432/test.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { sealResource, selectPrekeys, signResource } from '@sdmp/core'
import { MemoryStore } from '@sdmp/store'
import { createPgPool, createPostgresStore } from '@sdmp/store-postgres'
import { waitFor } from '@sdmp/testkit'
import type { BenchContext, BenchResult } from '@sdmp/testkit'
import {
  befriend,
  introduce,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  prekeyRecords,
  provider,
  publishPrekey,
} from '@sdmp/testkit/node-world'
import type { DiskNode, User } from '@sdmp/testkit/node-world'
import { deliveryRows } from './host-deliveries.js'
import { tenantRows } from './host-tenants.js'

const GROUP = 'hosts'
const URL = process.env['PG_URL'] || 'postgres://postgres@127.0.0.1:5432/test'

/** A sealed message from `from`'s user to `to`, not yet ingested (sealing is not timed). */
async function seal(
  from: DiskNode,
  to: User,
  body: string,
): Promise<{ id: string; bytes: Uint8Array }> {
  const user = from.user.key.fingerprint
  const inner = signResource(
    provider,
    {
      kind: 'message',
      user,
      trust: from.trust.id,
      created: Date.now() - 1000,
      data: { body, type: 'text', to: [to.key.fingerprint] },
    },
    [from.key],
  )
  return sealResource(
    provider,
    inner,
    selectPrekeys(await prekeyRecords(from), Date.now()),
    { key: from.key, user, trust: from.trust.id },
    { readers: [user, to.key.fingerprint] },
  )
}

/**
 * Every device of the bench dials from 127.0.0.1, so the listener's per-address caps (8
 * connections, 4 half-open: meant to stop one source from holding many slots, transport.md §8)
 * would cap the whole bench at 8 devices per instance. The bench host lifts them; the
 * production defaults stay.
 */
const LOOPBACK_LIMITS = Object.freeze({
  maxConnectionsPerAddress: 1024,
  maxHandshakesPerAddress: 64,
})

const rssMiB = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().rss / 2 ** 20
}

interface Round {
  perSecond: number
  users: number
  rssPerUserMiB: number
}

/** One world: `instances` host instances, `pairs` sender/recipient pairs, `perSender` each. */
async function round(instances: number, pairs: number, perSender: number): Promise<Round> {
  const schema = `sdmp_bench_${randomBytes(6).toString('hex')}`
  const admin = createPgPool({ url: URL, maxConnections: 1 })
  const nodes: DiskNode[] = []
  try {
    // What hosts deliver today (docs/scale.md §5): the host is a host-only node of one user,
    // Alice, and relays between her devices and her contacts' devices (an envelope goes only
    // to nodes of its readers' users, sync.md §10). Device 2k is Alice's, 2k+1 contact k's.
    const alice = makeUser('host-owner', 1)
    const contacts = Array.from({ length: pairs }, (_, i) => makeUser(`u${i}`, 2 + i))
    for (const u of contacts) {
      befriend(alice, u)
      befriend(u, alice)
    }
    const users = contacts.flatMap((u) => [alice, u])
    const hostId = makeNodeIdentity('host', alice, 200, ['read_resource'])
    const deviceIds = users.map((u, i) => makeNodeIdentity(`d${i}`, u, 60 + i))
    const everyone = [alice, ...contacts]
    const hosts: DiskNode[] = []
    for (let i = 0; i < instances; i++) {
      const store = createPostgresStore({ url: URL, schema, sha512: provider.sha512 })
      const h = await openDiskNode(hostId, `instance-${i}`, { store, follow: true })
      nodes.push(h)
      hosts.push(h)
      await introduce(h, ...everyone)
      await h.start({ transportLimits: LOOPBACK_LIMITS })
    }
    const before = rssMiB()
    const devices: DiskNode[] = []
    for (const [i, id] of deviceIds.entries()) {
      const d = await openDiskNode(id, `device-${i}`, {
        store: new MemoryStore({ sha512: provider.sha512 }),
      })
      nodes.push(d)
      devices.push(d)
      await introduce(d, ...everyone)
      // Sender 2k and recipient 2k+1 on different instances whenever there are several.
      await d.start({ peers: [hosts[i % instances]!.address()], listen: false })
    }
    await waitFor(
      () => devices.every((d, i) => hosts[i % instances]!.engine.sessions.has(d.key.fingerprint)),
      { timeout: 60_000, what: 'every device connected' },
    )
    const rssPerUserMiB = (rssMiB() - before) / devices.length
    // Recipients publish prekeys; senders learn them through the host.
    const prekeys = await Promise.all(devices.map((d, i) => (i % 2 ? publishPrekey(d) : '')))
    for (let k = 0; k < pairs; k++)
      await waitFor(() => devices[2 * k]!.has(prekeys[2 * k + 1]!), {
        timeout: 60_000,
        what: 'prekey at sender',
      })
    for (let k = 0; k < pairs; k++) await publishPrekey(devices[2 * k]!)
    const sealed: { id: string; bytes: Uint8Array }[][] = []
    for (let k = 0; k < pairs; k++) {
      const list: { id: string; bytes: Uint8Array }[] = []
      for (let m = 0; m < perSender; m++)
        list.push(await seal(devices[2 * k]!, users[2 * k + 1]!, `m${m}`))
      sealed.push(list)
    }
    const ids = sealed.map((list) => list.map((s) => s.id))
    const t0 = performance.now()
    const outcomes = await Promise.all(
      sealed.map((list, k) => devices[2 * k]!.ingestor.ingest(list.map((s) => s.bytes))),
    )
    const refused = outcomes.flat().find((o) => o.status !== 'stored')
    if (refused)
      throw new Error(`hosts bench: a message was not stored: ${JSON.stringify(refused)}`)
    await waitFor(
      async () => {
        for (let k = 0; k < pairs; k++) {
          const have = await devices[2 * k + 1]!.store.hasResources(ids[k]!)
          if (have.some((h) => !h)) return false
        }
        return true
      },
      { timeout: 300_000, interval: 5, what: 'every message delivered' },
    )
    const seconds = (performance.now() - t0) / 1000
    return { perSecond: (pairs * perSender) / seconds, users: devices.length, rssPerUserMiB }
  } finally {
    await Promise.all(nodes.map((n) => n.shutdown().catch(() => undefined)))
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined)
    await admin.end()
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const probe = createPgPool({ url: URL, maxConnections: 1 })
  try {
    await probe.query('SELECT 1')
  } catch (e) {
    return [
      {
        group: GROUP,
        name: 'hosts: PostgreSQL not available',
        value: 0,
        unit: '',
        notes: `no server at PG_URL (${String((e as Error).message)}): set PG_URL to run this group`,
      },
    ]
  } finally {
    await probe.end().catch(() => undefined)
  }
  const pairs = Math.max(2, Math.round(8 * ctx.scale))
  const perSender = Math.max(20, Math.round(200 * ctx.scale))
  const out: BenchResult[] = []
  let users = 0
  let rss = 0
  for (const instances of [1, 2, 4]) {
    ctx.log(`hosts: ${instances} instance(s), ${pairs * 2} devices, ${pairs * perSender} messages`)
    let r: Round
    try {
      r = await round(instances, pairs, perSender)
    } catch (e) {
      // One failed world must not lose the group's other rows: say what failed instead.
      out.push({
        group: GROUP,
        name: `hosts: deliveries through the host, ${instances} instance(s): failed`,
        value: 0,
        unit: '',
        notes: String((e as Error).message),
      })
      continue
    }
    users = r.users
    rss = Math.max(rss, r.rssPerUserMiB)
    out.push({
      group: GROUP,
      name: `hosts: deliveries through the host, ${instances} instance(s)`,
      value: r.perSecond,
      unit: 'msg/s',
      ...(instances > 1 && { baseline: 'hosts: deliveries through the host, 1 instance(s)' }),
      notes: `${pairs} devices of the host's user -> ${pairs} contacts' devices, ${perSender} sealed messages each, pre-sealed; devices on memory stores connected round-robin to the instances (each pair on two instances when there are several); one process, so instances share its event loop`,
    })
  }
  out.push({
    group: GROUP,
    name: 'hosts: devices served (Alice x N + N contacts)',
    value: users,
    unit: 'users',
  })
  out.push({
    group: GROUP,
    name: 'hosts: RSS per connected device',
    value: rss,
    unit: 'MiB',
    lowerIsBetter: true,
    notes:
      'RSS growth from connecting the users, divided by users; the devices (memory stores) live in the same process, so this bounds the host side from above',
  })
  // A host for many unrelated users: one tenant node per hosted user (docs/scale.md §9).
  out.push(...(await deliveryRows(URL, ctx)))
  out.push(...(await tenantRows(URL, ctx)))
  return out
}
