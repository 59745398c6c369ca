/**
 * A multi-user host relays for its hosted users' devices behind NAT (docs/scale.md §9, relays.md
 * §3): Alice's laptop never listens and registers on her tenant's relay, under the tenant's
 * path on the host's one port (`/v1/peer/<tenant>/v1/relay`); Bob, who can only dial, reaches
 * the laptop through it and they message both ways. Another hosted user's tenant relays nothing
 * for Alice's laptop, and an unknown tenant's relay path is refused with a code.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { after, afterEach, describe, it } from 'node:test'
import { createSharedPostgres } from '@sdmp/store-postgres'
import type { SharedPostgres } from '@sdmp/store-postgres'
import { tmpDir } from '@sdmp/testkit'
import {
  befriendDaemons as befriend,
  connectedTo,
  createAccount as create,
  hostDepsOn,
  hostUser,
  inboxHas,
  startDaemon as start,
  stopDaemons as stopAll,
  waitPeer,
} from '@sdmp/testkit/daemon-world'
import { Host, newHostConfig, writeNewHost } from '../src/host/index.js'
import { wsRefusal } from './one-port-helpers.js'

const PG_URL = process.env['PG_URL'] || undefined
const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
  await stopAll()
})

describe('a multi-user host as a relay', { skip: PG_URL ? false : 'PG_URL is unset' }, () => {
  const prefix = `hr${randomBytes(4).toString('hex')}_`
  let pg: SharedPostgres | undefined
  after(async () => {
    for (const name of ['alice', 'carol'])
      await pg?.pool.query(`DROP SCHEMA IF EXISTS "${prefix}${name}" CASCADE`)
    await pg?.close()
  })

  it("reaches a hosted user's device that never listens through its tenant", async () => {
    const dir = tmpDir(after, 'sdmp-host-relay-')
    const home = join(dir, 'host')
    writeNewHost(home, newHostConfig({ store: PG_URL!, schemaPrefix: prefix }))
    pg = createSharedPostgres({ url: PG_URL!, maxConnections: 6 })
    const deps = hostDepsOn(home, pg)
    // Alice and Carol are hosted; they do not know each other.
    const desk = await start(await create(dir, 'alice'))
    const carolPhone = await start(await create(dir, 'carol'))
    const tenants: Record<string, string> = {}
    for (const [name, device] of [
      ['alice', desk],
      ['carol', carolPhone],
    ] as const) {
      tenants[name] = await hostUser(deps, device, name)
    }
    const host = await Host.start({
      deps,
      listen: { host: '127.0.0.1', port: 0 },
      backoff: { initialMs: 50, maxMs: 500 },
    })
    hosts.push(host)
    await connectedTo(desk, tenants['alice']!)
    const port = new URL(host.url).port
    const tenantAddress = (name: string) =>
      `ws://127.0.0.1:${port}/v1/peer/${tenants[name]}#${tenants[name]}`

    // Bob publishes an address nobody listens on: every connection to him is his own dial.
    const bob = await start(await create(dir, 'bob'), { advertise: ['127.0.0.1:1'] })
    await befriend(desk, 'alice', bob, 'bob')
    // Alice's laptop never listens; its relay is her tenant on the host.
    const laptopAccount = await create(dir, 'laptop', true)
    await desk.api.authorizeDevice({ request: await laptopAccount.joinRequest() })
    const laptop = await start(laptopAccount, {
      listen: false,
      relays: [tenantAddress('alice')],
    })
    await laptop.api.join({ invite: (await desk.api.invite()).invite })
    const laptopNode = (await laptop.api.whoami()).node!
    const relayed = `ws://127.0.0.1:${port}/v1/peer/${tenants['alice']}/v1/relay/${laptopNode}`
    assert.deepEqual(laptop.daemon.network!.manager.relayAddresses, [relayed])
    await waitPeer(bob.api, (p) => p.node === laptopNode && p.address === relayed, {
      timeout: 30_000,
      interval: 20,
      what: "bob connected to the laptop through alice's tenant",
    })
    const aliceTenant = host.tenant(tenants['alice']!)!.daemon
    assert.ok(aliceTenant.relay!.stats.joined >= 1, "alice's tenant joined a splice")

    const toAlice = await bob.api.send({ to: ['alice'], body: 'bob to the laptop' })
    await inboxHas(laptop, toAlice.id, "the laptop to get bob's message")
    const reply = await laptop.api.send({ to: ['bob'], body: 'the laptop answers' })
    await inboxHas(bob, reply.id, "bob to get the laptop's reply")

    // Carol's tenant is no relay for Alice's laptop; an unknown tenant's relay is refused.
    assert.equal(host.tenant(tenants['carol']!)!.daemon.relay!.stats.joined, 0)
    const carolRelay = `ws://127.0.0.1:${port}/v1/peer/${tenants['carol']}/v1/relay/${laptopNode}`
    assert.equal(await wsRefusal(carolRelay), 404, 'the laptop is not registered there')
    const unknown = `ws://127.0.0.1:${port}/v1/peer/${'A'.repeat(43)}/v1/relay`
    assert.equal(await wsRefusal(unknown), 404)
  })
})
