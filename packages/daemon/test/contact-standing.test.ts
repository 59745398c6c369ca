/**
 * A contact's standing (account/standing.ts, docs/messaging.md "Delivery states"): a refusal
 * from someone who never trusted us is `waiting`, from someone who had is `removed`; a refusal
 * that says nothing of the user (`unknown_node`) changes nothing; a revoked trust is `removed`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TrustGraph, applyToTrustGraph, validateResource } from '@sdmp/core'
import type { DecodedResource } from '@sdmp/core'
import { befriend, makeUser, provider, sign } from '@sdmp/testkit/node-world'
import { contactStatus } from '../src/account/standing.js'
import type { Refusal } from '../src/account/standing.js'

const NOW = Date.now()

function feed(g: TrustGraph, ...resources: DecodedResource[]): void {
  for (const r of resources)
    applyToTrustGraph(g, validateResource(provider, r.bytes, g, { now: Math.max(NOW, r.created) }))
}

const refusal = (user: string, reason: string): Refusal => ({ user, reason, at: '' })

describe('contact standing', () => {
  it('tells waiting from removed by whether they ever trusted us', () => {
    const g = new TrustGraph()
    const alice = makeUser('alice', 61)
    const bob = makeUser('bob', 62)
    feed(g, alice.identity, bob.identity, befriend(alice, bob))
    const [me, b] = [alice.key.fingerprint, bob.key.fingerprint]
    const status = (r?: Refusal) => contactStatus(g, me, b, r, NOW)

    // Bob never added Alice: waiting, refused or not.
    assert.equal(status(), 'waiting')
    assert.equal(status(refusal(b, 'untrusted')), 'waiting')
    assert.equal(status(refusal(b, 'unknown_node')), 'waiting')

    // Bob's trust arrived: mutual, unless his node refuses us now (he removed us, and the
    // revoke never reached us).
    const trust = befriend(bob, alice)
    feed(g, trust)
    assert.equal(status(), 'mutual')
    assert.equal(status(refusal(b, 'untrusted')), 'removed')
    assert.equal(status(refusal(b, 'revoked')), 'removed')
    // His node not knowing this device says nothing about Bob.
    assert.equal(status(refusal(b, 'unknown_node')), 'mutual')
    // A reason that says nothing of trust (a busy node, a later version's code) changes nothing.
    assert.equal(status(refusal(b, 'full')), 'mutual')
    assert.equal(status(refusal(b, 'early_drop')), 'mutual')

    // The revoke did reach us: removed without any refusal.
    feed(g, sign({ kind: 'revoke', user: b, data: { resource: trust.id } }, bob.key))
    assert.equal(status(), 'removed')
  })
})
