/**
 * Delegation between users (docs/protocol/delegation.md): Alice lets Bob send on her behalf;
 * Carol, a contact of both, sees "Bob for Alice" (`onBehalfOf`). Hostile: Bob's node keeps
 * sending with the delegation after Alice revoked it, or after it expired; Carol's node refuses
 * each with its reason and never shows it. Read: Alice lets Bob read what is addressed to her;
 * a message Carol sends Alice reaches Bob's node too.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { tmpDir } from '@sdmp/testkit'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  restartPeer,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { ingestAccepted } from '@sdmp/testkit/node-world'
import {
  delegationFrom,
  grantDelegation,
  listDelegations,
  revokeDelegations,
} from '../src/account/delegations.js'

/** Three users, each a contact of the other two. */
async function world(t: TestContext) {
  const dir = tmpDir(t.after.bind(t))
  const alice = await createPeer(dir, 'alice')
  const bob = await createPeer(dir, 'bob')
  const carol = await createPeer(dir, 'carol')
  t.after(() => closePeers([alice, bob, carol]))
  await befriendPeers(alice, bob)
  await befriendPeers(alice, carol)
  await befriendPeers(bob, carol)
  const fp = (p: Peer) => p.account.requireUser()
  return { alice, bob, carol, a: fp(alice), b: fp(bob), c: fp(carol) }
}

const refused = (p: Peer) =>
  p.events.filter((e) => e.name === 'mail.delegation-refused').map((e) => e.detail['reason'])

describe('delegation: send on behalf', () => {
  it('shows "bob for alice"; after a revocation bob is refused, and carol refuses what he still sends', async (t) => {
    const { alice, bob, carol, a, b, c } = await world(t)
    // Bob cannot send for Alice before she lets him.
    await assert.rejects(bob.mailbox.send({ to: [c], body: 'x', onBehalfOf: a }), {
      code: 'FORBIDDEN',
    })
    const granted = await grantDelegation(alice.account, 'bob', ['send'])
    assert.equal(granted.state, 'active')
    await pushPeer(alice, bob)
    await pushPeer(alice, carol)
    assert.equal((await listDelegations(bob.account)).received[0]?.principal, a)

    const sent = await bob.mailbox.send({ to: [c], body: 'meeting moved', onBehalfOf: a })
    await pushPeer(bob, carol)
    const m = await carol.mailbox.get(sent.id)
    assert.equal(m?.from, b)
    assert.equal(m?.onBehalfOf, a, 'carol sees it as bob for alice')
    assert.equal((await bob.mailbox.get(sent.id))?.onBehalfOf, a)
    // An ordinary message says null.
    const plain = await bob.mailbox.send({ to: [c], body: 'just me' })
    await pushPeer(bob, carol)
    assert.equal((await carol.mailbox.get(plain.id))?.onBehalfOf, null)

    // Alice revokes at once; Bob's node and Carol's learn it.
    const revoked = await revokeDelegations(alice.account, 'bob')
    assert.deepEqual(
      revoked.map((d) => d.id),
      [granted.id],
    )
    await pushKind('revoke', alice, bob, carol)
    await assert.rejects(
      bob.mailbox.send({ to: [c], body: 'again', onBehalfOf: a }),
      (e: Error & { code?: string }) => e.code === 'FORBIDDEN' && /revoked/.test(e.message),
    )
    assert.equal((await listDelegations(alice.account)).granted[0]?.state, 'revoked')

    // Hostile: Bob's node skips its own check and embeds the revoked delegation anyway.
    const stale = (await storedText(alice, granted.id))!
    const late = await bob.mailbox.send({ to: [c], body: 'pay me', delegation: stale })
    await pushKind('encrypted', bob, carol)
    assert.equal(await carol.mailbox.get(late.id), undefined, 'never shown')
    assert.ok(!(await carol.mailbox.list({ all: true })).some((x) => x.id === late.id))
    assert.deepEqual(refused(carol), ['delegation-revoked'])
    // What was shown before the revocation stays, still "for alice".
    assert.equal((await carol.mailbox.get(sent.id))?.onBehalfOf, a)
  })

  it('refuses a delegation used after it expired (delegation-expired)', async (t) => {
    const { alice, bob, carol, a, c } = await world(t)
    const now = Date.now()
    const granted = await grantDelegation(alice.account, 'bob', ['send'], now + 60 * 60_000)
    await pushPeer(alice, bob)
    await pushPeer(alice, carol)
    const ok = await bob.mailbox.send({ to: [c], body: 'in time', onBehalfOf: a })
    await pushKind('encrypted', bob, carol)
    assert.equal((await carol.mailbox.get(ok.id))?.onBehalfOf, a)

    // Two hours later (both clocks): Bob's node refuses; a node that skips the check is refused.
    const later = () => Date.now() + 2 * 60 * 60_000
    await restartPeer(bob, later)
    await restartPeer(carol, later)
    await assert.rejects(
      bob.mailbox.send({ to: [c], body: 'late', onBehalfOf: a }),
      (e: Error & { code?: string }) => e.code === 'FORBIDDEN' && /expired/.test(e.message),
    )
    const text = (await delegationText(bob, granted.id))!
    const late = await bob.mailbox.send({ to: [c], body: 'late', delegation: text })
    await pushKind('encrypted', bob, carol)
    assert.equal(await carol.mailbox.get(late.id), undefined)
    assert.deepEqual(refused(carol), ['delegation-expired'])
  })

  it('refuses a delegation that names someone else, or is not a delegation (hostile)', async (t) => {
    const { alice, bob, carol, a, c } = await world(t)
    // Alice delegated to Carol, not Bob: Bob embeds it anyway.
    const toCarol = await grantDelegation(alice.account, 'carol', ['send'])
    await pushPeer(alice, bob)
    await pushPeer(alice, carol)
    const text = (await delegationText(bob, toCarol.id))!
    const stolen = await bob.mailbox.send({ to: [c], body: 'x', delegation: text })
    // Garbage where the delegation goes.
    const junk = await bob.mailbox.send({ to: [c], body: 'y', delegation: '{"not":"a resource"}' })
    await pushKind('encrypted', bob, carol)
    assert.equal(await carol.mailbox.get(stolen.id), undefined)
    assert.equal(await carol.mailbox.get(junk.id), undefined)
    assert.deepEqual(refused(carol).sort(), ['delegation-invalid', 'delegation-mismatch'])
    // A delegation with only `read` does not let Bob send.
    const readOnly = await grantDelegation(alice.account, 'bob', ['read'])
    await pushPeer(alice, bob)
    await assert.rejects(bob.mailbox.send({ to: [c], body: 'z', onBehalfOf: a }), {
      code: 'FORBIDDEN',
    })
    assert.equal((await delegationFrom(bob.account, a, 'read')).info.id, readOnly.id)
  })
})

