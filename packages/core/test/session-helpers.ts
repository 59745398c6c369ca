/**
 * A two-node session fixture for the session tests and vectors: node A wraps a content key to
 * node B's hybrid prekey (the prekey message) and both sides start the session from it.
 * @module
 */
import {
  generateRecipientKeyPair,
  sessionOpen,
  sessionSeal,
  startInitiator,
  startResponder,
  SUITE_HYBRID,
  unwrapKeyDetailed,
  wrapKeyDetailed,
} from '../src/index.js'
import type { CryptoProvider, RandomSource, Session } from '../src/index.js'

export const NODE_A = 'A'.repeat(86)
export const NODE_B = 'B'.repeat(86)
export const NODE_C = 'C'.repeat(86)

/** Start a session A -> B from one prekey message; `random` drives every draw. */
export function startPair(
  provider: CryptoProvider,
  random: RandomSource,
  now = 1_000,
): { a: Session; b: Session; prekeyMessageKey: Uint8Array; entry: Uint8Array } {
  const prekey = generateRecipientKeyPair(provider, { seed: random(96) })
  const k = random(32)
  const wrap = wrapKeyDetailed(provider, SUITE_HYBRID, prekey.publicKey, k, random)
  const a = startInitiator(provider, {
    prk: wrap.prk,
    eph: wrap.eph,
    prekeyX25519Public: prekey.publicKey.subarray(1184),
    self: NODE_A,
    peer: NODE_B,
    now,
  })
  const opened = unwrapKeyDetailed(provider, prekey.secret, wrap.entry)!
  const b = startResponder(
    provider,
    {
      prk: opened.prk,
      ephPublic: opened.ephPublic,
      prekeyX25519Secret: prekey.secret.secretKey.subarray(2400),
      self: NODE_B,
      peer: NODE_A,
      now,
    },
    random,
  )
  return { a, b, prekeyMessageKey: opened.key, entry: wrap.entry }
}

/** A mutable endpoint: one session, sealing and opening in place. */
export class End {
  constructor(
    readonly provider: CryptoProvider,
    public session: Session,
    readonly random: RandomSource,
  ) {}
  seal(k: Uint8Array): Uint8Array {
    const out = sessionSeal(this.provider, this.session, k, this.random)
    this.session = out.session
    return out.entry
  }
  open(entry: Uint8Array): Uint8Array | null {
    const out = sessionOpen(this.provider, [this.session], entry, 2_000, this.random)
    if (!out) return null
    this.session = out.session
    return out.key
  }
}
