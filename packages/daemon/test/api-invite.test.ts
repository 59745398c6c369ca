/**
 * `GET /v1/invite?compact=true` (docs/api.md): the compact invite `sdmp invite --qr` shows,
 * served over HTTP for the web client's QR code; another user adds it as a contact, and a
 * malformed flag is a coded 400.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { tmpDir } from '@sdmp/testkit'
import { createAccount, startDaemon, stopDaemons } from '@sdmp/testkit/daemon-world'
import { QR_CAPACITY_BYTES } from '../src/account/index.js'
import { readApiToken } from '../src/index.js'

afterEach(stopDaemons)

describe('GET /v1/invite?compact=true', () => {
  it('serves the compact invite, which another user adds as a contact', async () => {
    const dir = tmpDir(after, 'sdmp-invite-compact-')
    const alice = await startDaemon(await createAccount(dir, 'alice'))
    const bob = await startDaemon(await createAccount(dir, 'bob'))
    const full = (await alice.api.invite()).invite
    const compact = (await alice.api.invite({ compact: true })).invite
    assert.match(full, /^sdmp-invite:1:/)
    assert.match(compact, /^sdmp-invite:2:[A-Za-z0-9_-]+$/)
    assert.ok(compact.length < full.length / 2, `${compact.length} vs ${full.length}`)
    assert.ok(compact.length <= QR_CAPACITY_BYTES, 'one QR code holds it')
    const added = await bob.api.addContact({ invite: compact, name: 'alice' })
    assert.equal(added.user, (await alice.api.whoami()).user)
    assert.deepEqual(
      (await bob.api.contacts()).contacts.map((c) => c.name),
      ['alice'],
    )
  })

  it('refuses a malformed flag with 400 BAD_REQUEST', async () => {
    const dir = tmpDir(after, 'sdmp-invite-bad-')
    const alice = await startDaemon(await createAccount(dir, 'alice'))
    const res = await fetch(`${alice.daemon.apiUrl}/v1/invite?compact=maybe`, {
      headers: { authorization: `Bearer ${readApiToken(alice.home)}` },
    })
    assert.equal(res.status, 400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    assert.equal(body.error.code, 'BAD_REQUEST')
    assert.match(body.error.message, /compact/)
  })
})
