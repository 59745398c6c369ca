/**
 * A host-only node (trusted with read_resource only) stores and serves an encrypted message it
 * cannot open: Alice's laptop seals to Bob's phone, syncs with her host and goes offline; Bob's
 * phone, which only ever talks to the host, receives the message and opens it (envelope.md §1,
 * sync.md §8.5). Over TCP on loopback with SQLite stores.
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import {
  ErrorCode,
  generatePrekey,
  isProtocolError,
  openResource,
  prekeyRecordOf,
  sealResource,
  selectPrekeys,
  signResource,
  toBase64url,
  validateResource,
} from '@sdmp/core'
import type { Prekey, PrekeyRecord } from '@sdmp/core'
import { tmpDir, waitFor } from '@sdmp/testkit'
import {
  befriend,
  introduce,
  makeNodeIdentity,
  makeUser,
  openDiskNode,
  prekeyRecords,
  provider,
  shutdownAll,
} from '@sdmp/testkit/node-world'
import type { DiskNode } from '@sdmp/testkit/node-world'

const DAY = 86_400_000

/** Generate a prekey and the draft that publishes it. */
function prekeyDraft(): {
  prekey: Prekey
  draft: { kind: 'prekey'; data: Record<string, string> }
} {
  const now = Date.now() - 2000
  const prekey = generatePrekey(provider, { created: now, expires: now + 14 * DAY })
  return {
    prekey,
    draft: {
      kind: 'prekey',
      data: {
        suite: 'pq-kyber768-x25519',
        key: toBase64url(prekey.publicKey),
        expires: new Date(prekey.expires).toISOString(),
      },
    },
  }
}

describe('host-only node', () => {
  after(shutdownAll)

  it('stores and serves an encrypted message it cannot open', async () => {
    const alice = makeUser('alice', 1)
    const bob = makeUser('bob', 2)
    befriend(alice, bob)
    befriend(bob, alice)
    const laptop = await openDiskNode(makeNodeIdentity('alice-laptop', alice, 101), tmpDir(after))
    const host = await openDiskNode(
      makeNodeIdentity('alice-host', alice, 111, ['read_resource']),
      tmpDir(after),
    )
    const phone = await openDiskNode(makeNodeIdentity('bob-phone', bob, 102), tmpDir(after))
    for (const n of [laptop, host, phone]) await introduce(n, alice, bob)

    // Each reading node publishes a prekey; the host's profile forbids it one.
    const bobKey = prekeyDraft()
    const laptopKey = prekeyDraft()
    const hostKey = prekeyDraft()
    const bobPrekey = await phone.publish(bobKey.draft)
    await laptop.publish(laptopKey.draft)
    await assert.rejects(host.publish(hostKey.draft), /UNAUTHORIZED_SIGNER/) // never stored

    // Bob's phone meets the host once: its prekey reaches the host, then the laptop.
    await host.start()
    await phone.start({ peers: [host.address()], listen: false })
    await waitFor(() => host.has(bobPrekey.id), { what: 'bob prekey on the host' })
    await phone.manager!.stop()
    phone.manager = undefined
    await laptop.start({ peers: [host.address()], listen: false })
    await waitFor(() => laptop.has(bobPrekey.id), { what: 'bob prekey on the laptop' })

    // The laptop seals a message to Bob (and to itself) and publishes the envelope.
    const inner = signResource(
      provider,
      {
        kind: 'message',
        user: alice.key.fingerprint,
        trust: laptop.trust.id,
        created: Date.now() - 1000,
        data: { body: 'for bob only', type: 'text', to: [bob.key.fingerprint] },
      },
      [laptop.key],
    )
    const recipients = selectPrekeys(await prekeyRecords(laptop), Date.now())
    assert.deepEqual(
      recipients.map((r) => r.node).sort(),
      [laptop.key.fingerprint, phone.key.fingerprint].sort(),
      'the host has no prekey to seal to',
    )
    // Tagged for its readers (envelope.md §12), so the host may relay it to Bob (sync.md §10).
    const outer = sealResource(
      provider,
      inner,
      recipients,
      { key: laptop.key, user: alice.key.fingerprint, trust: laptop.trust.id },
      { readers: [alice.key.fingerprint, bob.key.fingerprint] },
    )
    const [stored] = await laptop.ingestor.ingest([outer.bytes])
    assert.equal(stored!.status, 'stored')
    await waitFor(() => host.has(outer.id), { what: 'envelope on the host' })
    await laptop.shutdown()

    // Bob's phone comes back and talks only to the host.
    await phone.start({ peers: [host.address()], listen: false })
    await waitFor(() => phone.has(outer.id), { what: 'envelope on the phone' })
    assert.equal(phone.engine.sessions.size, 1)
    assert.ok(phone.engine.sessions.has(host.key.fingerprint))
    const received = validateResource(
      provider,
      (await phone.store.getResource(outer.id))!,
      phone.ingestor.graph,
      {
        now: Date.now(),
      },
    )
    const opened = openResource(provider, received, [bobKey.prekey.secret], phone.ingestor.graph, {
      now: Date.now(),
      reader: bob.key.fingerprint,
    })
    assert.equal(opened.id, inner.id)
    assert.equal((opened.data as { body: string }).body, 'for bob only')

    // The host holds the envelope and nothing that opens it.
    const held = (await host.store.getResource(outer.id))!
    assert.deepEqual(held, outer.bytes)
    const hostView = validateResource(provider, held, host.ingestor.graph, { now: Date.now() })
    const hostPrekeys = (await prekeyRecords(host)).filter((r) => r.node === host.key.fingerprint)
    assert.equal(hostPrekeys.length, 0, 'the host never published a prekey')
    assert.equal(await host.has(inner.id), false, 'the inner message is never stored in clear')
    for (const secret of [hostKey.prekey.secret])
      assert.throws(
        () => openResource(provider, hostView, [secret], host.ingestor.graph, { now: Date.now() }),
        (e) => isProtocolError(e, ErrorCode.DECRYPT_FAILED),
      )
  })
})
