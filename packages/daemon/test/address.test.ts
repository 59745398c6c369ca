/**
 * Issue 17, addresses (docs/protocol/addresses.md): `contact add bob@example.test` against a
 * real DNS server on 127.0.0.1 (SVCB, SRV fallback, NXDOMAIN, a hostile oversized reply) and
 * real daemons serving their well-known documents (over HTTPS through a TLS proxy with the test
 * CA, or plain HTTP where the test says so). The address is pinned: another key there is
 * KEY_CHANGED and changes nothing; a forged bundle and an oversized document are coded errors.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, afterEach, before, describe, it } from 'node:test'
import { ProtocolError } from '@sdmp/core'
import type { ErrorCode } from '@sdmp/core'
import { startHttpProxy, tmpDir } from '@sdmp/testkit'
import { createAccount, startDaemon, startDnsServer, stopDaemons } from '@sdmp/testkit/daemon-world'
import type { TestDaemon, TestDnsServer } from '@sdmp/testkit/daemon-world'
import {
  decodeAddressDocument,
  decodeInvite,
  encodeInvite,
  readPins,
  resolveAddress,
} from '@sdmp/daemon'

const fixture = (name: string) =>
  readFileSync(new URL(`../../../cli/test/fixtures/${name}`, import.meta.url))
const cert = fixture('test-tls-cert.pem')
const key = fixture('test-tls-key.pem')

const BOB = 'bob@example.test'

let dns: TestDnsServer
before(async () => {
  dns = await startDnsServer()
})
after(() => dns.close())
afterEach(stopDaemons)

/** Rejects with a ProtocolError of `code`. */
async function failsWith(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    if (message) assert.match(e.message, message)
    return true
  })
}

/** Point `domain` at `port` on localhost: by SVCB, or by SRV only. */
function publish(domain: string, port: number, via: 'svcb' | 'srv'): void {
  dns.zone.set('localhost', [{ type: 'A', ip: '127.0.0.1' }])
  dns.zone.delete(`_sdmp.${domain}`)
  dns.zone.delete(`_sdmp._tcp.${domain}`)
  if (via === 'svcb')
    dns.zone.set(`_sdmp.${domain}`, [{ type: 'SVCB', priority: 1, host: 'localhost.', port }])
  else {
    // The SVCB name exists (NOERROR) but holds no SVCB record: SRV is the fallback.
    dns.zone.set(`_sdmp.${domain}`, [])
    dns.zone.set(`_sdmp._tcp.${domain}`, [{ type: 'SRV', priority: 1, host: 'localhost.', port }])
  }
}

const apiPort = (n: TestDaemon) => Number(new URL(n.daemon.apiUrl!).port)

/** A plain HTTP server answering every request with `body`. */
async function serve(body: () => Buffer | string): Promise<number> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(body())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  after(() => new Promise<void>((r) => server.close(() => r())))
  return (server.address() as AddressInfo).port
}

