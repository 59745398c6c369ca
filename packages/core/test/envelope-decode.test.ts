/**
 * decodeEncryptedData against hostile input: wrong types, huge sizes, `__proto__` keys and
 * arbitrary JSON get coded errors, never a crash; decode(encode(x)) = x.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { seedFromEnv } from '@sdmp/testkit'
import { decodeEnvelopeBytes } from '../src/envelope/encrypted-data.js'
import {
  createNobleProvider,
  decodeEncryptedData,
  generateRecipientKeyPair,
  openEnvelope,
  ProtocolError,
  sealEnvelope,
  SUITE_BASELINE,
  toBase64url,
} from '../src/index.js'

const seed = seedFromEnv()
const why = `(seed ${seed}; rerun with SEED=${seed})`
const provider = createNobleProvider()
const CODES = ['SCHEMA_VIOLATION', 'INVALID_ENCODING', 'LIMIT_EXCEEDED']

/** Run f; it must succeed or throw a ProtocolError (never another error). Returns the code or 'ok'. */
function outcome(f: () => unknown): string {
  try {
    f()
    return 'ok'
  } catch (e) {
    if (e instanceof ProtocolError) return e.code
    throw new Error(`non-coded error ${why}: ${String(e)}`)
  }
}

const pair = generateRecipientKeyPair(provider, { suite: SUITE_BASELINE })
const good = sealEnvelope(provider, new TextEncoder().encode('x'), [pair], {
  suite: SUITE_BASELINE,
})
const { v: _v, ...withoutV } = good
const goodJson = JSON.parse(JSON.stringify(good)) as Record<string, unknown>

