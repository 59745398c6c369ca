/**
 * Random cross-preset agreement (fast-check): a signature made by any preset verifies on all of
 * them, all presets sign identically (RFC 8032 is deterministic), and any single-bit flip of the
 * signature, message or public key is rejected by every preset. SEED=... reproduces a run.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import { PRESETS, toHexString } from './presets.js'

const providers = PRESETS.map((p) => ({ label: p.label, provider: p.create() }))

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice()
  out[bit >> 3]! ^= 1 << (bit & 7)
  return out
}

function check<T>(name: string, property: fc.IProperty<T>, numRuns: number): void {
  const seed = seedFromEnv()
  try {
    fc.assert(property, { seed, numRuns })
  } catch (error) {
    assert.fail(`${name} failed with SEED=${seed}: ${(error as Error).message}`)
  }
}

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 })
const messageArb = fc.uint8Array({ minLength: 0, maxLength: 300 })

describe('ed25519 cross-preset agreement (property)', () => {
  it('a signature from any preset verifies on all presets, and all sign identically', () => {
    check(
      'sign-with-one-verify-with-all',
      fc.property(seedArb, messageArb, fc.nat(PRESETS.length - 1), (seed, message, signer) => {
        const sig = providers[signer]!.provider.ed25519.sign(seed, message)
        for (const { label, provider } of providers) {
          const pub = provider.ed25519.publicKey(seed)
          assert.equal(toHexString(provider.ed25519.sign(seed, message)), toHexString(sig), label)
          assert.equal(provider.ed25519.verify(sig, message, pub), true, label)
        }
      }),
      60,
    )
  })

  it('any single-bit flip of signature, message or key is rejected by every preset', () => {
    check(
      'bit-flip',
      fc.property(
        seedArb,
        messageArb,
        fc.constantFrom('signature', 'message', 'publicKey'),
        fc.nat(),
        (seed, message, target, n) => {
          const signer = providers[n % providers.length]!.provider.ed25519
          const pub = signer.publicKey(seed)
          let sig = signer.sign(seed, message)
          let msg: Uint8Array = message
          let key = pub
          if (target === 'signature') sig = flipBit(sig, n % 512)
          else if (target === 'publicKey') key = flipBit(pub, n % 256)
          else if (msg.length > 0) msg = flipBit(msg, n % (msg.length * 8))
          else sig = flipBit(sig, n % 512) // nothing to flip in an empty message
          for (const { label, provider } of providers)
            assert.equal(provider.ed25519.verify(sig, msg, key), false, `${label} ${target}`)
        },
      ),
      150,
    )
  })

  it('random signatures and keys are rejected by every preset, never thrown on', () => {
    check(
      'random-bytes',
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 70 }),
        messageArb,
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        (sig, message, key) => {
          for (const { label, provider } of providers)
            assert.equal(provider.ed25519.verify(sig, message, key), false, label)
        },
      ),
      100,
    )
  })
})
