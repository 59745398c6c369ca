/**
 * The Noise objects (noise.ts) against a published Noise vector: cacophony's
 * Noise_NN_25519_ChaChaPoly_SHA512 (same HKDF, MixKey, MixHash, EncryptAndHash, nonce encoding and
 * Split as our XXhfs uses), run through both crypto presets. @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { concatBytes, createNobleProvider, fromHex, toHex, utf8 } from '@sdmp/core'
import type { CryptoProvider } from '@sdmp/core'
import { createNodeProvider } from '@sdmp/crypto-node'
import { SymmetricState } from '../src/noise.js'

// cacophony test vectors, as shipped in mcginty/snow tests/vectors/cacophony.txt at commit
// aabed3159deec0a0dfe3d5601c43322d84700c94 (an older copy carries a different handshake hash).
const V = {
  protocol: 'Noise_NN_25519_ChaChaPoly_SHA512',
  prologue: '4a6f686e2047616c74',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshakeHash:
    'ecef70ee0ad29e5c2838ff00354b99af6c1b630a73d662710a50a3e3f0741c62af0416208e9bba27b697f56e99929d8562869264f0143791331bdc47c2c895a8',
  messages: [
    [
      '4c756477696720766f6e204d69736573',
      'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573',
    ],
    [
      '4d757272617920526f746862617264',
      '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843a4b5da00b0bf707701c15f5f54d13dfaa53404c812aaac98d55e2a9463bb94',
    ],
    ['462e20412e20486179656b', '7cc120945f3d00ce194bc60172accedcc168607551c226ef02e602'],
    ['4361726c204d656e676572', '09adc97d36e5b47f3b81bebd1920595e9480f450af4e71df38babf'],
    [
      '4a65616e2d426170746973746520536179',
      'c5829c1e26ce3c64118a83db0d71c7d164cc64681ada524a46e6ec45b8a434cd55',
    ],
    [
      '457567656e2042f6686d20766f6e2042617765726b',
      'de3b8b4d2785222a15ba1f70ab6fd12b2a76cd7c26242a00e2488c513020f479c721d5cd74',
    ],
  ],
} as const

function runNN(p: CryptoProvider): { hash: string; wire: string[] } {
  const ss = new SymmetricState(p, utf8(V.protocol))
  ss.mixHash(fromHex(V.prologue))
  const ie = fromHex(V.initEphemeral)
  const re = fromHex(V.respEphemeral)
  const iePub = p.x25519.publicKey(ie)
  const rePub = p.x25519.publicKey(re)
  const payload = (i: number) => fromHex(V.messages[i]![0])
  // -> e
  ss.mixHash(iePub)
  const m1 = concatBytes(iePub, ss.encryptAndHash(payload(0)))
  // <- e, ee
  ss.mixHash(rePub)
  ss.mixKey(p.x25519.sharedSecret(ie, rePub)!)
  const m2 = concatBytes(rePub, ss.encryptAndHash(payload(1)))
  const hash = toHex(ss.handshakeHash)
  const [c1, c2] = ss.split()
  const empty = new Uint8Array(0)
  const wire = [m1, m2]
  for (let i = 2; i < V.messages.length; i++)
    wire.push((i % 2 === 0 ? c1 : c2).encryptWithAd(empty, payload(i)))
  return { hash, wire: wire.map(toHex) }
}

describe('Noise objects against cacophony vectors', () => {
  for (const [name, p] of [
    ['noble', createNobleProvider()],
    ['native', createNodeProvider()],
  ] as const) {
    it(`${name}: Noise_NN_25519_ChaChaPoly_SHA512 handshake hash and every message match`, () => {
      const { hash, wire } = runNN(p)
      assert.deepEqual(
        wire,
        V.messages.map((m) => m[1]),
      )
      assert.equal(hash, V.handshakeHash)
    })
  }
})
