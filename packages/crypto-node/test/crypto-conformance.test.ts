/**
 * The primitive conformance suite: every preset against the Wycheproof vectors for X25519,
 * ChaCha20-Poly1305, HKDF-SHA-256/512 and ML-KEM-768. How each primitive treats Wycheproof's
 * 'acceptable' results is decided in docs/protocol/ed25519.md §6 and asserted exactly here.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode, isProtocolError } from '@sdmp/core'
import { PRESETS, field, hex, loadVectors, toHexString } from './presets.js'
import type { WycheproofFile } from './presets.js'

const x25519File = loadVectors<WycheproofFile<object>>('wycheproof/x25519_test.json')
const chachaFile = loadVectors<WycheproofFile<{ ivSize: number }>>(
  'wycheproof/chacha20_poly1305_test.json',
)
const hkdfFiles = {
  sha256: loadVectors<WycheproofFile<object>>('wycheproof/hkdf_sha256_test.json'),
  sha512: loadVectors<WycheproofFile<object>>('wycheproof/hkdf_sha512_test.json'),
} as const
const mlkemFile = loadVectors<WycheproofFile<object>>('wycheproof/mlkem_768_test.json')
const mlkemEncapsFile = loadVectors<WycheproofFile<object>>('wycheproof/mlkem_768_encaps_test.json')

const isAllZero = (h: string) => /^(00)+$/.test(h)

for (const { label, create } of PRESETS) {
  describe(`${label}: wycheproof`, () => {
    const provider = create()

    it('x25519: computes RFC 7748 exactly and refuses only the all-zero secret', () => {
      let zero = 0
      for (const t of x25519File.testGroups.flatMap((g) => g.tests)) {
        const shared = field(t, 'shared')
        const got = provider.x25519.sharedSecret(hex(field(t, 'private')), hex(field(t, 'public')))
        const where = `tcId ${t.tcId} ${t.result} [${t.flags}] ${t.comment ?? ''}`
        // policy (ed25519.md §6): 'acceptable' twist / non-canonical / low-order inputs give the
        // RFC 7748 result; the all-zero output (ZeroSharedSecret) is refused with null
        if (isAllZero(shared)) {
          assert.notEqual(t.result, 'valid', where)
          assert.equal(got, null, where)
          zero++
        } else {
          assert.ok(got !== null, `${where}: refused`)
          assert.equal(toHexString(got), shared, where)
        }
      }
      assert.ok(zero > 0, 'the file has all-zero cases')
    })

    it('x25519: refuses a peer key of the wrong length; a bad own secret is a RangeError', () => {
      const secret = new Uint8Array(32).fill(1)
      assert.equal(provider.x25519.sharedSecret(secret, new Uint8Array(31).fill(9)), null)
      assert.equal(provider.x25519.sharedSecret(secret, new Uint8Array(33).fill(9)), null)
      const peer = provider.x25519.publicKey(new Uint8Array(32).fill(2))
      assert.throws(() => provider.x25519.sharedSecret(new Uint8Array(31), peer), RangeError)
    })

    it('chacha20-poly1305: seals valid vectors byte for byte and opens only authentic ones', () => {
      for (const t of chachaFile.testGroups.flatMap((g) => g.tests)) {
        const [key, iv, aad, msg] = ['key', 'iv', 'aad', 'msg'].map((n) => hex(field(t, n))) as [
          Uint8Array,
          Uint8Array,
          Uint8Array,
          Uint8Array,
        ]
        const sealed = hex(field(t, 'ct') + field(t, 'tag'))
        const where = `tcId ${t.tcId} ${t.result} [${t.flags}]`
        assert.notEqual(t.result, 'acceptable', where)
        const opened = provider.chacha20poly1305.open(key, iv, sealed, aad)
        if (t.result === 'valid') {
          assert.equal(
            toHexString(provider.chacha20poly1305.seal(key, iv, msg, aad)),
            toHexString(sealed),
            where,
          )
          assert.ok(opened !== null, `${where}: not opened`)
          assert.equal(toHexString(opened), field(t, 'msg'), where)
        } else {
          assert.equal(opened, null, where)
          if (iv.length !== 12)
            assert.throws(() => provider.chacha20poly1305.seal(key, iv, msg, aad), where)
        }
      }
    })

    it('chacha20-poly1305: open returns null, never throws, for malformed input', () => {
      const key = new Uint8Array(32)
      const nonce = new Uint8Array(12)
      const sealed = provider.chacha20poly1305.seal(key, nonce, new Uint8Array(5))
      const aead = provider.chacha20poly1305
      assert.ok(aead.open(key, nonce, sealed) !== null)
      for (const [k, n, s] of [
        [new Uint8Array(31), nonce, sealed],
        [key, new Uint8Array(24), sealed],
        [key, nonce, sealed.subarray(0, 15)],
        [key, nonce, new Uint8Array(0)],
        ['k', nonce, sealed],
        [key, null, sealed],
        [key, nonce, [1, 2, 3]],
      ] as unknown as [Uint8Array, Uint8Array, Uint8Array][])
        assert.equal(aead.open(k, n, s), null)
      assert.equal(aead.open(key, nonce, sealed, new Uint8Array(1)), null, 'aad is authenticated')
    })

    for (const hash of ['sha256', 'sha512'] as const) {
      it(`hkdf-${hash}: one-shot and extract/expand give the vector okm; oversize throws`, () => {
        for (const t of hkdfFiles[hash].testGroups.flatMap((g) => g.tests)) {
          const [ikm, salt, info] = ['ikm', 'salt', 'info'].map((n) => hex(field(t, n))) as [
            Uint8Array,
            Uint8Array,
            Uint8Array,
          ]
          const size = t['size'] as number
          const where = `tcId ${t.tcId} ${t.result} [${t.flags}]`
          assert.notEqual(t.result, 'acceptable', where)
          if (t.result === 'valid') {
            assert.equal(
              toHexString(provider.hkdf(hash, ikm, salt, info, size)),
              field(t, 'okm'),
              where,
            )
            const prk = provider.hkdfExtract(hash, ikm, salt)
            assert.equal(
              toHexString(provider.hkdfExpand(hash, prk, info, size)),
              field(t, 'okm'),
              where,
            )
          } else {
            assert.throws(() => provider.hkdf(hash, ikm, salt, info, size), RangeError, where)
            const prk = provider.hkdfExtract(hash, ikm, salt)
            assert.throws(() => provider.hkdfExpand(hash, prk, info, size), RangeError, where)
          }
        }
      })
    }

    it('hkdf: info longer than 1024 bytes (beyond node hkdfSync) matches the two-step form', () => {
      const info = new Uint8Array(3000).fill(7)
      const ikm = new Uint8Array(40).fill(1)
      const salt = new Uint8Array(16).fill(2)
      const okm = provider.hkdf('sha512', ikm, salt, info, 100)
      const prk = provider.hkdfExtract('sha512', ikm, salt)
      assert.deepEqual(okm, provider.hkdfExpand('sha512', prk, info, 100))
    })

    it('ml-kem-768: keygen from seed, decapsulation (incl. implicit rejection) byte for byte', () => {
      for (const t of mlkemFile.testGroups.flatMap((g) => g.tests)) {
        const where = `tcId ${t.tcId} ${t.result} ${t.comment ?? ''}`
        assert.notEqual(t.result, 'acceptable', where)
        const seed = hex(field(t, 'seed'))
        const c = hex(field(t, 'c'))
        if (t.result === 'valid') {
          const { publicKey, secretKey } = provider.mlkem768.keygen(seed)
          assert.equal(toHexString(publicKey), field(t, 'ek'), where)
          assert.equal(
            toHexString(provider.mlkem768.decapsulate(c, secretKey)),
            field(t, 'K'),
            where,
          )
        } else if (seed.length !== 64) {
          assert.throws(() => provider.mlkem768.keygen(seed), where) // our own input: a bug
        } else {
          const { secretKey } = provider.mlkem768.keygen(seed)
          assert.throws(
            () => provider.mlkem768.decapsulate(c, secretKey),
            (e) => isProtocolError(e, ErrorCode.INVALID_ENCODING),
            where,
          )
        }
      }
    })

    it('ml-kem-768: encapsulation with a fixed message; invalid keys are INVALID_ENCODING', () => {
      let modulus = 0
      for (const t of mlkemEncapsFile.testGroups.flatMap((g) => g.tests)) {
        const where = `tcId ${t.tcId} ${t.result} ${t.comment ?? ''} [${t.flags}]`
        assert.notEqual(t.result, 'acceptable', where)
        const ek = hex(field(t, 'ek'))
        const m = hex(field(t, 'm'))
        if (t.result === 'valid') {
          const { cipherText, sharedSecret } = provider.mlkem768.encapsulate(ek, m)
          assert.equal(toHexString(cipherText), field(t, 'c'), where)
          assert.equal(toHexString(sharedSecret), field(t, 'K'), where)
        } else {
          if (ek.length === 1184) modulus++ // FIPS 203 §7.2 modulus check, not a length check
          assert.throws(
            () => provider.mlkem768.encapsulate(ek, m),
            (e) => isProtocolError(e, ErrorCode.INVALID_ENCODING),
            where,
          )
        }
      }
      assert.equal(modulus, 112)
    })
  })
}
