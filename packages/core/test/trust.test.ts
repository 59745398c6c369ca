/** Trust evaluation: publish/read/revoke rights, expiry, revocation order, connections. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TrustGraph, validateResource, ErrorCode, isProtocolError } from '../src/index.js'
import { T0, feed, identityOf, keyOf, person, postBy, provider, sign } from './world.js'

const befriend = (
  g: TrustGraph,
  a: { user: ReturnType<typeof keyOf> },
  b: { user: ReturnType<typeof keyOf> },
) =>
  feed(
    g,
    sign(
      {
        kind: 'trust',
        user: a.user.fingerprint,
        data: { trustee: b.user.fingerprint, authorization: ['read_resource'] },
      },
      a.user,
    ),
  )

describe('TrustGraph', () => {
  it('answers publish/read/revoke per authorization list', () => {
    const g = new TrustGraph()
    const host = person(g, 1, ['read_resource'])
    const full = person(g, 2, ['publish_resource', 'read_encrypted', 'revoke'])
    assert.equal(g.mayAct(host.node.fingerprint, host.user.fingerprint, 'publish', T0), false)
    assert.equal(g.mayAct(host.node.fingerprint, host.user.fingerprint, 'read', T0), false)
    assert.equal(g.isNodeOf(host.node.fingerprint, host.user.fingerprint, T0), true)
    assert.equal(g.mayAct(full.node.fingerprint, full.user.fingerprint, 'publish', T0), true)
    assert.equal(g.mayAct(full.node.fingerprint, full.user.fingerprint, 'read', T0), true)
    assert.equal(g.mayAct(full.node.fingerprint, full.user.fingerprint, 'revoke', T0), true)
    assert.equal(g.mayAct(full.node.fingerprint, full.user.fingerprint, 'create_trust', T0), false)
    // A node of one user has no rights for another user.
    assert.equal(g.mayAct(full.node.fingerprint, host.user.fingerprint, 'publish', T0), false)
    assert.deepEqual(g.readersOf(full.user.fingerprint, T0), [full.node.fingerprint])
    assert.deepEqual(g.readersOf(host.user.fingerprint, T0), [])
  })

  it('lets a revocation win whether it arrives before or after the trust', () => {
    for (const order of ['revoke-first', 'trust-first'] as const) {
      const g = new TrustGraph()
      const user = keyOf(1)
      const node = keyOf(101)
      feed(g, identityOf(user, 'user'), identityOf(node, 'node'))
      const trust = sign(
        {
          kind: 'trust',
          user: user.fingerprint,
          data: { trustee: node.fingerprint, authorization: ['publish_resource'] },
        },
        user,
      )
      const revoke = sign(
        { kind: 'revoke', user: user.fingerprint, data: { resource: trust.id } },
        user,
      )
      if (order === 'revoke-first') {
        feed(g, revoke)
        // Ingest refuses the revoked trust itself; the graph also ignores it if added directly.
        assert.throws(
          () => feed(g, trust),
          (e) => isProtocolError(e, ErrorCode.REVOKED),
        )
        g.addTrust({
          id: trust.id,
          grantor: user.fingerprint,
          trustee: node.fingerprint,
          authorization: ['publish_resource'],
          created: T0,
        })
      } else feed(g, trust, revoke)
      assert.equal(g.mayAct(node.fingerprint, user.fingerprint, 'publish', T0), false, order)
      const post = sign(
        {
          kind: 'post',
          user: user.fingerprint,
          trust: trust.id,
          data: { body: 'x', type: 'text' },
          created: T0 - 1000,
        },
        node,
      )
      assert.throws(
        () => validateResource(provider, post.bytes, g, { now: T0 }),
        (e) => isProtocolError(e, ErrorCode.REVOKED),
        order,
      )
    }
  })

  it('ignores a revocation issued by a user who did not grant the trust', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const mallory = person(g, 2)
    feed(
      g,
      sign(
        { kind: 'revoke', user: mallory.user.fingerprint, data: { resource: alice.trust.id } },
        mallory.user,
      ),
    )
    assert.equal(g.mayAct(alice.node.fingerprint, alice.user.fingerprint, 'publish', T0), true)
  })

  it('treats a revoked user identity as invalid for everything it authorized', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const identity = identityOf(alice.user, 'user')
    feed(
      g,
      sign(
        { kind: 'revoke', user: alice.user.fingerprint, data: { resource: identity.id } },
        alice.user,
      ),
    )
    assert.equal(g.mayAct(alice.node.fingerprint, alice.user.fingerprint, 'publish', T0), false)
    assert.throws(
      () => validateResource(provider, postBy(alice).bytes, g, { now: T0 }),
      (e) => isProtocolError(e, ErrorCode.REVOKED),
    )
  })

  it('applies trust expiry at the time asked', () => {
    const g = new TrustGraph()
    const user = keyOf(1)
    const node = keyOf(101)
    const trust = sign(
      {
        kind: 'trust',
        user: user.fingerprint,
        data: {
          trustee: node.fingerprint,
          authorization: ['read_encrypted'],
          expires: new Date(T0 + 60_000).toISOString(),
        },
      },
      user,
    )
    feed(g, identityOf(user, 'user'), identityOf(node, 'node'), trust)
    assert.equal(g.mayAct(node.fingerprint, user.fingerprint, 'read', T0 + 59_999), true)
    assert.equal(g.mayAct(node.fingerprint, user.fingerprint, 'read', T0 + 60_000), false)
  })

  it('lets nodes connect only with both users trusting each other', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const bob = person(g, 2)
    const a = { node: alice.node.fingerprint, user: alice.user.fingerprint }
    const b = { node: bob.node.fingerprint, user: bob.user.fingerprint }
    assert.equal(g.mayConnect(a, b, T0).ok, false)
    befriend(g, alice, bob)
    const oneWay = g.mayConnect(a, b, T0)
    assert.equal(oneWay.ok, false)
    assert.match(oneWay.ok ? '' : oneWay.reason, /user b does not trust user a/)
    befriend(g, bob, alice)
    assert.equal(g.mayConnect(a, b, T0).ok, true)
    assert.equal(g.mayConnect(b, a, T0).ok, true)
    // A node claiming to belong to a user who never authorized it cannot connect.
    const stray = keyOf(150)
    feed(g, identityOf(stray, 'node'))
    assert.equal(
      g.mayConnect({ node: stray.fingerprint, user: alice.user.fingerprint }, b, T0).ok,
      false,
    )
    // Two devices of the same user connect without a user-to-user trust.
    const second = keyOf(151)
    feed(
      g,
      identityOf(second, 'node'),
      sign(
        {
          kind: 'trust',
          user: alice.user.fingerprint,
          data: { trustee: second.fingerprint, authorization: ['read_resource'] },
        },
        alice.user,
      ),
    )
    assert.equal(
      g.mayConnect(a, { node: second.fingerprint, user: alice.user.fingerprint }, T0).ok,
      true,
    )
    // Revoking the contact trust disconnects.
    const contact = g.trustsBetween(bob.user.fingerprint, alice.user.fingerprint, T0)[0]!
    feed(
      g,
      sign(
        { kind: 'revoke', user: bob.user.fingerprint, data: { resource: contact.id } },
        bob.user,
      ),
    )
    assert.equal(g.mayConnect(a, b, T0).ok, false)
  })

  it('gives each side its own consent: a gate accepts the users its user trusts', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const bob = person(g, 2)
    const a = { node: alice.node.fingerprint, user: alice.user.fingerprint }
    const b = { node: bob.node.fingerprint, user: bob.user.fingerprint }
    assert.equal(g.mayAccept(a, b, T0).ok, false)
    befriend(g, alice, bob) // alice trusts bob; bob's trust back has not arrived here
    assert.equal(g.mayAccept(a, b, T0).ok, true)
    const other = g.mayAccept(b, a, T0)
    assert.equal(other.ok, false)
    assert.match(other.ok ? '' : other.reason, /does not trust the peer user/)
    // A node its user never authorized is refused whatever the trust between users.
    const stray = keyOf(152)
    feed(g, identityOf(stray, 'node'))
    assert.equal(
      g.mayAccept(a, { node: stray.fingerprint, user: bob.user.fingerprint }, T0).ok,
      false,
    )
    // Revoking alice's trust withdraws her consent.
    const contact = g.trustsBetween(alice.user.fingerprint, bob.user.fingerprint, T0)[0]!
    feed(
      g,
      sign(
        { kind: 'revoke', user: alice.user.fingerprint, data: { resource: contact.id } },
        alice.user,
      ),
    )
    assert.equal(g.mayAccept(a, b, T0).ok, false)
  })

  it('remembers a trust once granted, revoked or not (a contact who removed us)', () => {
    const g = new TrustGraph()
    const alice = person(g, 1)
    const bob = person(g, 2)
    const [ua, ub] = [alice.user.fingerprint, bob.user.fingerprint]
    assert.equal(g.everTrusted(ub, ua), false, 'bob never added alice')
    befriend(g, bob, alice)
    assert.equal(g.everTrusted(ub, ua, 'read_resource'), true)
    assert.equal(g.everTrusted(ub, ua, 'revoke'), false, 'only what the trust granted')
    assert.equal(g.everTrusted(ua, ub), false, 'one direction only')
    const trust = g.trustsBetween(ub, ua, T0)[0]!
    feed(g, sign({ kind: 'revoke', user: ub, data: { resource: trust.id } }, bob.user))
    assert.equal(g.trustsUser(ub, ua, T0), false)
    assert.equal(g.everTrusted(ub, ua, 'read_resource'), true, 'removed, not never added')
  })

  it('lets a revoke of a revoke restore the trust whatever the arrival order', () => {
    for (const order of [
      [0, 1],
      [1, 0],
    ]) {
      const g = new TrustGraph()
      const alice = person(g, 1)
      const r1 = sign(
        { kind: 'revoke', user: alice.user.fingerprint, data: { resource: alice.trust.id } },
        alice.user,
      )
      const r2 = sign(
        { kind: 'revoke', user: alice.user.fingerprint, data: { resource: r1.id } },
        alice.user,
      )
      const both = [r1, r2]
      for (const i of order) {
        try {
          feed(g, both[i]!)
        } catch (e) {
          // A revoke that arrives after its own revocation is refused as revoked: same end state.
          assert.ok(isProtocolError(e, ErrorCode.REVOKED))
          g.addRevocation({
            target: alice.trust.id,
            user: alice.user.fingerprint,
            id: r1.id,
            bySelf: true,
          })
        }
      }
      assert.equal(
        g.mayAct(alice.node.fingerprint, alice.user.fingerprint, 'publish', T0),
        true,
        `order ${order}`,
      )
    }
  })

  it('does not let a node with revoke kill its user identity', () => {
    const g = new TrustGraph()
    const alice = person(g, 1, ['publish_resource', 'revoke'])
    const identity = identityOf(alice.user, 'user')
    feed(
      g,
      sign(
        {
          kind: 'revoke',
          user: alice.user.fingerprint,
          trust: alice.trust.id,
          data: { resource: identity.id },
        },
        alice.node,
      ),
    )
    assert.equal(g.mayAct(alice.node.fingerprint, alice.user.fingerprint, 'publish', T0), true)
    feed(
      g,
      sign(
        { kind: 'revoke', user: alice.user.fingerprint, data: { resource: identity.id } },
        alice.user,
      ),
    )
    assert.equal(g.mayAct(alice.node.fingerprint, alice.user.fingerprint, 'publish', T0), false)
  })

  it('never lets a delegated trust grant more than its delegator holds', () => {
    const g = new TrustGraph()
    const admin = person(g, 5, ['create_trust', 'read_resource'])
    const other = keyOf(160)
    feed(g, identityOf(other, 'node'))
    feed(
      g,
      sign(
        {
          kind: 'trust',
          user: admin.user.fingerprint,
          trust: admin.trust.id,
          data: {
            trustee: other.fingerprint,
            authorization: ['publish_resource', 'read_resource'],
          },
        },
        admin.node,
      ),
    )
    assert.equal(g.mayAct(other.fingerprint, admin.user.fingerprint, 'publish', T0), false)
    assert.equal(g.isNodeOf(other.fingerprint, admin.user.fingerprint, T0), true)
  })

  it('keeps the newest identity of a key whatever the arrival order', () => {
    const user = keyOf(1)
    const older = sign(
      {
        kind: 'identity',
        user: user.fingerprint,
        data: {
          type: 'user',
          key: { crv: 'Ed25519', kty: 'OKP', x: Buffer.from(user.publicKey).toString('base64url') },
          expires: new Date(T0 + 1000).toISOString(),
        },
        created: T0 - 10,
      },
      user,
    )
    const newer = sign(
      {
        kind: 'identity',
        user: user.fingerprint,
        data: {
          type: 'user',
          key: { crv: 'Ed25519', kty: 'OKP', x: Buffer.from(user.publicKey).toString('base64url') },
        },
      },
      user,
    )
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      const g = new TrustGraph()
      feed(g, ...order)
      assert.equal(g.identity(user.fingerprint)!.id, newer.id)
      assert.equal(g.identity(user.fingerprint)!.expires, undefined)
    }
  })
})
