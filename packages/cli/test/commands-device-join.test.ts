/**
 * `sdmp device join INVITE` through the real executable: a device made with `init --join`
 * learns its user from the invite its first device makes after `device authorize`, without
 * waiting for sync; an invite that does not list it, a malformed one or a second join is
 * refused in one line.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { tmpDir } from '@sdmp/testkit'
import { sdmpFails, sdmpJson, sdmpText } from './messaging-helpers.js'

describe('sdmp device join', () => {
  it('the phone joins with the invite made after authorize', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const laptop = join(dir, 'laptop')
    const phone = join(dir, 'phone')
    const { user } = await sdmpJson(laptop, ['init', '--name', 'Alice'])
    const { node, request } = await sdmpJson(phone, ['init', '--join', '--name', 'phone'])

    // An invite from before the authorization does not list the phone.
    const { invite: early } = await sdmpJson(laptop, ['invite'])
    const refused = await sdmpFails(phone, ['device', 'join', early])
    assert.equal(refused.code, 77)
    assert.match(refused.line, /does not list this device/)
    const malformed = await sdmpFails(phone, ['device', 'join', 'sdmp-invite:1:!!!'])
    assert.equal(malformed.code, 65)
    assert.equal((await sdmpJson(phone, ['whoami']))['user'], null)

    const authorized = await sdmpText(laptop, ['device', 'authorize', request])
    assert.match(authorized, /^authorized node /)
    assert.match(authorized, /^Next, on the new device: sdmp device join INVITE/m)
    const { invite } = await sdmpJson(laptop, ['invite'])
    const joined = await sdmpJson(phone, ['device', 'join', invite])
    assert.deepEqual(joined, { user, node })
    assert.equal((await sdmpJson(phone, ['whoami']))['user'], user)
    const devices = (await sdmpJson(phone, ['device', 'list']))['devices'] as { node: string }[]
    assert.ok(devices.some((d) => d.node === node))

    const again = await sdmpFails(phone, ['device', 'join', invite])
    assert.equal(again.code, 73)
    assert.equal(again.error, 'CONFLICT')
  })
})
