/**
 * Forwarding between daemons (docs/protocol/forwarding.md): Alice writes to Bob, Bob forwards
 * it to Carol, who is not Alice's contact and knows nothing of her. Carol's node verifies
 * Alice's signature from the proof the forward carries and shows the original body with
 * `forwardedFrom` naming Alice and the original id. Hostile: Bob forwards a message of Alice's
 * with the embedded body altered; Carol's node refuses it with a code and never shows it.
 */
import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { ErrorCode, isProtocolError, utf8 } from '@sdmp/core'
import type { Account } from '@sdmp/daemon'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriendDaemons,
  befriendPeers,
  closePeers,
  createAccount,
  createPeer,
  inboxHas,
  pushPeer,
  startDaemon,
  stopDaemons,
} from '@sdmp/testkit/daemon-world'
import type { TestDaemon } from '@sdmp/testkit/daemon-world'

afterEach(stopDaemons)

const WAIT = { timeout: 30_000, interval: 20 }
const text = (b: Uint8Array) => new TextDecoder().decode(b)

async function shown(n: TestDaemon, id: string) {
  const s = await n.api.show(id)
  assert.ok('message' in s)
  return s.message
}

/**
 * A message Alice's node really signed (to Bob), with the identity and trust resources that
 * prove it, as Bob's node would embed it.
 */
async function signedByAlice(alice: Account, bob: string, body: string) {
  const r = alice.signForUser(
    { kind: 'message', data: { body, type: 'text', to: [bob] } },
    'publish_resource',
  )
  const graph = alice.ingestor.graph
  const ids = [graph.identity(alice.requireUser())!.id, graph.identity(r.signatures[0]!.kid)!.id]
  ids.push(r.header.trust!)
  const proof = await Promise.all(ids.map(async (id) => text((await alice.store.getResource(id))!)))
  return { resource: text(r.bytes), proof }
}

