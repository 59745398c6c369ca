/**
 * Issue 17 in the web client (docs/protocol/addresses.md): the contacts page shows the address
 * this user claims, and its add-contact field takes a name@domain address, resolved by the node
 * against a real DNS server on 127.0.0.1 and Carol's node behind a TLS proxy (the test CA).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { startHttpProxy } from '@sdmp/testkit'
import { startDnsServer } from '@sdmp/testkit/daemon-world'
import type { TestDnsServer } from '@sdmp/testkit/daemon-world'
import { readPins } from '@sdmp/daemon'
import { T, openSignedIn, webWorld } from './browser.js'

const fixture = (name: string) =>
  readFileSync(new URL(`../../../cli/test/fixtures/${name}`, import.meta.url))
const cert = fixture('test-tls-cert.pem')
const key = fixture('test-tls-key.pem')

// Registered before webWorld's hooks, so the nodes start with this resolver.
let dns: TestDnsServer
before(async () => {
  dns = await startDnsServer()
})
after(() => dns.close())

describe('web client addresses in headless Chromium', () => {
  const world = webWorld('sdmp-web-address-', {
    carol: true,
    daemon: () => ({ addressLookup: { dnsServers: [dns.address], ca: cert } }),
  })

  it('shows my address and adds a contact by name@domain', T, async () => {
    const { alice, carol } = world
    await alice.api.setAddress({ address: 'alice@example.test' })
    await carol.api.setAddress({ address: 'carol@example.test' })
    const proxy = await startHttpProxy('', () => new URL(carol.url), { key, cert })
    after(() => proxy.close())
    dns.zone.set('localhost', [{ type: 'A', ip: '127.0.0.1' }])
    dns.zone.set('_sdmp.example.test', [
      { type: 'SVCB', priority: 1, host: 'localhost.', port: proxy.port },
    ])

    const { page, errors } = await openSignedIn(world.context, alice)
    await page.getByRole('link', { name: 'Contacts', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor()
    assert.equal(await page.locator('.my-address strong').textContent(), 'alice@example.test')

    await page.getByLabel('Their invite or address', { exact: true }).fill(' carol@example.test ')
    await page.getByRole('button', { name: 'Add contact', exact: true }).click()
    await page.getByText(/Added carol \(carol@example\.test, verified and pinned\)/).waitFor()
    await page.locator('tr[data-name="carol"]').waitFor()
    const pins = await readPins(alice.daemon.account)
    assert.deepEqual(
      pins.map((p) => [p.address, p.user]),
      [['carol@example.test', carol.user]],
    )
    assert.deepEqual(errors, [])
    await page.close()
  })
})
