/**
 * A host for many unrelated users (docs/scale.md "A host for many users"), in process over
 * loopback and a real PostgreSQL database: Alice and Bob, who are not each other's contacts,
 * are hosted as two tenants of one host (one port, one pool, one LISTEN connection); each has a
 * contact of their own whose message reaches them offline through the host. Nothing of Bob's
 * world reaches Alice's contact; an unknown tenant is refused before the upgrade; the well-known
 * document answers per user; a second instance on the same database serves every tenant and
 * sees the first one's lines; the per-user quota refuses deliveries once full.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { after, afterEach, describe, it } from 'node:test'
import { createSharedPostgres } from '@sdmp/store-postgres'
import type { SharedPostgres } from '@sdmp/store-postgres'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  accountDeps,
  befriendDaemons as befriend,
  connectedTo,
  createAccount as create,
  hostDepsOn,
  inboxHas,
  startDaemon as start,
  stopDaemon as stop,
  stopDaemons as stopAll,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'
import { Account } from '../src/account/index.js'
import {
  Host,
  createTenant,
  hostPaths,
  joinTenant,
  listTenants,
  newHostConfig,
  removeTenant,
  writeNewHost,
} from '../src/host/index.js'
import type { HostDeps } from '../src/host/index.js'

const PG_URL = process.env['PG_URL'] || undefined
const FAST = { initialMs: 50, maxMs: 500 }
const hosts: Host[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
  await stopAll()
})

/** The newest sealed resource `n`'s user published (the outer of the message just sent). */
async function newestSealed(n: TestDaemon): Promise<string> {
  const user = n.daemon.account.requireUser()
  const metas = await n.daemon.account.store.queryResources({ kinds: ['encrypted'], user })
  return metas[metas.length - 1]!.id
}

