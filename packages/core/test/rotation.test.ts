/**
 * Identity rotation (docs/protocol/keys.md §5): the proof inside `identity.rotation`, which
 * rotation of a user is in force, and what a stolen identity key cannot do.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ErrorCode,
  TrustGraph,
  isProtocolError,
  recoveryCommitment,
  signRotation,
  validateResource,
} from '../src/index.js'
import type { DecodedResource, SigningKey } from '../src/index.js'
import { T0, feed, identityOf, keyOf, provider, sign } from './world.js'

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url')

/** An identity of `next` replacing `from`, proven by `proving`. */
function rotated(
  next: SigningKey,
  from: string,
  proving: SigningKey,
  created = T0 + 1000,
  extra: Record<string, unknown> = {},
): DecodedResource {
  return sign(
    {
      kind: 'identity',
      user: next.fingerprint,
      created,
      data: {
        type: 'user',
        key: { crv: 'Ed25519', kty: 'OKP', x: b64(next.publicKey) },
        rotation: signRotation(provider, proving, from, next.fingerprint),
        ...extra,
      },
    },
    next,
  )
}

const refusal = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    if (isProtocolError(e)) return e.code
    throw e
  }
  return 'accepted'
}

describe('identity rotation', () => {
  const old = keyOf(1)
  const recovery = keyOf(2)
  const planned = keyOf(3)
  const recovered = keyOf(4)
  const commitment = recoveryCommitment(provider, recovery.publicKey)
  const oldIdentity = () => identityOf(old, 'user', { recovery: commitment })

  it('a rotation signed by the old identity key is in force', () => {
    const g = new TrustGraph()
    feed(g, oldIdentity(), rotated(planned, old.fingerprint, old))
    assert.deepEqual(
      { to: g.successorOf(old.fingerprint)?.to, kind: g.successorOf(old.fingerprint)?.kind },
      { to: planned.fingerprint, kind: 'key' },
    )
    assert.equal(g.currentOf(old.fingerprint), planned.fingerprint)
    assert.deepEqual(g.predecessorsOf(planned.fingerprint), [old.fingerprint])
  })

  it('a recovery key matching the commitment rotates; any other key proves nothing', () => {
    const g = new TrustGraph()
    const stranger = keyOf(9)
    feed(g, oldIdentity(), rotated(keyOf(5), old.fingerprint, stranger))
    assert.equal(g.successorOf(old.fingerprint), undefined, 'an unrelated prover')
    feed(g, rotated(recovered, old.fingerprint, recovery))
    assert.equal(g.successorOf(old.fingerprint)?.kind, 'recovery')
    assert.equal(g.currentOf(old.fingerprint), recovered.fingerprint)
  })

  it('the recovery rotation wins over a key rotation, in either order and however dated', () => {
    for (const order of ['key-first', 'recovery-first']) {
      const g = new TrustGraph()
      // The thief holding the old key backdates its rotation to before the recovery.
      const thief = rotated(keyOf(6), old.fingerprint, old, T0 + 1)
      const owner = rotated(recovered, old.fingerprint, recovery, T0 + 5000)
      feed(g, oldIdentity(), ...(order === 'key-first' ? [thief, owner] : [owner, thief]))
      assert.equal(g.currentOf(old.fingerprint), recovered.fingerprint, order)
    }
  })

  it('a later identity of the old key cannot replace the pinned recovery commitment', () => {
    const g = new TrustGraph()
    const thiefRecovery = keyOf(7)
    const swapped = sign(
      {
        kind: 'identity',
        user: old.fingerprint,
        created: T0 + 10,
        data: {
          type: 'user',
          key: { crv: 'Ed25519', kty: 'OKP', x: b64(old.publicKey) },
          recovery: recoveryCommitment(provider, thiefRecovery.publicKey),
        },
      },
      old,
    )
    feed(g, oldIdentity(), swapped, rotated(keyOf(8), old.fingerprint, thiefRecovery))
    assert.equal(g.successorOf(old.fingerprint), undefined)
    assert.equal(g.recoveryOf(old.fingerprint), commitment)
  })

  it('follows a chain of rotations', () => {
    const g = new TrustGraph()
    const third = keyOf(10)
    feed(g, oldIdentity(), rotated(planned, old.fingerprint, old))
    feed(g, rotated(third, planned.fingerprint, planned, T0 + 2000))
    assert.equal(g.currentOf(old.fingerprint), third.fingerprint)
    assert.deepEqual(g.predecessorsOf(third.fingerprint), [planned.fingerprint, old.fingerprint])
  })

  it('refuses a proof that does not verify, a node that rotates, a self-rotation', () => {
    const g = new TrustGraph()
    feed(g, oldIdentity())
    const check = (r: DecodedResource) =>
      refusal(() => validateResource(provider, r.bytes, g, { now: T0 + 10_000 }))
    const good = rotated(planned, old.fingerprint, old)
    const forged = rotated(planned, old.fingerprint, old, T0 + 1000, {
      rotation: { ...signRotation(provider, old, old.fingerprint, keyOf(11).fingerprint) },
    })
    assert.equal(check(good), 'accepted')
    assert.equal(check(forged), ErrorCode.INVALID_SIGNATURE, 'signed for another new key')
    const node = sign(
      {
        kind: 'identity',
        user: planned.fingerprint,
        data: {
          type: 'node',
          key: { crv: 'Ed25519', kty: 'OKP', x: b64(planned.publicKey) },
          rotation: signRotation(provider, old, old.fingerprint, planned.fingerprint),
        },
      },
      planned,
    )
    assert.equal(check(node), ErrorCode.SCHEMA_VIOLATION)
    const self = rotated(planned, planned.fingerprint, planned)
    assert.equal(check(self), ErrorCode.SCHEMA_VIOLATION)
    // A malformed proof never even signs: the same decoder runs when a resource is built.
    const truncated = () =>
      rotated(planned, old.fingerprint, old, T0 + 1000, {
        rotation: {
          ...signRotation(provider, old, old.fingerprint, planned.fingerprint),
          signature: 'AAAA',
        },
      })
    assert.equal(refusal(truncated), ErrorCode.INVALID_ENCODING)
  })
})
