/**
 * A user's other devices learn a rotation over the connections they have (docs/protocol/keys.md
 * §5.2, §5.4; sync.md §8.5): the node that rotates publishes U2's identity and U2's trust to
 * the phone while its sessions still see the phone as a node of U, then stops to restart as U2.
 * Those lines must reach the phone before the stop; afterwards the phone could not verify one
 * control message signed as U2 (the daemon-level case is packages/daemon/test/rotation.test.ts).
 * @module
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { signRotation, toBase64url } from '@sdmp/core'
import { waitFor } from '@sdmp/testkit'
import {
  FULL_DEVICE,
  closeAll,
  connect,
  introduce,
  keyOf,
  makeNode,
  makeUser,
  provider,
  sign,
} from '@sdmp/testkit/node-world'

describe('rotation through sync', () => {
  after(closeAll)

  it("U2's identity and trusts reach U's other device before the rotating node stops", async () => {
    const alice = makeUser('alice', 1)
    const laptop = await makeNode('alice-laptop', alice, 101)
    const phone = await makeNode('alice-phone', alice, 102)
    for (const n of [laptop, phone]) await introduce(n, alice)
    await connect(laptop, phone)
    await waitFor(() => laptop.engine.sessions.size === 1 && phone.engine.sessions.size === 1, {
      what: 'laptop and phone connected',
    })
    const before = await laptop.publish({ kind: 'user', data: { name: 'alice' } })
    await waitFor(() => phone.has(before.id), { what: 'the phone to sync with the laptop' })

    // The planned rotation of rotation.ts: U2's identity carries the proof by U's key, and U2
    // trusts both devices with what U gave them.
    const next = keyOf(2)
    const old = alice.key.fingerprint
    const rotated = sign(
      {
        kind: 'identity',
        user: next.fingerprint,
        data: {
          type: 'user',
          key: { crv: 'Ed25519', kty: 'OKP', x: toBase64url(next.publicKey) },
          rotation: signRotation(provider, alice.key, old, next.fingerprint),
        },
      },
      next,
    )
    const trusts = [laptop, phone].map((n) =>
      sign(
        {
          kind: 'trust',
          user: next.fingerprint,
          data: { trustee: n.key.fingerprint, authorization: [...FULL_DEVICE] },
        },
        next,
      ),
    )
    const outcomes = await laptop.ingestor.ingest([rotated, ...trusts].map((r) => r.bytes))
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['stored', 'stored', 'stored'],
    )
    // The daemon restarts its network as U2 right away (network.ts): what was pushed so far
    // goes out first.
    await laptop.engine.drained()
    await laptop.engine.close()

    const graph = phone.ingestor.graph
    await waitFor(
      () =>
        graph.currentOf(old) === next.fingerprint &&
        graph.trustsBetween(next.fingerprint, phone.key.fingerprint, Date.now()).length > 0 &&
        graph.trustsBetween(next.fingerprint, laptop.key.fingerprint, Date.now()).length > 0,
      { what: "the phone to hold U2's identity and its trusts to both devices", timeout: 5000 },
    )
  })
})