/** An upgrade request to `path` on the host: the status and body it is answered with. */
function upgrade(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    })
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('upgrade', (_res, socket) => {
      socket.destroy()
      reject(new Error('upgraded'))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('a host for many users', { skip: PG_URL ? false : 'PG_URL is unset' }, () => {
  const prefix = `h${randomBytes(5).toString('hex')}_`
  const pools: SharedPostgres[] = []
  const shared = () => {
    const pg = createSharedPostgres({ url: PG_URL!, maxConnections: 8 })
    pools.push(pg)
    return pg
  }
  after(async () => {
    const admin = shared()
    for (const name of ['alice', 'bob', 'gone'])
      await admin.pool.query(`DROP SCHEMA IF EXISTS "${prefix}${name}" CASCADE`)
    await Promise.all(pools.map((p) => p.close()))
  })
  const hostDeps = (home: string, pg: SharedPostgres): HostDeps => ({
    ...hostDepsOn(home, pg),
    dropSchema: async (schema) => void (await pg.pool.query(`DROP SCHEMA "${schema}" CASCADE`)),
  })

  it(
    'serves two unrelated users, each with a contact, through one port and two instances',
    { timeout: 300_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-host-many-')
      const home = join(dir, 'host')
      writeNewHost(home, newHostConfig({ store: PG_URL!, schemaPrefix: prefix }))
      const pg = shared()
      const deps = hostDeps(home, pg)

      // Two users who do not know each other, each hosted by a tenant of their own.
      const laptop = await start(await create(dir, 'alice'))
      const phone = await start(await create(dir, 'bob'))
      const tenants: Record<string, string> = {}
      for (const [name, device] of [
        ['alice', laptop],
        ['bob', phone],
      ] as const) {
        const made = await createTenant(deps, name)
        await device.api.authorizeDevice({ request: made.request, hostOnly: true })
        const joined = await joinTenant(deps, (await device.api.invite()).invite)
        assert.equal(joined.name, name)
        assert.equal(joined.user, (await device.api.whoami()).user)
        tenants[name] = made.node
      }
      // A waiting tenant, removed again with its schema.
      const gone = await createTenant(deps, 'gone')
      await assert.rejects(joinTenant(deps, (await laptop.api.invite()).invite), {
        code: 'NOT_FOUND',
      })
      assert.equal((await removeTenant(deps, gone.node)).name, 'gone')
      await assert.rejects(removeTenant(deps, 'gone'), { code: 'NOT_FOUND' })

      const host = await Host.start({
        deps,
        listen: { host: '127.0.0.1', port: 0 },
        backoff: FAST,
      })
      hosts.push(host)
      assert.deepEqual(
        host.tenants.map((t) => [t.name, t.address]),
        [
          ['alice', `ws://127.0.0.1:${new URL(host.url).port}/v1/peer/${tenants['alice']}`],
          ['bob', `ws://127.0.0.1:${new URL(host.url).port}/v1/peer/${tenants['bob']}`],
        ],
      )
      // One LISTEN connection for both tenants' schemas.
      await waitFor(() => pg.hub.channels === 2, { what: 'both schemas listened to' })
      await connectedTo(laptop, tenants['alice']!)
      await connectedTo(phone, tenants['bob']!)

      // An unknown node is refused with a code before the upgrade.
      const unknown = await upgrade(host.url, `/v1/peer/${'A'.repeat(43)}`)
      assert.equal(unknown.status, 404)
      assert.equal(JSON.parse(unknown.body).error.code, 'NOT_FOUND')

      // The well-known document answers for each hosted user's address.
      await laptop.api.setAddress({ address: 'alice@example.test' })
      await waitFor(
        async () => (await fetch(`${host.url}/.well-known/sdmp/alice`)).status === 200,
        { timeout: 30_000, what: "alice's address document on the host" },
      )
      const doc = await (await fetch(`${host.url}/.well-known/sdmp/alice`)).json()
      assert.equal((doc as { user: string }).user, (await laptop.api.whoami()).user)
      assert.equal((await fetch(`${host.url}/.well-known/sdmp/bob`)).status, 404)

      // Each user gets a contact of their own, who reaches the host through the user's invite.
      const carol = await start(await create(dir, 'carol'))
      const dave = await start(await create(dir, 'dave'))
      await befriend(laptop, 'alice', carol, 'carol')
      await befriend(phone, 'bob', dave, 'dave')
      await connectedTo(carol, tenants['alice']!)
      await connectedTo(dave, tenants['bob']!)

      // Offline delivery: the users are away, their contacts write, the host keeps it.
      const tenant = (name: string) => host.tenant(tenants[name]!)!.daemon.account.store
      const laptopHome = laptop.home
      const phoneHome = phone.home
      await stop(laptop)
      await stop(phone)
      const toAlice = await carol.api.send({ to: ['alice'], body: 'for alice only' })
      const toBob = await dave.api.send({ to: ['bob'], body: 'for bob only' })
      const carolSealed = await newestSealed(carol)
      const daveSealed = await newestSealed(dave)
      const daveUser = dave.daemon.account.requireUser()
      await waitFor(async () => (await tenant('alice').hasResources([carolSealed]))[0], {
        timeout: 30_000,
        what: "carol's message on alice's tenant",
      })
      await waitFor(async () => (await tenant('bob').hasResources([daveSealed]))[0], {
        timeout: 30_000,
        what: "dave's message on bob's tenant",
      })
      await stop(carol)
      await stop(dave)

      // A second instance on the same home and database (its own pool, as another process).
      const pg2 = shared()
      const host2 = await Host.start({
        deps: hostDeps(home, pg2),
        listen: { host: '127.0.0.1', port: 0 },
        instance: 'two',
        backoff: FAST,
      })
      hosts.push(host2)
      assert.deepEqual(
        host2.tenants.map((t) => t.node),
        [tenants['alice'], tenants['bob']],
      )
      // Alice comes back through the first instance's address, Bob through the second's: the
      // second instance published last, so both dial it; what matters is that each gets its own.
      const laptop2 = await start(await Account.open(accountDeps(laptopHome)))
      const phone2 = await start(await Account.open(accountDeps(phoneHome)))
      await inboxHas(laptop2, toAlice.id, "carol's message at alice, from the host")
      await inboxHas(phone2, toBob.id, "dave's message at bob, from the host")

      // Nothing of Bob's world was ever offered to Alice's tenant or to her contact.
      const bobUser = (await phone2.api.whoami()).user!
      assert.deepEqual(await tenant('alice').hasResources([daveSealed]), [false])
      assert.deepEqual(await tenant('bob').hasResources([carolSealed]), [false])
      const carolAgain = await Account.open(accountDeps(carol.home))
      try {
        assert.deepEqual(await carolAgain.store.hasResources([daveSealed]), [false])
        for (const user of [bobUser, daveUser])
          assert.deepEqual(await carolAgain.store.queryResources({ user }), [], 'none of bob/dave')
        assert.deepEqual(
          await carolAgain.store.queryResources({ user: tenants['bob']! }),
          [],
          "not even bob's tenant's own records",
        )
      } finally {
        await carolAgain.close()
      }

      // A line stored through one instance reaches the other's tenant: Alice changes her
      // address after both instances run; each instance's mailbox index follows to that head.
      await connectedTo(laptop2, tenants['alice']!)
      await laptop2.api.setAddress({ address: 'alice2@example.test' })
      await waitFor(
        async () => (await fetch(`${host2.url}/.well-known/sdmp/alice2`)).status === 200,
        { timeout: 30_000, what: "alice's new address on the host" },
      )
      const aliceOn = (h: Host) => h.tenant(tenants['alice']!)!.daemon
      const headNow = (await aliceOn(host).account.store.journalHead())!.position
      for (const h of [host, host2])
        await waitFor(() => aliceOn(h).mailbox.processed >= headNow, {
          timeout: 30_000,
          what: 'both instances indexed the line',
        })
      assert.equal((await fetch(`${host.url}/.well-known/sdmp/alice`)).status, 404, 'replaced')

      // The tenants and what they store.
      const listed = await listTenants(deps)
      assert.deepEqual(
        listed.map((t) => [t.name, t.address, t.resources > 0, t.bytes > 0]),
        [
          ['alice', 'alice2@example.test', true, true],
          ['bob', null, true, true],
        ],
      )
    },
  )

  it(
    'refuses deliveries past the per-user quota with over-quota',
    { timeout: 300_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-host-quota-')
      const home = join(dir, 'host')
      const qprefix = `${prefix}q`
      writeNewHost(home, newHostConfig({ store: PG_URL!, schemaPrefix: qprefix }))
      const pg = shared()
      after(() => pg.pool.query(`DROP SCHEMA IF EXISTS "${qprefix}erin" CASCADE`))
      const deps = hostDeps(home, pg)
      const phone = await start(await create(dir, 'erin'))
      const made = await createTenant(deps, 'erin')
      await phone.api.authorizeDevice({ request: made.request, hostOnly: true })
      await joinTenant(deps, (await phone.api.invite()).invite)
      let host = await Host.start({ deps, listen: { host: '127.0.0.1', port: 0 }, backoff: FAST })
      hosts.push(host)
      await connectedTo(phone, made.node)
      const frank = await start(await create(dir, 'frank'))
      await befriend(phone, 'erin', frank, 'frank')
      await connectedTo(frank, made.node)
      const first = await frank.api.send({ to: ['erin'], body: 'within the quota' })
      await inboxHas(phone, first.id, 'the first message')
      const firstSealed = await newestSealed(frank)
      const store = () => host.tenant(made.node)!.daemon.account.store
      await waitFor(async () => (await store().hasResources([firstSealed]))[0], {
        timeout: 30_000,
        what: 'the first message on the host',
      })

      // The host is full for erin: exactly what it holds now.
      await host.stop()
      hosts.splice(hosts.indexOf(host), 1)
      const stored = (await listTenants(deps))[0]!.resources
      const file = hostPaths(home).config
      const config = JSON.parse(readFileSync(file, 'utf8'))
      config.quota.maxMessagesPerUser = stored
      writeFileSync(file, JSON.stringify(config))
      host = await Host.start({ deps, listen: { host: '127.0.0.1', port: 0 }, backoff: FAST })
      hosts.push(host)
      // Full from the start: nothing more of frank's can be stored from here on.
      const frankUser = frank.daemon.account.requireUser()
      const frankHeld = (await store().queryResources({ user: frankUser })).length
      await connectedTo(frank, made.node)
      await frank.api.send({ to: ['erin'], body: 'past the quota' })
      const refusedSealed = await newestSealed(frank)
      const ingestor = host.tenant(made.node)!.daemon.account.ingestor
      await waitFor(() => (ingestor.quotaTotal()?.refused ?? 0) > 0, {
        timeout: 30_000,
        what: 'a refusal over the quota',
      })
      assert.deepEqual(await store().hasResources([refusedSealed]), [false])
      // Nothing more of frank's since the host is full (erin's own lines are never refused).
      assert.equal((await store().queryResources({ user: frankUser })).length, frankHeld)
    },
  )
})
