/**
 * sealEnvelope / openEnvelope on every crypto preset: round trips for 1..20 recipients, outsiders
 * fail, any single-byte change fails uniformly (fast-check), and sizes inside a bucket are equal.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import {
  fromBase64url,
  generateRecipientKeyPair,
  isProtocolError,
  openEnvelope,
  sealEnvelope,
  SUITE_BASELINE,
  toBase64url,
  toHex,
} from '../src/index.js'
import type { EncryptedData, RecipientKeyPair } from '../src/index.js'
import { loadPresets } from './envelope-helpers.js'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`
const presets = await loadPresets()
const te = (s: string) => new TextEncoder().encode(s)

/** True for exactly the uniform decryption failure. */
const isUniformFailure = (e: unknown) =>
  isProtocolError(e, 'DECRYPT_FAILED') && e.message === 'decryption failed'

/** The lengths of every field of the JSON form: all an observer learns about the contents. */
const shape = (d: EncryptedData) => [d.nonce.length, d.ciphertext.length, d.recipients.length]

for (const provider of presets) {
  describe(`sealEnvelope/openEnvelope (${provider.name})`, () => {
    const pairs: RecipientKeyPair[] = Array.from({ length: 20 }, () =>
      generateRecipientKeyPair(provider),
    )
    const outsider = generateRecipientKeyPair(provider)

    // Every count 1..20 on the last (fastest) preset; a spread on the others (each open tries every
    // entry, so the full sweep costs a few thousand ML-KEM decapsulations per preset).
    const counts =
      provider === presets[presets.length - 1]
        ? Array.from({ length: 20 }, (_, i) => i + 1)
        : [1, 2, 3, 5, 17, 20]
    it(`every one of ${counts.length === 20 ? '1..20' : counts.join(', ')} recipients opens, and the entry count is the bucket`, () => {
      for (const n of counts) {
        const inner = te(`inner resource for ${n} recipients`)
        const sealed = sealEnvelope(provider, inner, pairs.slice(0, n))
        assert.equal(sealed.recipients.length, Math.max(2, 2 ** Math.ceil(Math.log2(n))), `n=${n}`)
        for (const p of pairs.slice(0, n)) {
          assert.equal(toHex(openEnvelope(provider, sealed, [p.secret])), toHex(inner), `n=${n}`)
        }
        assert.throws(() => openEnvelope(provider, sealed, [outsider.secret]), isUniformFailure)
      }
    })

    it('a non-recipient fails uniformly, alone or with several wrong keys', () => {
      const sealed = sealEnvelope(provider, te('secret'), pairs.slice(0, 3))
      const wrong = [outsider.secret, ...pairs.slice(3, 6).map((p) => p.secret)]
      assert.throws(() => openEnvelope(provider, sealed, wrong), isUniformFailure)
      assert.throws(() => openEnvelope(provider, sealed, []), isUniformFailure)
      // Any one right key among wrong ones is enough.
      const inner = openEnvelope(provider, sealed, [...wrong, pairs[2]!.secret])
      assert.equal(new TextDecoder().decode(inner), 'secret')
    })

    it('the baseline suite round-trips and hybrid keys cannot open it', () => {
      const a = generateRecipientKeyPair(provider, { suite: SUITE_BASELINE })
      const sealed = sealEnvelope(provider, te('x'), [a], { suite: SUITE_BASELINE })
      assert.equal(sealed.suite, SUITE_BASELINE)
      assert.equal(fromBase64url(sealed.recipients[0]!).length, 80)
      assert.equal(new TextDecoder().decode(openEnvelope(provider, sealed, [a.secret])), 'x')
      assert.throws(() => openEnvelope(provider, sealed, [pairs[0]!.secret]), isUniformFailure)
    })

    it('two seals of the same input differ everywhere (fresh key, nonce and KEM randomness)', () => {
      const s1 = sealEnvelope(provider, te('same'), pairs.slice(0, 2))
      const s2 = sealEnvelope(provider, te('same'), pairs.slice(0, 2))
      assert.notEqual(s1.nonce, s2.nonce)
      assert.notEqual(s1.ciphertext, s2.ciphertext)
      for (const r of s1.recipients) assert.ok(!s2.recipients.includes(r))
    })

    it('v1: sizes inside a bucket are identical; crossing a bucket changes only the ciphertext', () => {
      const v1 = { version: 1 } as const
      const shapes = [0, 1, 100, 2000, 4092].map((n) =>
        shape(sealEnvelope(provider, new Uint8Array(n).fill(1), pairs.slice(0, 3), v1)),
      )
      for (const s of shapes) assert.deepEqual(s, shapes[0])
      // 3 and 4 recipients share the count bucket, so the whole object has the same size.
      assert.deepEqual(
        shape(sealEnvelope(provider, new Uint8Array(50), pairs.slice(0, 4), v1)),
        shapes[0],
      )
      const next = shape(sealEnvelope(provider, new Uint8Array(4093), pairs.slice(0, 3), v1))
      assert.deepEqual([next[0], next[2]], [shapes[0]![0], shapes[0]![2]])
      assert.equal(
        fromBase64url(
          sealEnvelope(provider, new Uint8Array(4093), pairs.slice(0, 1), v1).ciphertext,
        ).length,
        8192 + 16,
      )
    })

    it('v2 (default): Padmé buckets from 256; sizes inside a bucket are identical', () => {
      const shapes = [0, 1, 100, 252].map((n) =>
        shape(sealEnvelope(provider, new Uint8Array(n).fill(1), pairs.slice(0, 3))),
      )
      for (const s of shapes) assert.deepEqual(s, shapes[0])
      const ct = (n: number) =>
        fromBase64url(sealEnvelope(provider, new Uint8Array(n), pairs.slice(0, 1)).ciphertext)
          .length - 16
      assert.deepEqual([ct(0), ct(252), ct(253), ct(1171), ct(4092)], [256, 256, 272, 1216, 4096])
      const sealed = sealEnvelope(provider, te('v2'), pairs.slice(0, 1))
      assert.equal(sealed.v, 2)
      assert.equal(
        new TextDecoder().decode(openEnvelope(provider, sealed, [pairs[0]!.secret])),
        'v2',
      )
    })

    it('duplicate recipient keys get one wrap', () => {
      const a = pairs[0]!
      const sealed = sealEnvelope(provider, te('d'), [a, a, { publicKey: a.publicKey.slice() }])
      assert.equal(sealed.recipients.length, 2)
      assert.equal(new TextDecoder().decode(openEnvelope(provider, sealed, [a.secret])), 'd')
    })

    it('refuses bad recipient lists and oversize inputs with coded errors', () => {
      const code = (f: () => unknown) => {
        try {
          f()
          return 'ok'
        } catch (e) {
          return isProtocolError(e) ? e.code : String(e)
        }
      }
      assert.equal(
        code(() => sealEnvelope(provider, te('x'), [])),
        'BAD_REQUEST',
      )
      assert.equal(
        code(() => sealEnvelope(provider, te('x'), [{ publicKey: new Uint8Array(32) }])),
        'BAD_REQUEST',
      )
      // An all-zero X25519 key is a low-order point: the shared secret would be zero.
      const zeroX = { publicKey: new Uint8Array(32) }
      assert.equal(
        code(() => sealEnvelope(provider, te('x'), [zeroX], { suite: SUITE_BASELINE })),
        'BAD_REQUEST',
      )
      const lowOrderHybrid = { publicKey: pairs[0]!.publicKey.slice() }
      lowOrderHybrid.publicKey.fill(0, 1184)
      assert.equal(
        code(() => sealEnvelope(provider, te('x'), [lowOrderHybrid])),
        'BAD_REQUEST',
      )
      assert.equal(
        code(() => sealEnvelope(provider, new Uint8Array(800_000), pairs.slice(0, 1))),
        'LIMIT_EXCEEDED',
      )
      const many = Array.from({ length: 1025 }, () => ({
        publicKey: provider.x25519.publicKey(provider.randomBytes(32)),
      }))
      assert.equal(
        code(() => sealEnvelope(provider, te('x'), many, { suite: SUITE_BASELINE })),
        'LIMIT_EXCEEDED',
      )
    })

    it('any single-byte change to nonce, ciphertext or any entry fails with the same error (property)', () => {
      const inner = te('{"sdmp":{"schemas":["message"],"version":"1.0"},"message":{"body":"hi"}}')
      const sealed = sealEnvelope(provider, inner, pairs.slice(0, 3))
      const fields = {
        nonce: fromBase64url(sealed.nonce),
        ciphertext: fromBase64url(sealed.ciphertext),
      }
      const entries = sealed.recipients.map((r) => fromBase64url(r))
      const target = fc.oneof(
        fc.record({ field: fc.constant('nonce'), entry: fc.constant(0), at: fc.nat(11) }),
        fc.record({
          field: fc.constant('ciphertext'),
          entry: fc.constant(0),
          at: fc.nat(fields.ciphertext.length - 1),
        }),
        fc.record({
          field: fc.constant('entry'),
          entry: fc.nat(entries.length - 1),
          at: fc.nat(1167),
        }),
      )
      fc.assert(
        fc.property(target, fc.integer({ min: 1, max: 255 }), fc.nat(2), (t, xor, who) => {
          let data: EncryptedData
          if (t.field === 'entry') {
            const e = entries[t.entry]!.slice()
            e[t.at]! ^= xor
            data = {
              ...sealed,
              recipients: sealed.recipients.map((r, i) => (i === t.entry ? toBase64url(e) : r)),
            }
          } else {
            const b = fields[t.field as 'nonce' | 'ciphertext'].slice()
            b[t.at]! ^= xor
            data = { ...sealed, [t.field]: toBase64url(b) }
          }
          assert.throws(
            () => openEnvelope(provider, data, [pairs[who]!.secret]),
            isUniformFailure,
            `${JSON.stringify(t)} ${why}`,
          )
        }),
        { seed, numRuns: 150 },
      )
    })

    it('any inner bytes round-trip (property)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 5000 }), (inner) => {
          const sealed = sealEnvelope(provider, inner, pairs.slice(0, 2))
          assert.equal(toHex(openEnvelope(provider, sealed, [pairs[1]!.secret])), toHex(inner), why)
        }),
        { seed, numRuns: 25 },
      )
    })
  })
}
