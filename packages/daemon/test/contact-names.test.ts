/**
 * Contact names as people type them (account/contact-names.ts, docs/cli.md "Contacts"): case
 * does not matter, an exact name wins, a typo gets the closest name suggested, and two contacts
 * cannot have names that differ only in case.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import { closePeers, createPeer } from '@sdmp/testkit/daemon-world'
import { addContact, createInvite, readContacts, removeContact } from '../src/account/index.js'
import { findContact, requireContact } from '../src/account/contact-names.js'
import type { ContactEntry } from '../src/account/index.js'

const entry = (name: string): ContactEntry => ({
  name,
  user: `U${name}`,
  trust: 'T',
  added: '2026-12-05T00:00:00.000Z',
})

describe('contact names', () => {
  it('finds a name whatever its case, the exact one first', () => {
    const list = [entry('Bob'), entry('carol'), entry('dave'), entry('DAVE')]
    assert.equal(findContact(list, 'bob')?.name, 'Bob')
    assert.equal(findContact(list, 'CAROL')?.name, 'carol')
    assert.equal(findContact(list, 'DAVE')?.name, 'DAVE')
    assert.equal(findContact(list, 'erin'), undefined)
    // Two names equal but for case and neither exact: refuse to guess.
    assert.throws(
      () => findContact(list, 'Dave'),
      (e) => isProtocolError(e, ErrorCode.CONFLICT) && /dave, DAVE/.test(e.message),
    )
  })

  it('suggests the closest name for a typo, and nothing for a stranger', () => {
    const list = [entry('Bob'), entry('carol')]
    assert.throws(
      () => requireContact(list, 'bbo'),
      (e) =>
        isProtocolError(e, ErrorCode.NOT_FOUND) &&
        e.message === "no contact named bbo; did you mean 'Bob'?",
    )
    assert.throws(
      () => requireContact(list, 'zed'),
      (e) => isProtocolError(e, ErrorCode.NOT_FOUND) && e.message === 'no contact named zed',
    )
  })

  it('refuses a second name that differs only in case, and removes by any case', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const carol = await createPeer(dir, 'carol')
    t.after(() => closePeers([alice, bob, carol]))
    await addContact(alice.account, await createInvite(bob.account), { name: 'Bob' })
    await assert.rejects(
      addContact(alice.account, await createInvite(carol.account), { name: 'bob' }),
      (e) => isProtocolError(e, ErrorCode.CONFLICT) && /already used \(by Bob\)/.test(e.message),
    )
    const removed = await removeContact(alice.account, 'BOB')
    assert.equal(removed.name, 'Bob')
    assert.deepEqual(await readContacts(alice.account), [])
  })
})
