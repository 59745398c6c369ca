/** Legacy RSA: strict PKCS#1 v1.5 type-2 unwrapping over raw RSA, and RS512 verification. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { constants, generateKeyPairSync, publicEncrypt, randomBytes, sign } from 'node:crypto'
import { unwrapPkcs1v15, verifyRsaSha512 } from '../src/legacy/rsa.js'

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const K = 256

/** Encrypt a hand-built encoded message block with raw RSA. */
function rawEncrypt(em: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em))
}

/** EM = 00 02 PS 00 M with |PS| = K - 3 - |M|, PS non-zero; `edit` may break it. */
function block(message: Uint8Array, edit: (em: Uint8Array) => void = () => {}): Uint8Array {
  const em = new Uint8Array(K)
  em[1] = 2
  const ps = K - 3 - message.length
  for (let i = 0; i < ps; i++) em[2 + i] = 1 + (randomBytes(1)[0]! % 255)
  em.set(message, 3 + ps)
  edit(em)
  return em
}

describe('unwrapPkcs1v15', () => {
  const key = new Uint8Array(randomBytes(32))

  it('returns the message of a well-formed block', () => {
    assert.deepEqual(unwrapPkcs1v15(privateKey, rawEncrypt(block(key)), 32), key)
  })

  it('matches what OpenSSL PKCS#1 v1.5 encryption produces', () => {
    const ct = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, key)
    assert.deepEqual(unwrapPkcs1v15(privateKey, ct, 32), key)
  })

  const bad: [string, (em: Uint8Array) => void][] = [
    ['the first byte is not 00', (em) => (em[0] = 1)],
    ['the block type is not 02', (em) => (em[1] = 1)],
    ['the padding is shorter than 8 bytes', (em) => (em[9] = 0)],
    ['the separator comes early (wrong message length)', (em) => (em[100] = 0)],
    ['there is no separator', (em) => (em[K - 33] = 7)],
  ]
  for (const [what, edit] of bad)
    it(`returns null when ${what}`, () => {
      assert.equal(unwrapPkcs1v15(privateKey, rawEncrypt(block(key, edit)), 32), null)
    })

  it('returns null for a wrong length, a wrong key or a ciphertext of the wrong size', () => {
    assert.equal(unwrapPkcs1v15(privateKey, rawEncrypt(block(key)), 16), null)
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    assert.equal(unwrapPkcs1v15(other, rawEncrypt(block(key)), 32), null)
    assert.equal(unwrapPkcs1v15(privateKey, new Uint8Array(255), 32), null)
  })
})

describe('verifyRsaSha512', () => {
  it('accepts an RS512 signature and rejects any single-bit change', () => {
    const message = new TextEncoder().encode('eyJzZG1wIjp7fX0')
    const signature = new Uint8Array(sign('sha512', message, privateKey))
    assert.equal(verifyRsaSha512(publicKey, message, signature), true)
    for (const i of [0, 100, 255]) {
      const s = signature.slice()
      s[i] = s[i]! ^ 0x80
      assert.equal(verifyRsaSha512(publicKey, message, s), false, `bit flip at ${i}`)
    }
    assert.equal(verifyRsaSha512(publicKey, message, signature.subarray(1)), false)
  })
})