describe('decodeEncryptedData', () => {
  it('decode(encode(x)) = x, as a new frozen value', () => {
    const d = decodeEncryptedData(goodJson)
    assert.deepEqual(d, good)
    assert.ok(Object.isFrozen(d) && Object.isFrozen(d.recipients))
    assert.notEqual(d.recipients, goodJson['recipients'])
  })

  it('keeps the bytes it decoded for the value it returns: opened from them, again and again', () => {
    const d = decodeEncryptedData(goodJson)
    const kept = decodeEnvelopeBytes(d)
    // The same bytes, not decoded again; and what decoding the JSON gives.
    assert.equal(decodeEnvelopeBytes(d), kept)
    assert.deepEqual(kept, decodeEnvelopeBytes(goodJson))
    assert.notEqual(decodeEnvelopeBytes(goodJson), decodeEnvelopeBytes(goodJson))
    // A copy of the value is not the value: decoded (and checked) on its own.
    assert.notEqual(decodeEnvelopeBytes({ ...d }), kept)
    const plain = new TextEncoder().encode('x')
    for (let i = 0; i < 3; i++) assert.deepEqual(openEnvelope(provider, d, [pair.secret]), plain)
    assert.deepEqual(decodeEnvelopeBytes(d), decodeEnvelopeBytes(goodJson), 'opening wrote nothing')
  })

  const table: [string, unknown, string][] = [
    ['null', null, 'SCHEMA_VIOLATION'],
    ['undefined', undefined, 'SCHEMA_VIOLATION'],
    ['number', 42, 'SCHEMA_VIOLATION'],
    ['NaN', NaN, 'SCHEMA_VIOLATION'],
    ['string', JSON.stringify(good), 'SCHEMA_VIOLATION'],
    ['array', [good], 'SCHEMA_VIOLATION'],
    ['Map', new Map(Object.entries(good)), 'SCHEMA_VIOLATION'],
    ['Uint8Array', new Uint8Array(4), 'SCHEMA_VIOLATION'],
    [
      '__proto__ key',
      JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(good).slice(1)}`),
      'SCHEMA_VIOLATION',
    ],
    ['class instance', Object.assign(Object.create({ inherited: 1 }), good), 'SCHEMA_VIOLATION'],
    ['suite number', { ...good, suite: 1 }, 'SCHEMA_VIOLATION'],
    ['suite with prototype name', { ...good, suite: 'constructor' }, 'SCHEMA_VIOLATION'],
    ['nonce NaN', { ...good, nonce: NaN }, 'SCHEMA_VIOLATION'],
    ['nonce bytes', { ...good, nonce: new Uint8Array(12) }, 'SCHEMA_VIOLATION'],
    ['ciphertext null', { ...good, ciphertext: null }, 'SCHEMA_VIOLATION'],
    ['recipients string', { ...good, recipients: good.recipients[0] }, 'SCHEMA_VIOLATION'],
    ['recipients sparse', { ...good, recipients: [, good.recipients[0]] }, 'SCHEMA_VIOLATION'],
    ['recipients empty', { ...good, recipients: [] }, 'SCHEMA_VIOLATION'],
    ['huge ciphertext', { ...good, ciphertext: 'A'.repeat(4_000_000) }, 'LIMIT_EXCEEDED'],
    [
      '2048 recipients',
      { ...good, recipients: Array(2048).fill(good.recipients[0]) },
      'LIMIT_EXCEEDED',
    ],
    ['1e6 recipients of junk', { ...good, recipients: Array(1_000_000).fill(0) }, 'LIMIT_EXCEEDED'],
    // 1024 hybrid-length entries alone are 1.6 MB of text: over the resource size limit.
    [
      '1024 hybrid entries',
      { ...good, suite: 'pq-kyber768-x25519', recipients: Array(1024).fill('A'.repeat(1558)) },
      'LIMIT_EXCEEDED',
    ],
    [
      'ciphertext 1 MiB bucket',
      { ...good, ciphertext: toBase64url(new Uint8Array(1048576 + 16)) },
      'LIMIT_EXCEEDED',
    ],
    [
      'ciphertext under the v2 floor',
      { ...good, ciphertext: toBase64url(new Uint8Array(128 + 16)) },
      'SCHEMA_VIOLATION',
    ],
    [
      'ciphertext not a Padmé length (v2)',
      { ...good, ciphertext: toBase64url(new Uint8Array(1000 + 16)) },
      'SCHEMA_VIOLATION',
    ],
    [
      'ciphertext under the v1 floor (no v member)',
      { ...withoutV, ciphertext: toBase64url(new Uint8Array(2048 + 16)) },
      'SCHEMA_VIOLATION',
    ],
    [
      'entry with whitespace',
      { ...good, recipients: [good.recipients[0]!.slice(1) + ' ', good.recipients[1]] },
      'INVALID_ENCODING',
    ],
  ]
  for (const [name, input, code] of table) {
    it(`refuses ${name} with ${code}`, () => {
      assert.equal(
        outcome(() => decodeEncryptedData(input)),
        code,
      )
    })
  }

  it('messages name the field and never echo long values', () => {
    try {
      decodeEncryptedData({ ...good, ['x'.repeat(10_000)]: 1 })
      assert.fail('accepted an unknown field')
    } catch (e) {
      assert.ok(e instanceof ProtocolError)
      assert.ok(e.message.length < 120, e.message)
    }
  })

  it('arbitrary JSON values get coded errors only (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const r = outcome(() => decodeEncryptedData(v))
        assert.ok(CODES.includes(r), `${r} ${why}`)
      }),
      { seed, numRuns: 400 },
    )
  })

  it('any field replaced by any JSON value gets a coded error or decodes (property)', () => {
    const field = fc.constantFrom(
      'suite',
      'nonce',
      'ciphertext',
      'recipients',
      '__proto__',
      'extra',
    )
    fc.assert(
      fc.property(field, fc.jsonValue({ maxDepth: 3 }), (f, v) => {
        // A computed '__proto__' key is an own property, so it survives into the JSON text.
        const input: unknown = JSON.parse(JSON.stringify({ ...goodJson, [f]: v }))
        const r = outcome(() => decodeEncryptedData(input))
        assert.ok(r === 'ok' || CODES.includes(r), `${f}: ${r} ${why}`)
      }),
      { seed, numRuns: 400 },
    )
  })
})
