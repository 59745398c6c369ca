/**
 * Issue 6: a host-only node never holds a key that opens a private message (docs/security.md
 * §3, trust.md §9). After it has synced both directions of a conversation it holds no prekey
 * secret, signed no prekey, is no sender's recipient, and no secret it holds opens anything.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  ErrorCode,
  SUITES,
  SUITE_HYBRID,
  decodeResource,
  isProtocolError,
  openResource,
  validateResource,
} from '@sdmp/core'
import type { RecipientSecret, Suite, Verified } from '@sdmp/core'
import { registerSecret, tmpDir } from '@sdmp/testkit'
import {
  befriendPeers,
  closePeers,
  createPeer,
  pushPeer,
  restartPeer,
} from '@sdmp/testkit/daemon-world'
import type { Peer } from '@sdmp/testkit/daemon-world'
import { SECRET_NAMES, authorizeDevice } from '../src/account/index.js'
import {
  heldSecrets,
  prekeySecrets,
  registerAccountSecrets,
  secretNames,
} from './security-helpers.js'

/** A message body that is plaintext which must never be logged (registered for the scan). */
function secretBody(label: string): string {
  const body = `${label} ${randomBytes(12).toString('hex')}`
  registerSecret(body, `message body ${label}`)
  return body
}

/** Secret key length of each suite (envelope.md §2: hybrid = ML-KEM-768 dk 2400 || X25519 32). */
function secretKeyLength(suite: Suite): number {
  return suite === SUITE_HYBRID ? 2400 + 32 : 32
}

/** `bytes` repeated or cut to `length`: a held secret tried as a recipient secret key. */
function fit(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = bytes[i % bytes.length]!
  return out
}

/** Every encrypted resource `peer` stores, verified against its trust graph. */
async function encryptedHeld(peer: Peer): Promise<Verified[]> {
  const store = peer.account.store
  const metas = await store.queryResources({ kinds: ['encrypted'], limit: 10_000 })
  const now = peer.account.now()
  return Promise.all(
    metas.map(async (m) =>
      validateResource(
        peer.account.provider,
        (await store.getResource(m.id))!,
        peer.account.ingestor.graph,
        { now },
      ),
    ),
  )
}

describe('security: host-only node', () => {
  it('never holds a key that opens a private message', async (t) => {
    const dir = tmpDir(t.after.bind(t))
    const alice = await createPeer(dir, 'alice')
    const bob = await createPeer(dir, 'bob')
    const host = await createPeer(dir, 'bob-host', { join: true })
    t.after(() => closePeers([alice, bob, host]))
    await authorizeDevice(bob.account, await host.account.joinRequest(), { hostOnly: true })
    await befriendPeers(alice, bob)
    await pushPeer(bob, host)
    await restartPeer(host)
    assert.equal(host.account.user, bob.account.user, 'the host belongs to bob')

    // A conversation both ways; the host syncs everything each side stores.
    const a = alice.account.requireUser()
    const b = bob.account.requireUser()
    const sent = await alice.mailbox.send({ to: [b], body: secretBody('alice to bob') })
    await pushPeer(alice, bob)
    await bob.mailbox.send({ to: [a], body: secretBody('bob to alice'), replyTo: sent.id })
    await pushPeer(bob, alice)
    await pushPeer(alice, host)
    await pushPeer(bob, host)
    // The daemon's hourly check must not give the host a prekey either.
    const check = await host.mailbox.maintainPrekeys()
    assert.equal(check.published, false, 'the host publishes no prekey')
    for (const [p, label] of [
      [alice, 'alice'],
      [bob, 'bob'],
      [host, 'bob-host'],
    ] as const)
      await registerAccountSecrets(p, label)

    // 1. No prekey secret in the host's secrets table (bob's full device has one).
    const hostNames = await secretNames(host)
    assert.ok(hostNames.includes(SECRET_NAMES.nodeSeed), 'the listing sees the node seed')
    assert.deepEqual(
      hostNames.filter((n) => n.startsWith(SECRET_NAMES.prekeyPrefix)),
      [],
      'no prekey.* secret on the host',
    )
    assert.ok((await secretNames(bob)).some((n) => n.startsWith(SECRET_NAMES.prekeyPrefix)))

    // 2. No prekey resource signed by the host, though it stores those of alice and bob.
    const prekeyMetas = await host.account.store.queryResources({ kinds: ['prekey'], limit: 1000 })
    const signers = await Promise.all(
      prekeyMetas.map(async (m) => {
        const r = decodeResource(
          host.account.provider,
          (await host.account.store.getResource(m.id))!,
        )
        return r.signatures[0]!.kid
      }),
    )
    assert.ok(signers.includes(alice.account.node) && signers.includes(bob.account.node))
    assert.ok(!signers.includes(host.account.node), 'no prekey signed by the host')

    // 3. Senders never count the host among bob's readers, in anyone's trust graph.
    for (const p of [alice, bob, host]) {
      const readers = p.account.ingestor.graph.readersOf(b, p.account.now())
      assert.ok(readers.includes(bob.account.node), 'bob reads his own messages')
      assert.ok(!readers.includes(host.account.node), `host excluded in ${p.home}`)
    }

    // 4. No secret the host holds opens any encrypted resource it stores: each is tried as the
    // secret key of every suite, paired with every prekey public key the host has seen.
    const held = [...(await heldSecrets(host)).values()]
    const envelopes = await encryptedHeld(host)
    assert.ok(envelopes.length >= 2, 'the host stores both messages (and receipts)')
    const publicKeys = await Promise.all(
      prekeyMetas.map(async (m) => {
        const r = decodeResource(
          host.account.provider,
          (await host.account.store.getResource(m.id))!,
        )
        return r.data as { key: string }
      }),
    )
    const candidates: RecipientSecret[] = []
    for (const value of held)
      for (const suite of SUITES)
        for (const { key } of publicKeys)
          candidates.push({
            suite,
            publicKey: Buffer.from(key, 'base64url'),
            secretKey: fit(value, secretKeyLength(suite)),
          })
    const now = host.account.now()
    for (const env of envelopes)
      for (const secret of candidates)
        assert.throws(
          () =>
            openResource(host.account.provider, env, [secret], host.account.ingestor.graph, {
              now,
            }),
          (e) => isProtocolError(e, ErrorCode.DECRYPT_FAILED),
        )

    // Control: the same procedure with bob's own prekey secrets does open what was sent to him,
    // so the failures above are about the keys, not the procedure.
    const bobKeys = await prekeySecrets(bob)
    const opened = envelopes.filter((env) => {
      try {
        openResource(bob.account.provider, env, bobKeys, bob.account.ingestor.graph, { now })
        return true
      } catch {
        return false
      }
    })
    assert.ok(opened.length >= 1, 'bob opens the message sent to him')
  })
})
