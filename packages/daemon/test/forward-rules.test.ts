/**
 * Forwarding rules (docs/protocol/forwarding.md §6): Alice forwards everything she receives to
 * Bob, Bob forwards everything to Alice; Carol writes to Alice. The message reaches Bob once
 * (forwarded by Alice, Carol's signature inside) and the loop stops there. Hostile: a forward
 * whose chain already names Alice, or has made the maximum number of hops, is not forwarded.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LIMITS } from '@sdmp/core'
import { tmpDir } from '@sdmp/testkit'
import { befriendPeers, closePeers, createPeer, pushPeer } from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import {
  addRule,
  checkPattern,
  patternMatches,
  readRules,
  removeRule,
} from '../src/account/rules.js'

const named = (p: Peer, name: string) => p.events.filter((e) => e.name === name)

describe('forwarding rules', () => {
  it('forwards to the rule targets with the chain, and stops the loop A -> B -> A', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const carol = await createPeer(dir, 'carol')
    t.after(() => closePeers([alice, bob, carol]))
    await befriendPeers(alice, bob)
    await befriendPeers(alice, carol)
    await befriendPeers(bob, carol)
    const [a, b, c] = [alice, bob, carol].map((p) => p.account.requireUser())
    await addRule(alice.account, '*', ['bob'])
    await addRule(bob.account, '*', ['alice'])

    const sent = await carol.mailbox.send({ to: [a!], body: 'for alice' })
    await pushPeer(carol, alice)
    await alice.mailbox.rulesIdle()
    const fwd = named(alice, 'mail.rule-forwarded')
    assert.equal(fwd.length, 1)
    const forwardId = fwd[0]!.detail['forward'] as string
    await pushPeer(alice, bob)
    await bob.mailbox.rulesIdle()
    const atBob = await bob.mailbox.get(forwardId)
    assert.equal(atBob?.from, a)
    assert.equal(atBob?.forwardedFrom?.user, c, "carol's signature verified inside")
    assert.equal(atBob?.forwardedFrom?.id, sent.id)
    assert.equal(atBob?.body, 'for alice')
    // Bob's rule would send it back to Alice: it passed through her, so it stops.
    assert.deepEqual(
      named(bob, 'mail.rule-stopped').map((e) => e.detail['reason']),
      ['loop'],
    )
    assert.equal(named(bob, 'mail.rule-forwarded').length, 0)

    // Hostile: a forward (by Bob's node, by hand) whose chain already names Alice; and one that
    // made the maximum number of hops. Alice's rule forwards neither.
    await removeRule(bob.account, (await readRules(bob.account))[0]!.id)
    const looped = await bob.mailbox.forward(forwardId, { to: [a!], chain: [a!, b!] })
    const hops = Array.from({ length: LIMITS.maxForwardHops }, () => c!)
    const far = await bob.mailbox.forward(forwardId, { to: [a!], chain: hops })
    await pushPeer(bob, alice)
    await alice.mailbox.rulesIdle()
    assert.ok(await alice.mailbox.get(looped.id), 'shown, not forwarded')
    assert.ok(await alice.mailbox.get(far.id))
    assert.deepEqual(
      named(alice, 'mail.rule-stopped')
        .map((e) => e.detail['reason'])
        .sort(),
      ['hops', 'loop'],
    )
    assert.equal(named(alice, 'mail.rule-forwarded').length, 1, 'only the first one')
  })

  it('matches senders by name or fingerprint with * wildcards, and checks its input', async (t) => {
    const fp = 'A'.repeat(86)
    assert.ok(patternMatches('*', fp, undefined))
    assert.ok(patternMatches('bo*', fp, 'Bob'))
    assert.ok(patternMatches('*ob', fp, 'bob'))
    assert.ok(!patternMatches('bo*', fp, 'carol'))
    assert.ok(patternMatches('AAAA*', fp, undefined))
    assert.ok(!patternMatches('AAAA', fp, undefined), 'the whole string must match')
    assert.ok(!patternMatches('b.b', fp, 'bob'), 'a dot is literal')
    for (const bad of ['', 'a b', 'x'.repeat(129), 'a@b', '(a)'])
      assert.throws(() => checkPattern(bad), { code: 'BAD_REQUEST' })
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    t.after(() => closePeers([alice]))
    await assert.rejects(addRule(alice.account, '*', ['nobody']), { code: 'NOT_FOUND' })
    await assert.rejects(addRule(alice.account, '*', []), { code: 'BAD_REQUEST' })
    await assert.rejects(removeRule(alice.account, 'nope'), { code: 'NOT_FOUND' })
    assert.deepEqual(await readRules(alice.account), [])
  })
})
