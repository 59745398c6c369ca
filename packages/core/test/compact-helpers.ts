/** Sample resources of every common kind, for the compact form's tests and vectors. @module */
import {
  generateRecipientKeyPair,
  sealSessionResource,
  selfEntryKey,
  toBase64url,
} from '../src/index.js'
import type { RandomSource } from '../src/index.js'
import { T0, TrustGraph, identityOf, keyOf, person, postBy, provider, sign } from './world.js'

/**
 * Canonical JSON bytes by name: identity, trust, post, message, receipt, prekey, and the
 * `encrypted` resources of a 100-character text to two reading nodes with sessions (first
 * message: prekey wraps; later message: session entries only), sealed as profile 3.
 */
export function sampleResources(random?: RandomSource): Record<string, Uint8Array> {
  const g = new TrustGraph()
  const alice = person(g, 1)
  const bob = person(g, 2)
  const message = sign(
    {
      kind: 'message',
      user: alice.user.fingerprint,
      trust: alice.trust.id,
      data: { body: 'x'.repeat(100), type: 'text', to: [bob.user.fingerprint] },
    },
    alice.node,
  )
  const pair = () => generateRecipientKeyPair(provider, random ? { seed: random(96) } : {})
  const own = pair()
  const nodes = ['B', 'C'].map((c) => ({
    node: c.repeat(86),
    pair: pair(),
  }))
  const sender = { key: alice.node, user: alice.user.fingerprint, trust: alice.trust.id }
  const readers = [bob.user.fingerprint, alice.user.fingerprint]
  const base = {
    self: alice.node.fingerprint,
    now: T0,
    selfKey: selfEntryKey(provider, own.secret),
  }
  const prekeys = nodes.map((n) => ({ node: n.node, publicKey: n.pair.publicKey }))
  // Routing tags draw dummies from the provider, so the deterministic (vector) form has none.
  const opts = random ? { random } : { readers }
  const first = sealSessionResource(
    provider,
    message,
    { ...base, prekeys, sessions: [] },
    sender,
    opts,
  )
  const later = sealSessionResource(
    provider,
    message,
    { ...base, prekeys: [], sessions: first.sessions },
    sender,
    opts,
  )
  const receipt = sign(
    {
      kind: 'receipt',
      user: bob.user.fingerprint,
      trust: bob.trust.id,
      data: { resources: [message.id], status: 'read' },
    },
    bob.node,
  )
  const prekey = sign(
    {
      kind: 'prekey',
      user: alice.user.fingerprint,
      trust: alice.trust.id,
      data: {
        suite: 'pq-kyber768-x25519',
        key: toBase64url(own.publicKey),
        expires: new Date(T0 + 86_400_000).toISOString(),
      },
    },
    alice.node,
  )
  return {
    identity: identityOf(keyOf(9), 'user').bytes,
    trust: alice.trust.bytes,
    post: postBy(alice, 'hello, world').bytes,
    message: message.bytes,
    receipt: receipt.bytes,
    prekey: prekey.bytes,
    'encrypted (first message)': first.outer.bytes,
    'encrypted (later message)': later.outer.bytes,
  }
}