/** The same resource with its body replaced and its identifier recomputed (a forgery). */
function withBody(resource: string, body: string, sha512: (b: Uint8Array) => Uint8Array): string {
  const outer = JSON.parse(resource)
  const inner = JSON.parse(Buffer.from(outer.signature.payload, 'base64url').toString('utf8'))
  inner.message.body = body
  const payload = Buffer.from(canonical(inner)).toString('base64url')
  outer.signature.payload = payload
  outer.signature.identifier = Buffer.from(sha512(utf8(payload))).toString('base64url')
  return canonical(outer)
}
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  const o = v as Record<string, unknown>
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`
}

describe('forwarding between daemons', () => {
  it(
    "carol, a stranger to alice, verifies alice's signature inside bob's forward; a forgery is refused",
    { timeout: 120_000 },
    async () => {
      const dir = tmpDir(after, 'sdmp-forward-')
      const alice = await startDaemon(await createAccount(dir, 'alice'))
      const bob = await startDaemon(await createAccount(dir, 'bob'))
      const carol = await startDaemon(await createAccount(dir, 'carol'))
      await befriendDaemons(alice, 'alice', bob, 'bob')
      await befriendDaemons(bob, 'bob', carol, 'carol')
      const aliceFp = (await alice.api.whoami()).user!
      const bobFp = (await bob.api.whoami()).user!
      const carolFp = (await carol.api.whoami()).user!

      const original = await alice.api.send({
        to: ['bob'],
        body: 'the plan: **ship** on friday',
        type: 'markdown',
        subject: 'plan',
      })
      await inboxHas(bob, original.id, 'bob to get alice’s message')

      const fwd = await bob.api.forward(original.id.slice(0, 10), {
        to: ['carol'],
        note: 'see what alice says',
      })
      await inboxHas(carol, fwd.id, 'carol to get the forward')
      const m = await shown(carol, fwd.id)
      assert.equal(m.from, bobFp, 'bob forwarded it')
      assert.deepEqual(m.forwardedFrom, {
        user: aliceFp,
        id: original.id,
        created: (await shown(alice, original.id)).created,
        note: 'see what alice says',
      })
      // What Carol reads is Alice's message, exactly as Alice signed it.
      assert.equal(m.body, 'the plan: **ship** on friday')
      assert.equal(m.type, 'markdown')
      assert.equal(m.subject, 'plan')
      // Carol does not know Alice: not a contact, no identity of hers in Carol's trust graph.
      assert.ok(!(await carol.api.contacts()).contacts.some((c) => c.user === aliceFp))
      assert.equal(carol.daemon.account.ingestor.graph.identity(aliceFp), undefined)
      // The inbox lists it with forwardedFrom; Bob's own copy says the same.
      const listed = (await carol.api.inbox()).messages.find((x) => x.id === fwd.id)
      assert.equal(listed?.forwardedFrom?.user, aliceFp)
      assert.equal((await shown(bob, fwd.id)).forwardedFrom?.id, original.id)
      // A message that is not a forward says so.
      assert.equal((await shown(bob, original.id)).forwardedFrom, null)

      // Carol forwards the forward on to Bob: still Alice's original, one level (§3).
      const again = await carol.api.forward(fwd.id, { to: ['bob'] })
      await inboxHas(bob, again.id, 'bob to get the forward of the forward')
      const a = await shown(bob, again.id)
      assert.equal(a.forwardedFrom?.user, aliceFp)
      assert.equal(a.forwardedFrom?.id, original.id)
      assert.equal(a.forwardedFrom?.note, null)

      // Hostile: Bob alters the body of a message Alice really signed, then forwards it.
      const genuine = await signedByAlice(alice.daemon.account, bobFp, 'pay bob 10')
      const sha512 = (b: Uint8Array) => bob.daemon.account.provider.sha512(b)
      const forged = withBody(genuine.resource, 'pay bob 10000', sha512)
      const bad = await bob.daemon.mailbox.send({
        to: [carolFp],
        body: '',
        forwarded: { resource: forged, proof: genuine.proof },
      })
      // The same path with the genuine bytes is shown: only the alteration is refused.
      const good = await bob.daemon.mailbox.send({ to: [carolFp], body: '', forwarded: genuine })
      await inboxHas(carol, good.id, 'carol to get the genuine forward')
      assert.equal((await shown(carol, good.id)).body, 'pay bob 10')
      await waitFor(
        () =>
          carol.events.some(
            (e) => e.name === 'mail.forward-refused' && e.detail['code'] === 'INVALID_SIGNATURE',
          ),
        { ...WAIT, what: 'carol to refuse the forged forward with INVALID_SIGNATURE' },
      )
      const all = (await carol.api.inbox({ all: true })).messages
      assert.ok(!all.some((x) => x.id === bad.id || x.body.includes('10000')))
      await assert.rejects(carol.api.show(bad.id), { code: 'NOT_FOUND' })
      // Bob's own node refused it too (it indexes what it sends the same way).
      assert.ok(bob.events.some((e) => e.name === 'mail.forward-refused'))
    },
  )

  it('refuses to forward what it does not hold, and checks the request', async () => {
    const dir = tmpDir(after, 'sdmp-forward-')
    const bob = await startDaemon(await createAccount(dir, 'bob'))
    await assert.rejects(bob.api.forward('A'.repeat(86), { to: ['carol'] }), {
      code: 'NOT_FOUND',
    })
    await assert.rejects(bob.api.forward('A'.repeat(86), { to: [] }), { code: 'BAD_REQUEST' })
    await assert.rejects(bob.api.forward('bad id!', { to: ['x'] }), { code: 'BAD_REQUEST' })
    const own = await bob.api.send({ to: [(await bob.api.whoami()).user!], body: 'note to self' })
    await assert.rejects(bob.api.forward(own.id, { to: ['nobody'] }), { code: 'NOT_FOUND' })
  })
})

describe('forwarding and revocation (mailboxes in process)', () => {
  it('a message its author revoked is no longer forwarded (REVOKED)', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    t.after(() => closePeers([alice, bob]))
    await befriendPeers(alice, bob)
    const b = bob.account.requireUser()
    const sent = await alice.mailbox.send({ to: [b], body: 'take it back' })
    await pushPeer(alice, bob)
    const before = await bob.mailbox.forward(sent.id, { to: [b] })
    assert.equal((await bob.mailbox.get(before.id))?.forwardedFrom?.id, sent.id)

    // Alice revokes her message; Bob's node learns it (he is her contact). The proof alone
    // would still verify (a stranger could not know): the node's own graph says no (§4 step 8).
    const revoke = alice.account.signForUser(
      { kind: 'revoke', data: { resource: sent.id, reason: 'retracted' } },
      'revoke',
    )
    await alice.account.publish([revoke])
    await pushPeer(alice, bob)
    await assert.rejects(
      bob.mailbox.forward(sent.id, { to: [b] }),
      (e) => isProtocolError(e, ErrorCode.REVOKED) && /revoked by its author/.test(e.message),
    )
  })
})