describe('name@domain addresses', () => {
  it(
    'resolves bob@example.test by SVCB over HTTPS, pins it, and refuses another key there',
    {
      timeout: 120_000,
    },
    async () => {
      const dir = tmpDir(after, 'sdmp-address-')
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const mallory = await startDaemon(await createAccount(dir, 'mallory'))
      const lookup = { dnsServers: [dns.address], ca: cert }
      const alice = await startDaemon(await createAccount(dir, 'alice'), { addressLookup: lookup })

      const claimed = await bob.api.setAddress({ address: 'Bob@Example.Test' })
      assert.equal(claimed.address, BOB, 'stored in lower case')
      assert.equal((await bob.api.whoami()).address, BOB)
      assert.equal((await bob.api.profile()).address, BOB)

      // Bob's API behind a TLS proxy (test CA, certificate for localhost), named by SVCB.
      const proxy = await startHttpProxy('', () => new URL(bob.daemon.apiUrl!), { key, cert })
      after(() => proxy.close())
      publish('example.test', proxy.port, 'svcb')
      const bobUser = (await bob.api.whoami()).user!

      const added = await alice.api.addContact({ invite: BOB })
      assert.equal(added.user, bobUser)
      assert.equal(added.address, BOB)
      assert.equal(added.name, 'bob')
      assert.ok(dns.queries.includes('SVCB _sdmp.example.test'))
      const pins = await readPins(alice.daemon.account)
      assert.deepEqual(
        pins.map((p) => [p.address, p.user]),
        [[BOB, bobUser]],
      )
      // Adding again is a refresh of the same pinned identity.
      assert.equal((await alice.api.addContact({ invite: BOB })).refreshed, true)

      // Mallory claims the same address and the domain now points at Mallory's node (plain HTTP).
      await mallory.api.setAddress({ address: BOB })
      publish('example.test', apiPort(mallory), 'svcb')
      await failsWith(
        alice.api.addContact({ invite: BOB, insecureHttp: true }),
        'KEY_CHANGED',
        /another key/,
      )
      assert.deepEqual(await readPins(alice.daemon.account), pins, 'the pin did not move')
      const names = (await alice.api.contacts()).contacts.map((c) => c.name)
      assert.deepEqual(names, ['bob'], 'mallory was not added')
    },
  )

  it(
    'follows one SVCB AliasMode record, and never a second one (no chains, no loops)',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-address-')
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      await bob.api.setAddress({ address: BOB })
      const opts = { dnsServers: [dns.address], insecureHttp: true }
      const port = apiPort(bob)
      dns.zone.set('localhost', [{ type: 'A', ip: '127.0.0.1' }])
      dns.zone.delete('_sdmp._tcp.example.test')
      // _sdmp.example.test is an alias of the provider's name, which holds the ServiceMode record.
      dns.zone.set('_sdmp.example.test', [
        { type: 'SVCB', priority: 0, host: 'sdmp.provider.test.' },
        // RFC 9460 §2.4.1: a ServiceMode record beside an AliasMode one is ignored.
        { type: 'SVCB', priority: 1, host: 'nowhere.test.', port: 9 },
      ])
      dns.zone.set('sdmp.provider.test', [{ type: 'SVCB', priority: 1, host: 'localhost.', port }])
      const r = await resolveAddress(alice.daemon.account, BOB, opts)
      assert.equal(r.via, 'svcb')
      assert.equal(r.url, `http://localhost:${port}/.well-known/sdmp/bob`)
      assert.equal(r.user, (await bob.api.whoami()).user)

      // Two aliases in a row (here a loop): the second is not followed, and without an SRV
      // record the domain publishes no host. Each name is asked once.
      dns.zone.set('_sdmp.example.test', [
        { type: 'SVCB', priority: 0, host: 'sdmp.provider.test.' },
      ])
      dns.zone.set('sdmp.provider.test', [
        { type: 'SVCB', priority: 0, host: '_sdmp.example.test.' },
      ])
      dns.queries.length = 0
      await failsWith(resolveAddress(alice.daemon.account, BOB, opts), 'NOT_FOUND', /no SVCB/)
      assert.deepEqual(dns.queries, [
        'SVCB _sdmp.example.test',
        'SVCB sdmp.provider.test',
        'SRV _sdmp._tcp.example.test',
      ])
    },
  )

  it(
    'falls back to SRV, and refuses forged bundles, NXDOMAIN and oversized answers',
    {
      timeout: 120_000,
    },
    async () => {
      const dir = tmpDir(after, 'sdmp-address-')
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const mallory = await startDaemon(await createAccount(dir, 'mallory'))
      const alice = await startDaemon(await createAccount(dir, 'alice'), {
        addressLookup: { dnsServers: [dns.address] },
      })
      await bob.api.setAddress({ address: BOB })
      const account = alice.daemon.account
      const opts = { dnsServers: [dns.address], insecureHttp: true }

      // SRV only: found, verified, the right identity.
      publish('example.test', apiPort(bob), 'srv')
      const r = await resolveAddress(account, BOB, opts)
      assert.equal(r.via, 'srv')
      assert.equal(r.user, (await bob.api.whoami()).user)
      assert.ok(r.checked.nodes.length >= 1)

      // HTTPS is the default: Bob's plain-HTTP port does not speak TLS.
      await assert.rejects(resolveAddress(account, BOB, { dnsServers: [dns.address] }))

      // A name nobody publishes: NXDOMAIN, said clearly.
      await failsWith(resolveAddress(account, 'carol@nowhere.test', opts), 'NOT_FOUND', /NXDOMAIN/)
      // A user the host does not serve.
      await failsWith(resolveAddress(account, 'nobody@example.test', opts), 'NOT_FOUND')

      // A forged bundle: Bob's document with the profile claiming the address re-signed by
      // Mallory's key (for Bob's user). Verification refuses it with a coded error.
      const real = decodeAddressDocument(
        Buffer.from(
          await (
            await fetch(`http://127.0.0.1:${apiPort(bob)}/.well-known/sdmp/bob`)
          ).arrayBuffer(),
        ),
      )
      const invite = decodeInvite(real.invite)
      const ma = mallory.daemon.account
      const forgedProfile = ma.signWith(ma.userKey!, {
        kind: 'user',
        user: real.user,
        data: { name: 'bob', address: BOB },
        created: Date.now(),
      })
      const forged = {
        version: 'sdmp-address:1',
        address: BOB,
        user: real.user,
        invite: encodeInvite({
          user: real.user,
          resources: [...invite.resources, forgedProfile.bytes],
        }),
      }
      publish('example.test', await serve(() => JSON.stringify(forged)), 'svcb')
      await failsWith(resolveAddress(account, BOB, opts), 'UNAUTHORIZED_SIGNER')
      // Mallory's own, valid bundle presented as Bob's user: the claim does not match.
      const swapped = { ...forged, invite: real.invite, user: (await mallory.api.whoami()).user }
      publish('example.test', await serve(() => JSON.stringify(swapped)), 'svcb')
      await failsWith(resolveAddress(account, BOB, opts), 'BAD_REQUEST', /not the user/)

      // A hostile host: a document of 1 MiB and more.
      publish('example.test', await serve(() => Buffer.alloc(1 << 20, 0x20)), 'svcb')
      await failsWith(resolveAddress(account, BOB, opts), 'LIMIT_EXCEEDED')
      // A hostile resolver: a reply far over 4 KiB.
      dns.hostile = true
      try {
        await failsWith(
          alice.api.addContact({ invite: BOB, insecureHttp: true }),
          'LIMIT_EXCEEDED',
          /dns/,
        )
      } finally {
        dns.hostile = false
      }
      // Nothing was added or pinned, and the daemon still answers.
      assert.deepEqual(await readPins(account), [])
      assert.deepEqual((await alice.api.contacts()).contacts, [])
      assert.equal((await alice.api.whoami()).name, 'alice')
    },
  )
})
