/**
 * Devices of one user across homes, through the real `sdmp` executable: a join request from a
 * second device, authorized in full or host-only on the first, listed, revoked; the joined
 * device learns its user once the trust reaches its store (sync is simulated in process).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { decodeJoinRequest } from '@sdmp/daemon/account'
import { tmpDir } from '@sdmp/testkit'
import { syncHomes } from '@sdmp/testkit/daemon-world'
import { linesOf, runSdmp } from './run-sdmp.js'

const FULL = ['create_trust', 'publish_resource', 'read_encrypted', 'read_resource', 'revoke']

async function sdmpJson(home: string, args: string[]) {
  const run = await runSdmp([...args, '--home', home, '--json'])
  assert.equal(run.code, 0, `sdmp ${args.join(' ')}: ${run.stderr}`)
  return JSON.parse(run.stdout) as Record<string, any>
}

async function sdmpFails(home: string, args: string[]) {
  const run = await runSdmp([...args, '--home', home])
  assert.notEqual(run.code, 0, `expected failure of sdmp ${args.join(' ')}`)
  const lines = linesOf(run.stderr)
  assert.equal(lines.length, 1, run.stderr)
  return { code: run.code, line: lines[0]! }
}

interface Device {
  node: string
  name?: string
  status: string
  self: boolean
  authorization: string[]
}

async function devices(home: string): Promise<Device[]> {
  return (await sdmpJson(home, ['device', 'list']))['devices'] as Device[]
}

describe('sdmp init --join and device authorize', () => {
  it('round trip: the laptop authorizes the phone, which learns its user after sync', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const laptop = join(dir, 'alice-laptop')
    const phone = join(dir, 'alice-phone')
    const init = await sdmpJson(laptop, ['init', '--name', 'Alice'])
    const join1 = await sdmpJson(phone, ['init', '--join', '--name', 'phone'])
    assert.deepEqual(Object.keys(join1), ['node', 'request'])
    assert.match(join1['request'], /^sdmp-join:1:[A-Za-z0-9_-]+$/)
    assert.ok(decodeJoinRequest(join1['request']).length > 0)

    // Before authorization the phone has no user and may not act for one.
    const who = await sdmpJson(phone, ['whoami'])
    assert.equal(who['user'], null)
    assert.equal(who['node'], join1['node'])
    assert.deepEqual(
      (await devices(phone)).map((d) => [d.node, d.status]),
      [[join1['node'], 'pending']],
    )
    assert.match((await sdmpFails(phone, ['invite'])).line, /not authorized yet/)
    assert.match((await sdmpFails(phone, ['post', 'hi'])).line, /not authorized yet/)

    const auth = await sdmpJson(laptop, ['device', 'authorize', join1['request']])
    assert.equal(auth['node'], join1['node'])
    assert.equal(auth['name'], 'phone')
    assert.deepEqual([...auth['authorization']].sort(), FULL)
    const list = await devices(laptop)
    assert.deepEqual(
      list.map((d) => [d.node, d.self, d.status]),
      [
        [init['node'], true, 'active'],
        [join1['node'], false, 'active'],
      ],
    )
    assert.deepEqual([...list[1]!.authorization].sort(), FULL)
    // The same request twice is a conflict, not a second trust.
    assert.equal((await sdmpFails(laptop, ['device', 'authorize', join1['request']])).code, 73)

    // Sync (simulated): the phone now knows its user; whoami says so without the store.
    await syncHomes(laptop, phone)
    await sdmpJson(phone, ['status'])
    const after = await sdmpJson(phone, ['whoami'])
    assert.equal(after['user'], init['user'])
    assert.equal(after['uri'], `sdmp://${init['user'] as string}`)
    // Without the user key, the phone still signs for the user under its delegated trust.
    const { id } = await sdmpJson(phone, ['post', 'from the phone'])
    assert.match(id, /^[A-Za-z0-9_-]{86}$/)
  })

  it('--host-only grants read_resource only; revoke marks the device revoked', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const laptop = join(dir, 'laptop')
    const server = join(dir, 'server')
    await sdmpJson(laptop, ['init'])
    const req = await sdmpJson(server, ['init', '--join', '--name', 'server'])
    const auth = await sdmpJson(laptop, ['device', 'authorize', req['request'], '--host-only'])
    assert.deepEqual(auth['authorization'], ['read_resource'])
    const host = (await devices(laptop)).find((d) => d.node === req['node'])!
    assert.deepEqual(host.authorization, ['read_resource'])
    assert.equal(host.status, 'active')
    assert.equal((await sdmpJson(laptop, ['status']))['counts']['devices'], 2)
    // A host-only node is no recipient of private data, so the invite carries no prekey of it.
    const { invite } = await sdmpJson(laptop, ['invite'])
    const inside = JSON.parse(
      Buffer.from(invite.slice('sdmp-invite:1:'.length), 'base64url').toString(),
    )
    const prekeys = inside.resources.filter((r: any) =>
      Buffer.from(r.signature.payload, 'base64url').toString().startsWith('{"prekey"'),
    )
    assert.equal(prekeys.length, 1)

    // Revoke by name; then it shows as revoked and a second revoke is a conflict.
    const revoked = await sdmpJson(laptop, ['device', 'revoke', 'server'])
    assert.equal(revoked['node'], req['node'])
    assert.equal(revoked['revokes'].length, 1)
    const after = (await devices(laptop)).find((d) => d.node === req['node'])!
    assert.equal(after.status, 'revoked')
    assert.equal((await sdmpJson(laptop, ['status']))['counts']['devices'], 1)
    const again = await sdmpFails(laptop, ['device', 'revoke', req['node']])
    assert.equal(again.code, 73)
    assert.match(again.line, /already revoked/)
    // A new trust can be issued after revocation (revocation is of the trust, not the key).
    await sdmpJson(laptop, ['device', 'authorize', req['request']])
  })

  it('refuses bad requests, unknown devices and revoking the node itself', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const laptop = join(dir, 'laptop')
    const other = join(dir, 'other')
    const init = await sdmpJson(laptop, ['init'])
    await sdmpJson(other, ['init'])
    assert.match(
      (await sdmpFails(laptop, ['device', 'authorize', 'sdmp-join:1:e30'])).line,
      /join request.identity: expected a resource object/,
    )
    assert.match(
      (await sdmpFails(laptop, ['device', 'authorize', 'nonsense'])).line,
      /expected a string starting with sdmp-join:1:/,
    )
    assert.match((await sdmpFails(laptop, ['device', 'revoke', 'nosuch'])).line, /no device nosuch/)
    assert.match(
      (await sdmpFails(laptop, ['device', 'revoke', init['node']])).line,
      /cannot revoke this node/,
    )
    // A user identity is not a join request, even when well signed.
    const { invite } = await sdmpJson(other, ['invite'])
    const inside = JSON.parse(
      Buffer.from(invite.slice('sdmp-invite:1:'.length), 'base64url').toString(),
    )
    const asRequest =
      'sdmp-join:1:' +
      Buffer.from(JSON.stringify({ identity: inside.resources[0] })).toString('base64url')
    assert.match(
      (await sdmpFails(laptop, ['device', 'authorize', asRequest])).line,
      /expected a node identity/,
    )
  })
})