describe('delegation: read', () => {
  it("a message carol sends alice reaches bob's node, who reads for her; not after a revoke", async (t) => {
    const { alice, bob, carol, a } = await world(t)
    await grantDelegation(alice.account, 'bob', ['read'])
    await pushPeer(alice, carol)
    await pushPeer(alice, bob)
    const sent = await carol.mailbox.send({ to: [a], body: 'for alice' })
    await pushPeer(carol, alice)
    await pushPeer(carol, bob)
    assert.equal((await alice.mailbox.get(sent.id))?.body, 'for alice')
    const atBob = await bob.mailbox.get(sent.id)
    assert.equal(atBob?.body, 'for alice', "bob's node reads alice's mail")
    assert.deepEqual(atBob?.to, [a])

    await revokeDelegations(alice.account, 'bob')
    await pushKind('revoke', alice, bob, carol)
    const after = await carol.mailbox.send({ to: [a], body: 'private again' })
    await pushKind('encrypted', carol, bob)
    assert.equal(await bob.mailbox.get(after.id), undefined)
  })
})

/**
 * Hand `to` the resources of one kind `from` published (what sync does once both hold the
 * rest: the revoked delegation itself would be refused as revoked if offered again).
 */
async function pushKind(kind: string, from: Peer, ...to: Peer[]): Promise<void> {
  const metas = await from.account.store.queryResources({ kinds: [kind], user: from.account.user! })
  const bytes = await Promise.all(
    metas.map(async (m) => (await from.account.store.getResource(m.id))!),
  )
  for (const p of to) {
    await ingestAccepted(p.account.ingestor, bytes)
    await p.mailbox.waitProcessed((await p.account.store.journalHead())!.position)
  }
}

/** The canonical text of a stored resource. */
async function storedText(p: Peer, id: string): Promise<string | undefined> {
  const bytes = await p.account.store.getResource(id)
  return bytes && new TextDecoder().decode(bytes)
}
const delegationText = storedText
