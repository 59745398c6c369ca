/**
 * Ed25519 under the one validity rule (docs/protocol/ed25519.md): every preset gives the
 * verdict the rule prescribes on every CCTV edge-case vector and every Wycheproof vector, and
 * signs RFC 8032 vectors byte for byte.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isValidEd25519PublicKey, isValidEd25519SignatureEncoding } from '@sdmp/core'
import { sodium } from '../src/sodium.js'
import { PRESETS, hex, loadVectors, toHexString } from './presets.js'
import type { WycheproofFile } from './presets.js'

interface CctvVector {
  number: number
  key: string
  sig: string
  msg: string
  flags: string[] | null
}

const cctv = loadVectors<CctvVector[]>('cctv-ed25519/ed25519vectors.json')
const wycheproof = loadVectors<WycheproofFile<{ publicKey: { pk: string } }>>(
  'wycheproof/ed25519_test.json',
)

/**
 * The verdict the rule prescribes for a CCTV category, with the first step of ed25519.md §2
 * that rejects it. The order mirrors the table in ed25519.md §5.
 */
function expectedCctvVerdict(flags: readonly string[]): string {
  if (flags.includes('non_canonical_A')) return 'reject: A non-canonical'
  if (flags.includes('low_order_A')) return 'reject: A small order'
  if (flags.includes('low_order_component_A')) return 'reject: A not torsion-free'
  if (flags.includes('non_canonical_R')) return 'reject: R non-canonical'
  if (flags.includes('low_order_R')) return 'reject: R small order'
  if (flags.includes('low_order_residue')) return 'reject: cofactorless equation fails'
  if (flags.includes('low_order_component_R')) return 'reject: R not torsion-free'
  return 'accept'
}

// RFC 8032 §7.1 TEST 1-3: seed, public key, message, signature
const RFC8032 = [
  [
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
] as const

describe('ed25519 rule: cctv categories', () => {
  it('prescribes exactly one accepted vector (the one without flags)', () => {
    const accepted = cctv.filter((v) => expectedCctvVerdict(v.flags ?? []) === 'accept')
    assert.deepEqual(
      accepted.map((v) => v.number),
      cctv.filter((v) => (v.flags ?? []).length === 0).map((v) => v.number),
    )
    assert.equal(accepted.length, 1)
  })

  for (const { label, create } of PRESETS) {
    it(`${label}: gives the rule's verdict on all ${cctv.length} cctv vectors`, () => {
      const provider = create()
      const wrong: string[] = []
      for (const v of cctv) {
        const flags = v.flags ?? []
        const expected = expectedCctvVerdict(flags)
        const got = provider.ed25519.verify(hex(v.sig), new TextEncoder().encode(v.msg), hex(v.key))
        if (got !== (expected === 'accept'))
          wrong.push(`#${v.number} [${flags.join(',')}] expected ${expected}, got ${got}`)
      }
      assert.deepEqual(wrong, [], `${label} disagrees with the rule:\n${wrong.join('\n')}`)
    })
  }

  it('all presets give the same answer on every cctv vector (also with reused key caches)', () => {
    const providers = PRESETS.map((p) => p.create())
    for (let round = 0; round < 2; round++) {
      for (const v of cctv) {
        const msg = new TextEncoder().encode(v.msg)
        const answers = providers.map((p) => p.ed25519.verify(hex(v.sig), msg, hex(v.key)))
        assert.ok(
          answers.every((a) => a === answers[0]),
          `round ${round} #${v.number}: ${PRESETS.map((p, i) => `${p.label}=${answers[i]}`).join(' ')}`,
        )
      }
    }
  })
})

describe('ed25519 rule: key check', () => {
  it('the pure-TS key check equals libsodium crypto_core_ed25519_is_valid_point', () => {
    const keys = new Set<string>([
      ...cctv.map((v) => v.key),
      ...cctv.map((v) => v.sig.slice(0, 64)), // R values: small-order and non-canonical points
      ...wycheproof.testGroups.map((g) => g.publicKey.pk),
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p - 1
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // y = p + 1, sign set
      '0100000000000000000000000000000000000000000000000000000000000080', // identity, x sign set
    ])
    for (const k of keys) {
      const bytes = hex(k)
      assert.equal(
        isValidEd25519PublicKey(bytes),
        sodium.crypto_core_ed25519_is_valid_point(bytes),
        `key ${k}`,
      )
    }
  })

  it('rejects S >= L and small-order R on bytes alone', () => {
    const sig = hex(RFC8032[0][3])
    assert.ok(isValidEd25519SignatureEncoding(sig))
    const big = sig.slice()
    big.set(hex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010'), 32) // S = L
    assert.equal(isValidEd25519SignatureEncoding(big), false)
    const ident = sig.slice()
    ident.set(hex('0100000000000000000000000000000000000000000000000000000000000000'), 0)
    assert.equal(isValidEd25519SignatureEncoding(ident), false)
    assert.equal(isValidEd25519SignatureEncoding(sig.subarray(0, 63)), false)
  })
})

describe('ed25519: wycheproof', () => {
  for (const { label, create } of PRESETS) {
    it(`${label}: verifies every valid vector and rejects every invalid one`, () => {
      const provider = create()
      let count = 0
      for (const group of wycheproof.testGroups) {
        const pub = hex(group.publicKey.pk)
        for (const t of group.tests) {
          assert.notEqual(t.result, 'acceptable', 'no acceptable ed25519 vectors are expected')
          const got = provider.ed25519.verify(hex(t['sig'] as string), hex(t['msg'] as string), pub)
          assert.equal(got, t.result === 'valid', `tcId ${t.tcId} (${t.comment}) [${t.flags}]`)
          count++
        }
      }
      assert.equal(count, 151)
    })
  }
})

describe('ed25519: rfc 8032 signing', () => {
  for (const { label, create } of PRESETS) {
    it(`${label}: derives the public key and signs byte for byte`, () => {
      const provider = create()
      for (const [seed, pub, msg, sig] of RFC8032) {
        assert.equal(toHexString(provider.ed25519.publicKey(hex(seed))), pub)
        assert.equal(toHexString(provider.ed25519.sign(hex(seed), hex(msg))), sig)
        assert.equal(provider.ed25519.verify(hex(sig), hex(msg), hex(pub)), true)
      }
    })
  }
})
