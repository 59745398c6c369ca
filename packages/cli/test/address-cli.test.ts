/**
 * Issue 17, addresses through the real `sdmp` executable (docs/cli.md "Addresses"): `address
 * set` is shown by whoami and profile; `contact add bob@example.test` resolves against a real
 * DNS server on 127.0.0.1 (SDMP_DNS_SERVER) and Bob's running daemon; once Mallory's key is
 * served at that address the command fails loudly with KEY_CHANGED (exit 76).
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import {
  accountDeps,
  createAccount,
  startDaemon,
  startDnsServer,
  stopDaemon,
  stopDaemons,
  syncHomes,
} from '@sdmp/testkit/daemon-world'
import { Account } from '@sdmp/daemon'
import { writeDaemonInfo } from '@sdmp/daemon/account'
import { linesOf, runSdmp } from './run-sdmp.js'

afterEach(stopDaemons)

const BOB = 'bob@example.test'

describe('sdmp address and contact add NAME@DOMAIN', () => {
  it(
    'claims an address, adds by address, and exits 76 on a changed key',
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-address-cli-')
      const dns = await startDnsServer()
      after(() => dns.close())
      const env = { SDMP_DNS_SERVER: dns.address }
      const alice = join(dir, 'alice')
      const sdmp = (args: string[]) => runSdmp([...args, '--home', alice], env)
      assert.equal((await sdmp(['init', '--name', 'Alice', '--json'])).code, 0)

      const set = await sdmp(['address', 'set', 'Alice@Example.Test', '--json'])
      assert.equal(set.code, 0, set.stderr)
      assert.equal(JSON.parse(set.stdout).address, 'alice@example.test')
      assert.equal(
        JSON.parse((await sdmp(['whoami', '--json'])).stdout).address,
        'alice@example.test',
      )
      assert.equal(
        JSON.parse((await sdmp(['profile', '--json'])).stdout).address,
        'alice@example.test',
      )
      const bad = await sdmp(['address', 'set', 'not an address'])
      assert.equal(bad.code, 65, bad.stderr)

      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const mallory = await startDaemon(await createAccount(dir, 'mallory'))
      await bob.api.setAddress({ address: BOB })
      await mallory.api.setAddress({ address: BOB })
      const pointAt = (url: string) =>
        dns.zone.set('_sdmp.example.test', [
          {
            type: 'SVCB',
            priority: 1,
            host: '127.0.0.1.sslip.test',
            port: Number(new URL(url).port),
          },
        ])
      dns.zone.set('127.0.0.1.sslip.test', [{ type: 'A', ip: '127.0.0.1' }])

      pointAt(bob.daemon.apiUrl!)
      const added = await sdmp(['contact', 'add', BOB, '--insecure-http', '--json'])
      assert.equal(added.code, 0, added.stderr)
      const value = JSON.parse(added.stdout)
      assert.equal(value.address, BOB)
      assert.equal(value.user, (await bob.api.whoami()).user)

      pointAt(mallory.daemon.apiUrl!)
      const changed = await sdmp(['contact', 'add', BOB, '--insecure-http'])
      assert.equal(changed.code, 76, changed.stderr)
      assert.equal(changed.stdout, '')
      assert.match(linesOf(changed.stderr)[0]!, /^sdmp: .*now publishes another key/)
      const list = JSON.parse((await sdmp(['contact', 'list', '--json'])).stdout)
      assert.deepEqual(
        list.contacts.map((c: { name: string }) => c.name),
        ['bob'],
      )
    },
  )

  it(
    "whoami shows the synced profile's address on another device, direct or through its daemon",
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-address-cli-')
      const laptop = join(dir, 'laptop')
      const phone = join(dir, 'phone')
      const json = async (home: string, args: string[]) => {
        const run = await runSdmp([...args, '--home', home, '--json'])
        assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
        return JSON.parse(run.stdout) as Record<string, any>
      }
      await json(laptop, ['init', '--name', 'Alice'])
      const { request } = await json(phone, ['init', '--join', '--name', 'phone'])
      await json(laptop, ['device', 'authorize', request])
      await json(laptop, ['address', 'set', 'alice@example.test'])
      await syncHomes(laptop, phone)
      await json(phone, ['status']) // the phone's node opens once and learns its user

      // No daemon on the phone: the profile is read from its store (no passphrase needed).
      const direct = await json(phone, ['whoami'])
      assert.equal(direct['address'], 'alice@example.test')
      assert.equal(direct['name'], 'Alice')
      // Its daemon holds the store: the answer comes through the daemon's API.
      const daemon = await startDaemon(await Account.open(accountDeps(phone)))
      // As `sdmp start` announces itself (commands reach it through its socket only).
      writeDaemonInfo(phone, {
        pid: process.pid,
        api: daemon.daemon.apiUrl!,
        peer: daemon.daemon.peerAddress ?? '',
        socket: daemon.daemon.apiSocket!,
        started: new Date().toISOString(),
      })
      const viaDaemon = await json(phone, ['whoami'])
      assert.equal(viaDaemon['address'], 'alice@example.test')
      assert.equal(viaDaemon['running']['pid'], process.pid)
      await stopDaemon(daemon)
    },
  )
})
