/**
 * SEMP's baseline per-recipient key wrap (x25519-chacha20-poly1305), primitive by primitive, on
 * every preset: the three cases of /work/shared/vectors/semp/semp-vectors.md §9
 * (seal-roundtrip.json), copied here as data and checked byte for byte.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PRESETS, hex, toHexString } from './presets.js'

interface SealWrapCase {
  id: string
  symmetricKey: string
  recipientPrivate: string
  recipientPublic: string
  ephemeralPrivate: string
  ephemeralPublic: string
  sharedSecret: string
  prk: string
  wrapKey: string
  aeadCt: string
  wrappedB64: string
}

const CASES: readonly SealWrapCase[] = [
  {
    id: 'seal-wrap-baseline-32B-key',
    symmetricKey: '4242424242424242424242424242424242424242424242424242424242424242',
    recipientPrivate: '1010101010101010101010101010101010101010101010101010101010101010',
    recipientPublic: '781faab908430150daccdd6f9d6c5086e34f73a93ebbaa271765e5036edfc519',
    ephemeralPrivate: '2020202020202020202020202020202020202020202020202020202020202020',
    ephemeralPublic: '06453fcd9cef5a1f53acc4f942104c0c8e9e27d5c7b37f5507cdcd1628105963',
    sharedSecret: '81e580d5ab370635e8b4e97be43563fa304853cd78f4978e60fce85aa4019c07',
    prk: '62504792936d8235b59e4f95d13bf12c109d6cb741545cb99d6762016fa315e12ce3ec55b0fa2849b1c700c6a950b3f0aa0bb2be2fb0fd01d558b905f4e2929b',
    wrapKey: '4ce3617b462d6f63ee5bc768ccce55ff80d98ef4da6f5605bb3f9559602386ae',
    aeadCt:
      '1091898d91c9aa19e5b1fdfc23a432a94a2a52024ef20980302c5b874527f349e821703064d9c43cd7e52519f708cd6f',
    wrappedB64:
      'BkU/zZzvWh9TrMT5QhBMDI6eJ9XHs39VB83NFigQWWMQkYmNkcmqGeWx/fwjpDKpSipSAk7yCYAwLFuHRSfzSeghcDBk2cQ81+UlGfcIzW8=',
  },
  {
    id: 'seal-wrap-baseline-distinct-recipient',
    symmetricKey: '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20',
    recipientPrivate: '3030303030303030303030303030303030303030303030303030303030303030',
    recipientPublic: 'e50c239bc204f1341664c9d9c50c6a0d0fff6fc79d9301f1e713aab2e0344b3f',
    ephemeralPrivate: '4040404040404040404040404040404040404040404040404040404040404040',
    ephemeralPublic: 'd7b5e81d336e578b13b8d706e82d061e3038c96bce66cdcf50d566b96ddbba10',
    sharedSecret: '2ffc24cce9eed2a0d0357986878c0691154eb70589bef1afeb4fbf513170fa33',
    prk: '1597404266719b18c918afd2de7041413583f9909391d1cc357398e39ed1c0b26fdb941d2d6ff88a405654181be29b3496ed54b17aa619491a3de37ce6672be3',
    wrapKey: '4b404b4284778cca1949bdf0a20d7aa5ee76d9e701a91d76a249007f5977ffb8',
    aeadCt:
      'd067bf4a59b0084f89d782d0eab06655637cbd932632885d085bcfe905bed3eca7fe95db985f773b17c5b204eeb62d01',
    wrappedB64:
      '17XoHTNuV4sTuNcG6C0GHjA4yWvOZs3PUNVmuW3buhDQZ79KWbAIT4nXgtDqsGZVY3y9kyYyiF0IW8/pBb7T7Kf+lduYX3c7F8WyBO62LQE=',
  },
  {
    id: 'seal-wrap-baseline-ephemeral-changes-output',
    symmetricKey: '4242424242424242424242424242424242424242424242424242424242424242',
    recipientPrivate: '1010101010101010101010101010101010101010101010101010101010101010',
    recipientPublic: '781faab908430150daccdd6f9d6c5086e34f73a93ebbaa271765e5036edfc519',
    ephemeralPrivate: '5050505050505050505050505050505050505050505050505050505050505050',
    ephemeralPublic: 'ef38b4abd14b0a919cbe6839f6185b97d32607bee359c6c53c12cc7597867d59',
    sharedSecret: 'b118dd1aabda933661c5599a1b1a9d93121de4e0701283cd0db6f624b9f42730',
    prk: 'e712f3af136bd955e7f1bfcc35f9e99ab22ee4ed797ae9a4cf6c95fa8fb2c1dba4cf8dd98ebf4c47d1968f66fde9305ff6a2d775f8adc7de1b3087c56b03b5cc',
    wrapKey: 'c3f449c33c6c021a99f4d2866afd68b8202126e8a3afed160c308e98627c299b',
    aeadCt:
      '7efa477f8b2e9f6ca8082313c38797cfd1f9a00b9418802dc66b42003633fae38d00956b6deb932bee315c1fcefa6e7f',
    wrappedB64:
      '7zi0q9FLCpGcvmg59hhbl9MmB77jWcbFPBLMdZeGfVl++kd/iy6fbKgIIxPDh5fP0fmgC5QYgC3Ga0IANjP6440AlWtt65Mr7jFcH876bn8=',
  },
]

const WRAP_INFO = new TextEncoder().encode('SEMP-v1-wrap')
const ZERO_NONCE = new Uint8Array(12)

for (const { label, create } of PRESETS) {
  describe(`${label}: semp baseline key wrap (semp-vectors.md §9)`, () => {
    const provider = create()
    for (const c of CASES) {
      it(`${c.id}: every step matches byte for byte`, () => {
        const x = provider.x25519
        assert.equal(toHexString(x.publicKey(hex(c.recipientPrivate))), c.recipientPublic)
        const ephPub = x.publicKey(hex(c.ephemeralPrivate))
        assert.equal(toHexString(ephPub), c.ephemeralPublic)
        const shared = x.sharedSecret(hex(c.ephemeralPrivate), hex(c.recipientPublic))
        assert.ok(shared !== null)
        assert.equal(toHexString(shared), c.sharedSecret)
        // the recipient side derives the same secret from kem_ct (= ephemeral public key)
        const theirs = x.sharedSecret(hex(c.recipientPrivate), ephPub)
        assert.ok(theirs !== null)
        assert.equal(toHexString(theirs), c.sharedSecret)
        // PRK = HKDF-Extract-SHA512(salt = kem_ct || recipient_pub, shared)
        const salt = hex(c.ephemeralPublic + c.recipientPublic)
        const prk = provider.hkdfExtract('sha512', shared, salt)
        assert.equal(toHexString(prk), c.prk)
        const wrapKey = provider.hkdfExpand('sha512', prk, WRAP_INFO, 32)
        assert.equal(toHexString(wrapKey), c.wrapKey)
        assert.equal(toHexString(provider.hkdf('sha512', shared, salt, WRAP_INFO, 32)), c.wrapKey)
        const aad = hex(c.recipientPublic)
        const sealed = provider.chacha20poly1305.seal(wrapKey, ZERO_NONCE, hex(c.symmetricKey), aad)
        assert.equal(toHexString(sealed), c.aeadCt)
        const wire = Buffer.concat([ephPub, sealed])
        assert.equal(wire.length, 80)
        assert.equal(wire.toString('base64'), c.wrappedB64)
        const opened = provider.chacha20poly1305.open(wrapKey, ZERO_NONCE, sealed, aad)
        assert.ok(opened !== null)
        assert.equal(toHexString(opened), c.symmetricKey)
      })
    }
  })
}
